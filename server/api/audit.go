package api

import "time"

// Audit outcomes.
const (
	OutcomeSuccess = "success"
	OutcomeFailure = "failure"
)

// AuditActor is who did something: an identity, or anonymous for a failed login.
type AuditActor struct {
	Type string `json:"type"`
	ID   string `json:"id,omitempty"`
}

// AuditTarget is what was acted on.
type AuditTarget struct {
	Type string `json:"type"`
	ID   string `json:"id,omitempty"`
}

// AuditEvent records one login or change. It never holds a secret value.
type AuditEvent struct {
	ID             string            `json:"id"`
	Time           time.Time         `json:"time"`
	OrganizationID string            `json:"organizationId"`
	Actor          AuditActor        `json:"actor"`
	Action         string            `json:"action"`
	Target         AuditTarget       `json:"target"`
	SourceIP       string            `json:"sourceIp"`
	UserAgent      string            `json:"userAgent"`
	Outcome        string            `json:"outcome"`
	Reason         string            `json:"reason,omitempty"`
	RequestID      string            `json:"requestId,omitempty"`
	Metadata       map[string]string `json:"metadata,omitempty"`
}

// AuditEventList is one page of audit events, newest first.
type AuditEventList struct {
	Events     []AuditEvent `json:"events"`
	NextCursor string       `json:"nextCursor,omitempty"`
}

// AuditEventFilter is the query of GET /api/v1/audit-events.
type AuditEventFilter struct {
	Action   string    `query:"action"`
	ActorID  string    `query:"actorId"`
	TargetID string    `query:"targetId"`
	Outcome  string    `query:"outcome"`
	Since    time.Time `query:"since"`
	Until    time.Time `query:"until"`
	Limit    int       `query:"limit"`
	Cursor   string    `query:"cursor"`
}
