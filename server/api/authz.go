package api

import (
	"fmt"
	"path"
	"strings"
	"time"
	"unicode/utf8"
)

// Limits of the decision endpoint.
const (
	MaxAuthzBatch        = 100
	MaxSecretPathLength  = 1024
	MaxAccessTokenLength = 8 << 10
)

// Decisions of an AuthzDecision.
const (
	DecisionAllow = "allow"
	DecisionDeny  = "deny"
)

// Deciding, in AuthzDecision.DecidedBy, names what decided.
const (
	// DecidedByAllowRule: a rule of a project role the identity holds
	// grants the action (Rule, Role, Membership, maybe TemporaryAccess).
	DecidedByAllowRule = "allow-rule"
	// DecidedByDenyRule: an inverted rule denies it, whatever else grants it.
	DecidedByDenyRule = "deny-rule"
	// DecidedByOrgAdmin: the identity's organization role is the built-in
	// admin, which is admin of every project, and no rule denies it.
	DecidedByOrgAdmin = "organization-admin"
	// DecidedByOrgRole: the identity's organization role allows read on
	// "all-projects", which reads the subject in every project, and no rule
	// denies it.
	DecidedByOrgRole = "organization-role"
	// DecidedByNoRule: no rule grants the action.
	DecidedByNoRule = "no-rule"
	// DecidedByInactiveToken: the access token is expired, revoked, used up
	// or not one of this organization's; nothing else is said about it.
	DecidedByInactiveToken = "inactive-token"
)

// AuthzCheck asks whether an identity (named, or behind an access token)
// may perform Action on Subject (default secrets) at SecretPath in
// Environment of Project: the question every secrets request answers.
type AuthzCheck struct {
	// AccessToken or IdentityID: exactly one.
	AccessToken string `json:"accessToken,omitempty"`
	IdentityID  string `json:"identityId,omitempty"`
	// Project is a project's ID or slug.
	Project string `json:"project"`
	// Environment is an environment slug of the project; SecretPath an
	// absolute, clean path ("/", "/db/api").
	Environment string `json:"environment"`
	SecretPath  string `json:"secretPath"`
	Action      string `json:"action"`
	// Subject is secrets (the default when empty) or secret-folders: the
	// subjects rules condition on environments and paths.
	Subject string `json:"subject,omitempty"`
}

// SubjectOrDefault is the check's subject, secrets when empty.
func (in *AuthzCheck) SubjectOrDefault() string {
	if in.Subject == "" {
		return SubjectSecrets
	}
	return in.Subject
}

// Validate checks the request.
func (in *AuthzCheck) Validate(errs *FieldErrors) { in.validate("", errs) }

func (in *AuthzCheck) validate(prefix string, errs *FieldErrors) {
	switch {
	case in.AccessToken == "" && in.IdentityID == "":
		errs.Add(prefix+"accessToken", "one of accessToken or identityId is required")
	case in.AccessToken != "" && in.IdentityID != "":
		errs.Add(prefix+"identityId", "give accessToken or identityId, not both")
	case len(in.AccessToken) > MaxAccessTokenLength:
		errs.Add(prefix+"accessToken", "must be at most %d bytes, got %d", MaxAccessTokenLength, len(in.AccessToken))
	case in.IdentityID != "" && !uuidRE.MatchString(in.IdentityID):
		errs.Add(prefix+"identityId", "must be an identity ID (a UUID)")
	}
	if in.Project == "" {
		errs.Add(prefix+"project", "is required: a project ID or slug")
	} else if !uuidRE.MatchString(in.Project) && ValidateSlug(in.Project) != nil {
		errs.Add(prefix+"project", "must be a project ID (a UUID) or slug (1-%d characters matching ^[a-z0-9]+(-[a-z0-9]+)*$)", MaxSlugLength)
	}
	subject := in.SubjectOrDefault()
	if !AcceptsConditions(ScopeProject, subject) {
		errs.Add(prefix+"subject", "unknown subject %q; allowed: %s (default %s)", in.Subject, conditionalSubjects, SubjectSecrets)
	} else if !HasAction(ScopeProject, subject, in.Action) {
		errs.Add(prefix+"action", "unknown action %q for subject %q; allowed: %s", in.Action, subject, strings.Join(Actions(ScopeProject, subject), ", "))
	}
	if in.Environment == "" {
		errs.Add(prefix+"environment", "is required: an environment slug of the project")
	} else if err := ValidateSlug(in.Environment); err != nil {
		errs.Add(prefix+"environment", "%s", err)
	}
	if err := ValidateSecretPath(in.SecretPath); err != nil {
		errs.Add(prefix+"secretPath", "%s", err)
	}
}

// ValidateSecretPath accepts an absolute, clean secret path: "/" or
// "/db/api", with no trailing "/", empty, "." or ".." segment, at most
// MaxSecretPathLength bytes of UTF-8 without control characters.
func ValidateSecretPath(p string) error {
	switch {
	case p == "":
		return fmt.Errorf("is required: an absolute path such as / or /db/api")
	case len(p) > MaxSecretPathLength:
		return fmt.Errorf("must be at most %d bytes, got %d", MaxSecretPathLength, len(p))
	case !utf8.ValidString(p) || hasControlOrFormat(p):
		return fmt.Errorf("must be UTF-8 without control or Unicode format characters")
	case !strings.HasPrefix(p, "/") || path.Clean(p) != p:
		return fmt.Errorf("%q is not an absolute, clean path: start with \"/\", no trailing \"/\", no empty, \".\" or \"..\" segments (e.g. /db/api)", p)
	}
	return nil
}

// AuthzDecision is the answer to an AuthzCheck.
type AuthzDecision struct {
	// Decision is "allow" or "deny"; Allowed says the same.
	Decision string `json:"decision"`
	Allowed  bool   `json:"allowed"`
	// DecidedBy is one of the DecidedBy* values; Reason says it in words.
	DecidedBy string `json:"decidedBy"`
	Reason    string `json:"reason"`
	// IdentityID is the identity decided for (the token's, for a token);
	// empty for an inactive token.
	IdentityID  string `json:"identityId,omitempty"`
	ProjectID   string `json:"projectId"`
	Environment string `json:"environment"`
	SecretPath  string `json:"secretPath"`
	Subject     string `json:"subject"`
	Action      string `json:"action"`
	// Role is the slug of the role that decided: the project role holding
	// Rule, or the organization role admin.
	Role string `json:"role,omitempty"`
	// Membership is the identity's membership in the project holding the
	// deciding grant.
	Membership *MembershipRef `json:"membership,omitempty"`
	// Rule is the deciding permission rule (inverted for a deny rule).
	Rule *PermissionRule `json:"rule,omitempty"`
	// TemporaryAccess is the window of the deciding grant when it is
	// temporary; the decision holds until its end.
	TemporaryAccess *GrantWindow `json:"temporaryAccess,omitempty"`
	// DecidedAt is the instant temporary grants were evaluated at.
	DecidedAt time.Time `json:"decidedAt"`
}

// MembershipRef names a project membership.
type MembershipRef struct {
	ProjectID  string `json:"projectId"`
	IdentityID string `json:"identityId"`
}

// GrantWindow is a temporary grant's window [StartTime, EndTime).
type GrantWindow struct {
	StartTime time.Time `json:"startTime"`
	EndTime   time.Time `json:"endTime"`
}

// AuthzCheckBatch asks up to MaxAuthzBatch questions at once; the answers
// come in the same order.
type AuthzCheckBatch struct {
	Checks []AuthzCheck `json:"checks"`
}

// Validate checks every question, naming each by its index.
func (in *AuthzCheckBatch) Validate(errs *FieldErrors) {
	switch {
	case len(in.Checks) == 0:
		errs.Add("checks", "must hold at least one check")
	case len(in.Checks) > MaxAuthzBatch:
		errs.Add("checks", "must hold at most %d checks, got %d", MaxAuthzBatch, len(in.Checks))
	default:
		for i := range in.Checks {
			in.Checks[i].validate(fmt.Sprintf("checks[%d].", i), errs)
		}
	}
}

// AuthzDecisionList answers an AuthzCheckBatch, in its order.
type AuthzDecisionList struct {
	Decisions []AuthzDecision `json:"decisions"`
}

// TokenIntrospectionRequest is RFC 7662's request: the token, and an
// optional hint of its type, which idplane does not need.
type TokenIntrospectionRequest struct {
	Token         string `json:"token"`
	TokenTypeHint string `json:"token_type_hint,omitempty"`
}

// Validate checks the request.
func (in *TokenIntrospectionRequest) Validate(errs *FieldErrors) {
	switch {
	case in.Token == "":
		errs.Add("token", "is required")
	case len(in.Token) > MaxAccessTokenLength:
		errs.Add("token", "must be at most %d bytes, got %d", MaxAccessTokenLength, len(in.Token))
	}
}

// TokenIntrospection is RFC 7662's response. An inactive token (expired,
// revoked, used up, malformed, or another organization's) is
// {"active": false} and nothing else.
type TokenIntrospection struct {
	Active bool   `json:"active"`
	Sub    string `json:"sub,omitempty"` // the identity ID
	// ClientID is the universal auth's client ID for a client-secret
	// login; the other auth methods have no OAuth client.
	ClientID  string `json:"client_id,omitempty"`
	TokenType string `json:"token_type,omitempty"` // "Bearer"
	Exp       int64  `json:"exp,omitempty"`
	Iat       int64  `json:"iat,omitempty"`
	Iss       string `json:"iss,omitempty"`
	Jti       string `json:"jti,omitempty"`
	// Extensions (RFC 7662 section 2.2): the token's organization, how the
	// identity logged in, the latest expiry renewals may reach, its use
	// limit, and the claims copied from the workload's credential (an OIDC
	// or JWT auth's claim metadata).
	Org        string            `json:"org,omitempty"`
	AuthMethod string            `json:"auth_method,omitempty"`
	MaxExp     int64             `json:"max_exp,omitempty"`
	UsesLimit  int               `json:"uses_limit,omitempty"`
	Metadata   map[string]string `json:"metadata,omitempty"`
}
