package store

import "time"

// LockoutChange is what a universal-auth login changes in its source's
// lockout count: one more failure, or (Reset) none any more after a
// success. Counts are updated in SQL, never read and written back, so
// replicas counting the same source at once lose no failure.
type LockoutChange struct {
	UniversalAuthID, SourceKey string
	Reset                      bool
	// A failure's time and its universal auth's lockout settings: the
	// threshold of failures within CounterReset that locks the source out
	// for Duration.
	At                     time.Time
	Threshold              int
	Duration, CounterReset time.Duration
}

// countFailuresSQL adds failures to a source's count, starting a new count
// when its window has passed (or a reset preceded them in the batch), and
// locks the source out once the count reaches the threshold.
const countFailuresSQL = `INSERT INTO lockouts (universal_auth_id, source_key, failures, window_start, locked_until)
	VALUES (?, ?, ?, ?, ?)
	ON CONFLICT (universal_auth_id, source_key) DO UPDATE SET
		failures = CASE WHEN ? OR lockouts.window_start < ? THEN ? ELSE lockouts.failures + ? END,
		locked_until = CASE WHEN (CASE WHEN ? OR lockouts.window_start < ? THEN ? ELSE lockouts.failures + ? END) >= ? THEN ?
			WHEN ? THEN NULL ELSE lockouts.locked_until END,
		window_start = CASE WHEN ? OR lockouts.window_start < ? THEN ? ELSE lockouts.window_start END`

const deleteLockoutSQL = `DELETE FROM lockouts WHERE universal_auth_id = ? AND source_key = ?`

// countArgs are countFailuresSQL's arguments for n failures ending with c.
func (c LockoutChange) countArgs(n int, restart bool) []any {
	windowStart := c.At.Add(-c.CounterReset)
	lockedUntil := c.At.Add(c.Duration)
	// A new count's lock is decided here: a parameter in both branches of
	// a CASE has no type PostgreSQL can infer.
	var firstLock *time.Time
	if n >= c.Threshold {
		firstLock = &lockedUntil
	}
	return []any{c.UniversalAuthID, c.SourceKey, n, c.At, firstLock,
		restart, windowStart, n, n,
		restart, windowStart, n, n, c.Threshold, lockedUntil, restart,
		restart, windowStart, c.At}
}
