package store

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
)

// insertOneStatement writes a batch of tokens and audit events on PostgreSQL
// in a single statement (the token insert rides in a data-modifying CTE), so
// a group commit costs one round trip instead of four. Under load on a
// small machine each round trip waits for a scheduler slot, and the round
// trips, not the work, bounded login throughput.
func insertOneStatement(ctx context.Context, db *sql.DB, tokens []AccessToken, events []AuditEvent) error {
	var (
		b    strings.Builder
		args []any
	)
	values := func(n int) {
		for i := range n {
			if i > 0 {
				b.WriteString(",")
			}
			args = append(args, nil)
			b.WriteString("$" + strconv.Itoa(len(args)))
		}
	}
	rows := func(count, cols int, fill func(i int) []any) {
		for i := range count {
			if i > 0 {
				b.WriteString(",")
			}
			b.WriteString("(")
			start := len(args)
			values(cols)
			copy(args[start:], fill(i))
			b.WriteString(")")
		}
	}
	if len(tokens) > 0 {
		b.WriteString(`WITH t AS (INSERT INTO access_tokens (id, organization_id, identity_id, auth_method, auth_method_id,
			credential_id, ttl, num_uses_limit, num_uses, created_at, expires_at, max_expires_at) VALUES `)
		rows(len(tokens), 12, func(i int) []any {
			t := tokens[i]
			fitModel(&t)
			return []any{t.ID, t.OrganizationID, t.IdentityID, t.AuthMethod, t.AuthMethodID, t.CredentialID,
				t.TTL, t.NumUsesLimit, t.NumUses, t.CreatedAt, t.ExpiresAt, t.MaxExpiresAt}
		})
		b.WriteString(") ")
	}
	b.WriteString(`INSERT INTO audit_events (organization_id, time, actor_type, actor_id, action, target_type, target_id,
		source_ip, user_agent, outcome, reason, request_id, metadata) VALUES `)
	var metaErr error
	rows(len(events), 13, func(i int) []any {
		e := events[i]
		fitModel(&e)
		md, err := e.Metadata.Value()
		if err != nil && metaErr == nil {
			metaErr = err
		}
		return []any{e.OrganizationID, e.Time, e.ActorType, e.ActorID, e.Action, e.TargetType, e.TargetID,
			e.SourceIP, e.UserAgent, e.Outcome, e.Reason, e.RequestID, md}
	})
	if metaErr != nil {
		return fmt.Errorf("encode audit metadata: %w", metaErr)
	}
	// Each batch size is a different statement: pgx would prepare and cache
	// every one on every connection (up to 512 each, tens of kilobytes of SQL
	// apiece, here and in the PostgreSQL backend) until the connection is
	// closed. Sent unprepared it is still one round trip.
	//
	// The text of every argument is made valid as GORM's statements' is
	// (text.go): one row PostgreSQL refuses would fail the whole batch.
	if _, err := db.ExecContext(ctx, b.String(), append([]any{pgx.QueryExecModeExec}, validArgs(args)...)...); err != nil {
		return fmt.Errorf("insert access tokens and audit events: %w", err)
	}
	return nil
}
