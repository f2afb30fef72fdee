package service

import (
	"context"
	"encoding/base64"
	"fmt"
	"net/netip"
	"strconv"

	"gorm.io/gorm"

	"github.com/idplane/idplane/server/api"
	"github.com/idplane/idplane/server/internal/authmethod/login"
	"github.com/idplane/idplane/server/internal/store"
)

// Actor types in audit events.
const (
	ActorIdentity  = "identity"
	ActorAnonymous = "anonymous"
	ActorSystem    = "system"
)

// newEvent builds an audit event. The store makes its text valid and cuts
// what came from outside (User-Agent, reason, IDs) to its columns' sizes.
func (s *Service) newEvent(meta Meta, orgID, actorType, actorID, action, targetType, targetID, outcome, reason string, md map[string]string) store.AuditEvent {
	ip := ""
	if meta.IP.IsValid() {
		ip = meta.IP.String()
	}
	if md == nil {
		md = map[string]string{}
	}
	return store.AuditEvent{
		OrganizationID: orgID, Time: s.now(), ActorType: actorType, ActorID: actorID,
		Action: action, TargetType: targetType, TargetID: targetID, SourceIP: ip,
		UserAgent: meta.UserAgent, Outcome: outcome, Reason: reason,
		RequestID: meta.RequestID, Metadata: store.JSON[map[string]string]{V: md},
	}
}

// record writes the audit event of a change inside the change's transaction,
// so there is never a change without its event or an event without its change.
func (s *Service) record(tx *gorm.DB, c *Caller, action, targetType, targetID string, md map[string]string) error {
	ev := s.newEvent(c.Meta, c.OrgID(), ActorIdentity, c.Claims.IdentityID, action, targetType, targetID, api.OutcomeSuccess, "", md)
	if err := tx.Create(&ev).Error; err != nil {
		return fmt.Errorf("write audit event: %w", err)
	}
	return nil
}

// ListAuditEvents pages through the organization's events, newest first.
func (s *Service) ListAuditEvents(ctx context.Context, c *Caller, f api.AuditEventFilter) (*api.AuditEventList, error) {
	if err := s.require(ctx, c, api.SubjectAuditLogs, api.ActionRead); err != nil {
		return nil, err
	}
	var errs api.FieldErrors
	limit := f.Limit
	if limit == 0 {
		limit = 100
	}
	if limit < 1 || limit > 1000 {
		errs.Add("limit", "must be between 1 and 1000, got %d", f.Limit)
	}
	if f.Outcome != "" && f.Outcome != api.OutcomeSuccess && f.Outcome != api.OutcomeFailure {
		errs.Add("outcome", "must be %q or %q", api.OutcomeSuccess, api.OutcomeFailure)
	}
	var before int64
	if f.Cursor != "" {
		b, err := base64.RawURLEncoding.DecodeString(f.Cursor)
		if err == nil {
			before, err = strconv.ParseInt(string(b), 10, 64)
		}
		if err != nil || before <= 0 {
			errs.Add("cursor", "must be a nextCursor value returned by a previous page")
		}
	}
	if err := errs.Err(); err != nil {
		return nil, err
	}
	q := s.db.WithContext(ctx).Where("organization_id = ?", c.OrgID())
	for _, c := range []struct{ col, v string }{{"action", f.Action}, {"actor_id", f.ActorID}, {"target_id", f.TargetID}, {"outcome", f.Outcome}} {
		if c.v != "" {
			q = q.Where(c.col+" = ?", c.v)
		}
	}
	if !f.Since.IsZero() {
		q = q.Where("time >= ?", f.Since.UTC())
	}
	if !f.Until.IsZero() {
		q = q.Where("time < ?", f.Until.UTC())
	}
	if before > 0 {
		q = q.Where("id < ?", before)
	}
	var rows []store.AuditEvent
	if err := q.Order("id DESC").Limit(limit + 1).Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("list audit events: %w", err)
	}
	out := &api.AuditEventList{Events: make([]api.AuditEvent, 0, len(rows))}
	if len(rows) > limit {
		rows = rows[:limit]
		out.NextCursor = base64.RawURLEncoding.EncodeToString([]byte(strconv.FormatInt(rows[limit-1].ID, 10)))
	}
	for _, r := range rows {
		out.Events = append(out.Events, auditToAPI(r))
	}
	return out, nil
}

func auditToAPI(r store.AuditEvent) api.AuditEvent {
	return api.AuditEvent{
		ID: strconv.FormatInt(r.ID, 10), Time: r.Time, OrganizationID: r.OrganizationID,
		Actor: api.AuditActor{Type: r.ActorType, ID: r.ActorID}, Action: r.Action,
		Target: api.AuditTarget{Type: r.TargetType, ID: r.TargetID}, SourceIP: r.SourceIP,
		UserAgent: r.UserAgent, Outcome: r.Outcome, Reason: r.Reason, RequestID: r.RequestID,
		Metadata: r.Metadata.V,
	}
}

// IPAllowed reports whether ip falls in one of the CIDR blocks
// (login.IPAllowed).
func IPAllowed(cidrs []string, ip netip.Addr) bool { return login.IPAllowed(cidrs, ip) }
