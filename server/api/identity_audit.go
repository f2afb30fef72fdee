package api

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Sources of an identity audit.
const (
	AuditSourceState = "state"
	AuditSourcePlan  = "plan"
	AuditSourceLive  = "live"
)

// Severities of audit findings, lowest first.
const (
	SeverityLow    = "low"
	SeverityMedium = "medium"
	SeverityHigh   = "high"
)

var severities = []string{SeverityLow, SeverityMedium, SeverityHigh}

// SeverityRank orders severities (low 1, medium 2, high 3); 0 for anything else.
func SeverityRank(s string) int { return slices.Index(severities, s) + 1 }

// DefaultUnusedDays is how long an identity or client secret may go without
// a login before the live audit reports it as unused.
const DefaultUnusedDays = 90

// IdentityAudit is the identity audit of an organization: how many machine
// identities exist, how many distinct permission sets they hold (the number
// of identities the organization needs), which identities could share one,
// and hygiene findings. Change is present only when auditing a plan.
type IdentityAudit struct {
	Source                 string         `json:"source"`
	MachineIdentities      int            `json:"machineIdentities"`
	DistinctPermissionSets int            `json:"distinctPermissionSets"`
	Groups                 []AuditGroup   `json:"groups"`
	Findings               []AuditFinding `json:"findings"`
	// TemporaryGrants are the temporary role grants active or to come.
	TemporaryGrants []AuditTemporaryGrant `json:"temporaryGrants"`
	Change          *AuditChange          `json:"change,omitempty"`
	// Activity is present in the live audit: declared identities against
	// those that log in.
	Activity *AuditActivity `json:"activity,omitempty"`
	// Use is present in the live audit for a caller that may read the
	// audit log (audit-logs read): each identity's secret grants against
	// the secret reads and writes the log holds for the last UnusedDays
	// days. An audit of a Terraform state or plan has no use data, so it
	// has neither this section nor the findings drawn from it.
	Use *AuditUse `json:"use,omitempty"`
	// Gate is set by `idplane audit --fail-on`: which findings it counted
	// and whether it failed.
	Gate *AuditGate `json:"gate,omitempty"`
}

// AuditActivity separates the identities an organization declares from
// those that run: the monthly active machine identities (those with a
// successful login in Month, UTC, as Vault's client count) and each
// identity's last successful login, overall and per auth method. Replicas
// write logins every few seconds, so the newest may be missing briefly.
type AuditActivity struct {
	Month                   string                  `json:"month"`
	DeclaredIdentities      int                     `json:"declaredIdentities"`
	MonthlyActiveIdentities int                     `json:"monthlyActiveIdentities"`
	Identities              []AuditIdentityActivity `json:"identities"`
}

// AuditIdentityActivity is one identity's last successful login (nil:
// never) and the last with each auth method it has or has used.
type AuditIdentityActivity struct {
	Identity    string                `json:"identity"`
	LastLoginAt *time.Time            `json:"lastLoginAt"`
	AuthMethods []AuditMethodActivity `json:"authMethods"`
}

// AuditMethodActivity is the last successful login with one auth method.
type AuditMethodActivity struct {
	AuthMethod  string     `json:"authMethod"`
	LastLoginAt *time.Time `json:"lastLoginAt"`
}

// AuditUse compares what identities may do with secrets against what they
// did: the window (Days days up to Until) and, per identity and project
// where it holds secret permissions, the grants, their use and the
// narrower rules the use suggests.
type AuditUse struct {
	Days  int       `json:"days"`
	Since time.Time `json:"since"`
	Until time.Time `json:"until"`
	// LogStart is the organization's oldest secret event in the audit log
	// (nil: none). When it is after Since (audit retention shorter than the
	// window, or secrets newer than it) the log cannot tell an unused grant
	// from a used one, and no grant is judged.
	LogStart *time.Time      `json:"logStart"`
	Grants   []AuditGrantUse `json:"grants"`
}

// AuditGrantUse is one identity's secret access in one project (rows of
// its permission set on secrets that read or change values: describe is
// never audited, so never counted) and the successful secret reads and
// writes of the window. Judged is false when the identity or its
// membership is younger than the window, or the audit log's secret events
// start after it (AuditUse.LogStart): use then says too little for a
// finding. Suggested are the rules the use needs (environments and
// path globs computed from the used paths, the identity's deny rules of
// those places kept); empty when nothing was used. Finding is the code of
// the finding drawn from it, "" for none.
type AuditGrantUse struct {
	Identity  string           `json:"identity"`
	Project   string           `json:"project"`
	Granted   []AuditGrant     `json:"granted"`
	Used      []AuditSecretUse `json:"used"`
	Suggested []PermissionRule `json:"suggested"`
	Judged    bool             `json:"judged"`
	Finding   string           `json:"finding,omitempty"`
}

// AuditSecretUse is the successful uses of one action on the secrets of
// one folder: how many in the window and the last.
type AuditSecretUse struct {
	Environment string    `json:"environment"`
	SecretPath  string    `json:"secretPath"`
	Action      string    `json:"action"`
	Count       int       `json:"count"`
	LastAt      time.Time `json:"lastAt"`
}

// Scopes of the `idplane audit --fail-on` gate.
const (
	// GateScopeIntroduced counts only the findings a plan introduces.
	GateScopeIntroduced = "introduced"
	// GateScopeAll counts every finding of the audited state.
	GateScopeAll = "all"
)

// AuditGate is the outcome of `idplane audit --fail-on`: the severity
// threshold, the scope of findings it counted (GateScopeIntroduced or
// GateScopeAll), how many of them are at or above the threshold, and
// whether that failed the gate.
type AuditGate struct {
	FailOn   string `json:"failOn"`
	Scope    string `json:"scope"`
	Findings int    `json:"findings"`
	Failed   bool   `json:"failed"`
}

// AuditGroup is the identities holding one permission set, by name, and
// what the set grants. PermissionSet is a hash of the normalised grants, so
// equal access has the same ID in every audit.
type AuditGroup struct {
	PermissionSet string       `json:"permissionSet"`
	Identities    []string     `json:"identities"`
	Grants        []AuditGrant `json:"grants"`
}

// AuditGrant is one line of a permission set: actions on a subject, in a
// project ("" for the organization, "*" for every project) and environment,
// under a secret path glob (only for secrets and secret folders). Deny rows
// take away what other rows grant.
type AuditGrant struct {
	Project     string   `json:"project"`
	Environment string   `json:"environment"`
	SecretPath  string   `json:"secretPath"`
	Subject     string   `json:"subject"`
	Actions     []string `json:"actions"`
	Deny        bool     `json:"deny"`
	// Until is set when only temporary grants give the row: when the
	// last of them ends.
	Until *time.Time `json:"until,omitempty"`
}

// AuditFinding is a hygiene problem of one identity, with a stable Code.
type AuditFinding struct {
	Severity string `json:"severity"`
	Code     string `json:"code"`
	Identity string `json:"identity"`
	Detail   string `json:"detail"`
}

// AuditCount is a number before and after a plan.
type AuditCount struct {
	Before int `json:"before"`
	After  int `json:"after"`
}

// AuditGrantChange is one action an identity gains or loses.
type AuditGrantChange struct {
	Identity    string `json:"identity"`
	Project     string `json:"project"`
	Environment string `json:"environment"`
	SecretPath  string `json:"secretPath"`
	Subject     string `json:"subject"`
	Action      string `json:"action"`
	// Until is set when only temporary grants give the action.
	Until *time.Time `json:"until,omitempty"`
}

// AuditTemporaryGrant is a temporary project role grant that has not ended
// at the audit's instant: the role, where, and its window.
type AuditTemporaryGrant struct {
	Identity string    `json:"identity"`
	Project  string    `json:"project"`
	Role     string    `json:"role"`
	Start    time.Time `json:"start"`
	End      time.Time `json:"end"`
}

// AuditChange is what a plan changes.
type AuditChange struct {
	MachineIdentities      AuditCount         `json:"machineIdentities"`
	DistinctPermissionSets AuditCount         `json:"distinctPermissionSets"`
	IdentitiesAdded        []string           `json:"identitiesAdded"`
	IdentitiesRemoved      []string           `json:"identitiesRemoved"`
	Granted                []AuditGrantChange `json:"granted"`
	Revoked                []AuditGrantChange `json:"revoked"`
	FindingsIntroduced     []AuditFinding     `json:"findingsIntroduced"`
	// TemporaryGrantsAdded are the temporary grants the plan adds or
	// whose window it changes.
	TemporaryGrantsAdded []AuditTemporaryGrant `json:"temporaryGrantsAdded"`
}

// IdentityAuditQuery is the query of GET /api/v1/identity-audit.
type IdentityAuditQuery struct {
	// At is the instant temporary grants are evaluated at; zero is now.
	At time.Time `query:"at"`
	// ProductionEnvironments is a comma-separated list of environment slugs
	// to treat as production besides those whose slug or name says prod.
	ProductionEnvironments string `query:"productionEnvironments"`
	// UnusedDays is how long without a login makes an identity or a client
	// secret unused, and the window over which secret grants are compared
	// with their use; 0 is DefaultUnusedDays.
	UnusedDays int `query:"unusedDays"`
}

// MaxUnusedDays bounds IdentityAuditQuery.UnusedDays (ten years).
const MaxUnusedDays = 3650

// Values renders the query for a request.
func (q IdentityAuditQuery) Values() url.Values {
	v := url.Values{}
	if !q.At.IsZero() {
		v.Set("at", q.At.UTC().Format(time.RFC3339Nano))
	}
	if q.ProductionEnvironments != "" {
		v.Set("productionEnvironments", q.ProductionEnvironments)
	}
	if q.UnusedDays != 0 {
		v.Set("unusedDays", strconv.Itoa(q.UnusedDays))
	}
	return v
}

// ParseIdentityAuditQuery reads the query of GET /api/v1/identity-audit.
func ParseIdentityAuditQuery(v url.Values) (IdentityAuditQuery, error) {
	var (
		q    IdentityAuditQuery
		errs FieldErrors
	)
	if s := v.Get("at"); s != "" {
		t, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			errs.Add("at", "must be an RFC 3339 time, e.g. 2026-01-02T15:04:05Z")
		}
		q.At = t
	}
	if s := v.Get("productionEnvironments"); s != "" {
		q.ProductionEnvironments = s
		for i, e := range SplitList(s) {
			if err := ValidateSlug(e); err != nil {
				errs.Add(fmt.Sprintf("productionEnvironments[%d]", i), "%s", err)
			}
		}
	}
	if s := v.Get("unusedDays"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > MaxUnusedDays {
			errs.Add("unusedDays", "must be a whole number of days between 1 and %d", MaxUnusedDays)
		}
		q.UnusedDays = n
	}
	return q, errs.Err()
}

// SplitList splits a comma-separated list, dropping blanks.
func SplitList(s string) []string {
	var out []string
	for _, part := range strings.Split(s, ",") {
		if part = strings.TrimSpace(part); part != "" {
			out = append(out, part)
		}
	}
	return out
}

// IdentityAudit audits the caller's organization on the server.
func (c *Client) IdentityAudit(ctx context.Context, q IdentityAuditQuery) (*IdentityAudit, error) {
	out := new(IdentityAudit)
	if err := c.Call(ctx, RouteIdentityAudit, nil, q.Values(), 0, nil, out); err != nil {
		return nil, err
	}
	return out, nil
}
