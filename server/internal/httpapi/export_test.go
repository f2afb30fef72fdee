package httpapi

import "testing"

// SetAfterCommitHook makes fn run after every idempotent create commits and
// before its answer is written, until the test ends.
func SetAfterCommitHook(t testing.TB, fn func()) {
	testHookAfterCommit.Store(&fn)
	t.Cleanup(func() { testHookAfterCommit.Store(nil) })
}
