package store

import (
	"reflect"
	"testing"
	"time"
)

// A batch's lockout changes fold into one statement per source, in source
// order: failures after a reset start a new count, a reset with no failure
// after it deletes the count, and the last failure's time decides.
func TestLockoutOps(t *testing.T) {
	t0 := time.Date(2026, 12, 4, 6, 0, 0, 0, time.UTC)
	fail := func(ua, source string, at time.Time) LockoutChange {
		return LockoutChange{UniversalAuthID: ua, SourceKey: source, At: at, Threshold: 2, Duration: time.Minute, CounterReset: 10 * time.Second}
	}
	reset := func(ua, source string) LockoutChange {
		return LockoutChange{UniversalAuthID: ua, SourceKey: source, Reset: true}
	}
	ops := lockoutOps([]LockoutChange{
		fail("u2", "10.0.0.1", t0),
		fail("u1", "10.0.0.9", t0),
		reset("u1", "10.0.0.9"),
		fail("u1", "10.0.0.9", t0.Add(time.Second)),
		fail("u1", "10.0.0.9", t0.Add(2*time.Second)),
		fail("u1", "10.0.0.2", t0),
		reset("u1", "10.0.0.2"),
	})
	if len(ops) != 3 {
		t.Fatalf("%d statements, want 3: %+v", len(ops), ops)
	}
	if ops[0].sql != deleteLockoutSQL || !reflect.DeepEqual(ops[0].args, []any{"u1", "10.0.0.2"}) {
		t.Errorf("u1/10.0.0.2, reset last: %+v, want its count deleted", ops[0])
	}
	t2 := t0.Add(2 * time.Second)
	locked := t2.Add(time.Minute)
	if want := fail("u1", "10.0.0.9", t2).countArgs(2, true); ops[1].sql != countFailuresSQL || !reflect.DeepEqual(ops[1].args, want) {
		t.Errorf("u1/10.0.0.9, two failures after a reset: %+v, want %v", ops[1], want)
	}
	if got := ops[1].args[4]; got == nil || !got.(*time.Time).Equal(locked) {
		t.Errorf("two failures at threshold 2 start a locked count: locked_until %v, want %v", got, locked)
	}
	if want := fail("u2", "10.0.0.1", t0).countArgs(1, false); ops[2].sql != countFailuresSQL || !reflect.DeepEqual(ops[2].args, want) {
		t.Errorf("u2/10.0.0.1, one failure: %+v, want %v", ops[2], want)
	}
	if got := ops[2].args[4].(*time.Time); got != nil {
		t.Errorf("one failure below threshold 2 locks until %v", got)
	}
}
