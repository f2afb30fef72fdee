// Package janitor deletes rows that can no longer matter: access tokens past
// their maximum lifetime, revocations older than any token could be,
// finished lockouts, signed requests past their window, Idempotency-Key
// answers past their 24 hours and, when a retention is set, old audit
// events. Every replica may run it; the deletes are idempotent.
package janitor

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"gorm.io/gorm"

	"github.com/idplane/idplane/server/api"
	"github.com/idplane/idplane/server/internal/store"
)

// Janitor sweeps the database periodically.
type Janitor struct {
	db             *gorm.DB
	now            func() time.Time
	auditRetention time.Duration // 0 keeps audit events forever
}

// New returns a janitor; auditRetention 0 keeps audit events forever.
func New(db *gorm.DB, now func() time.Time, auditRetention time.Duration) *Janitor {
	return &Janitor{db: db, now: now, auditRetention: auditRetention}
}

// Counts is what one sweep deleted.
type Counts struct {
	Tokens, Revocations, Lockouts, SignedRequests, AuditEvents, IdempotencyKeys int64
}

// Sweep deletes what is expired at the janitor's now.
func (j *Janitor) Sweep(ctx context.Context) (Counts, error) {
	var c Counts
	now := j.now()
	db := j.db.WithContext(ctx)
	steps := []struct {
		n     *int64
		model any
		where string
		args  []any
	}{
		{&c.Tokens, &store.AccessToken{}, "max_expires_at < ?", []any{now}},
		// A revocation matters while a token issued before it could live:
		// until its tokens' recorded expiry (with an hour for replicas'
		// clocks), else for the maximum token lifetime.
		{&c.Revocations, &store.Revocation{}, "revoked_at < ? OR expires_at < ?",
			[]any{now.Add(-time.Duration(api.MaxTokenTTL) * time.Second), now.Add(-time.Hour)}},
		// A lockout row is finished once its lock and its counting window are over.
		{&c.Lockouts, &store.Lockout{}, "window_start < ? AND (locked_until IS NULL OR locked_until < ?)", []any{now.Add(-time.Hour), now}},
		{&c.SignedRequests, &store.UsedSignedRequest{}, "expires_at < ?", []any{now}},
		// Answers kept for Idempotency-Key replays, past their 24 hours.
		{&c.IdempotencyKeys, &store.IdempotencyKey{}, "expires_at < ?", []any{now}},
	}
	for _, s := range steps {
		res := db.Where(s.where, s.args...).Delete(s.model)
		if res.Error != nil {
			return c, fmt.Errorf("janitor: %w", res.Error)
		}
		*s.n = res.RowsAffected
	}
	if j.auditRetention > 0 {
		res := db.Where("time < ?", now.Add(-j.auditRetention)).Delete(&store.AuditEvent{})
		if res.Error != nil {
			return c, fmt.Errorf("janitor: %w", res.Error)
		}
		c.AuditEvents = res.RowsAffected
	}
	return c, nil
}

// Run sweeps every interval until ctx ends.
func (j *Janitor) Run(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			c, err := j.Sweep(ctx)
			if err != nil && ctx.Err() == nil {
				slog.Warn("database sweep failed", "error", err)
				continue
			}
			slog.Debug("database sweep", "tokens", c.Tokens, "revocations", c.Revocations, "lockouts", c.Lockouts, "signed_requests", c.SignedRequests,
				"audit_events", c.AuditEvents, "idempotency_keys", c.IdempotencyKeys)
		}
	}
}
