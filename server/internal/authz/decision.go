package authz

import (
	"path"
	"slices"
	"strings"
	"time"

	"github.com/idplane/idplane/server/api"
)

// Grant is one active role grant of a project membership, kept beside the
// merged rules so that a decision can say which grant decided it.
type Grant struct {
	RoleSlug string
	// Window is the grant's temporary window; nil for a permanent grant.
	Window *Window
	Rules  []api.PermissionRule
}

// Window is the half-open interval [Start, End) of a temporary grant.
type Window struct {
	Start, End time.Time
}

// Why says what decided a Decision.
type Why int

// What can decide.
const (
	// WhyNoRule: nothing grants the action; the default answer is deny.
	WhyNoRule Why = iota
	// WhyAllowRule: a rule of a project role grants it.
	WhyAllowRule
	// WhyDenyRule: an inverted rule denies it, whatever else grants it.
	WhyDenyRule
	// WhyOrgAdmin: the built-in organization role admin implies project
	// admin, and no rule denies it.
	WhyOrgAdmin
	// WhyInvalidPath: the secret path is not absolute and clean.
	WhyInvalidPath
	// WhyAllProjects: an organization rule allowing read on "all-projects"
	// implies reading the subject in every project, and no rule denies it.
	WhyAllProjects
)

// Decision is the answer to "may the caller perform action on subject at
// environment and path in the project", with what decided it.
type Decision struct {
	Allowed bool
	Why     Why
	// Rule is the deciding rule (WhyAllowRule, WhyDenyRule).
	Rule *api.PermissionRule
	// Grant is the active role grant the deciding rule came from, when the
	// permissions were built by Effective; nil otherwise.
	Grant *Grant
}

// DecidePath decides action on subject under secretPath in environment of
// the project. A rule matches when it names subject and action and its
// conditions, if any, match environment and secretPath; a matching deny
// rule wins over every allow. secretPath must be absolute and clean
// ("/app/db", not "/app/../db" or "/app/"); any other path is refused.
//
// CanPath and CanSecret are this function's Allowed: the decision endpoint
// and every request authorize with the same code.
func (p *Permissions) DecidePath(projectID, subject, action, environment, secretPath string) Decision {
	if p == nil {
		return Decision{Why: WhyNoRule}
	}
	if !strings.HasPrefix(secretPath, "/") || path.Clean(secretPath) != secretPath {
		return Decision{Why: WhyInvalidPath}
	}
	var allow *api.PermissionRule
	rules := p.Projects[projectID]
	for i := range rules {
		r := &rules[i]
		if r.Subject != subject || !slices.Contains(r.Actions, action) || !conditionsMatch(r.Conditions, environment, secretPath) {
			continue
		}
		if r.Inverted {
			return Decision{Why: WhyDenyRule, Rule: r, Grant: p.grantOf(projectID, r)}
		}
		if allow == nil {
			allow = r
		}
	}
	switch {
	case allow != nil:
		return Decision{Allowed: true, Why: WhyAllowRule, Rule: allow, Grant: p.grantOf(projectID, allow)}
	case p.OrgRole == RoleAdmin && api.HasAction(api.ScopeProject, subject, action):
		return Decision{Allowed: true, Why: WhyOrgAdmin}
	case p.impliedByOrgRole(subject, action):
		return Decision{Allowed: true, Why: WhyAllProjects}
	}
	return Decision{Why: WhyNoRule}
}

// DecideSecret is DecidePath for secrets.
func (p *Permissions) DecideSecret(projectID, action, environment, secretPath string) Decision {
	return p.DecidePath(projectID, api.SubjectSecrets, action, environment, secretPath)
}

// grantOf finds the active grant whose role holds rule: a permanent grant
// before a temporary one, and of temporary ones the one that lasts longest,
// so the reason given is the one that holds longest.
func (p *Permissions) grantOf(projectID string, rule *api.PermissionRule) *Grant {
	var best *Grant
	for i := range p.Grants[projectID] {
		g := &p.Grants[projectID][i]
		if !slices.ContainsFunc(g.Rules, func(r api.PermissionRule) bool { return sameRule(r, *rule) }) {
			continue
		}
		if g.Window == nil {
			return g
		}
		if best == nil || g.Window.End.After(best.Window.End) {
			best = g
		}
	}
	return best
}
