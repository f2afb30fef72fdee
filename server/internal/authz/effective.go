package authz

import (
	"slices"
	"time"

	"github.com/idplane/idplane/server/api"
)

// CustomRoles resolves the slug of a custom role to its rules: projectID is
// "" for an organization role. A role that does not exist (e.g. deleted)
// resolves to nil and grants nothing.
type CustomRoles func(projectID, slug string) ([]api.PermissionRule, error)

// Membership is an identity's role grants in one project.
type Membership struct {
	ProjectID string
	Roles     []api.MembershipRole
}

// RoleRules resolves a role slug: built-in first, then custom.
func RoleRules(projectID, slug string, custom CustomRoles) ([]api.PermissionRule, error) {
	builtin := BuiltinOrgRole
	if projectID != "" {
		builtin = BuiltinProjectRole
	}
	if r, ok := builtin(slug); ok {
		return r.Rules, nil
	}
	return custom(projectID, slug)
}

// Effective computes an identity's permissions from its organization role
// and the project role grants active at the instant at. It also returns, per
// project, the sorted slugs of the active grants. The server authorizes
// requests with it and the identity audit evaluates every identity with it.
func Effective(orgRole string, memberships []Membership, at time.Time, custom CustomRoles) (*Permissions, map[string][]string, error) {
	orgRules, err := RoleRules("", orgRole, custom)
	if err != nil {
		return nil, nil, err
	}
	p := &Permissions{OrgRole: orgRole, Org: orgRules, Projects: map[string][]api.PermissionRule{}, Grants: map[string][]Grant{}}
	grants := map[string][]string{}
	for _, m := range memberships {
		var lists [][]api.PermissionRule
		slugs := []string{}
		for _, r := range m.Roles {
			if !r.Active(at) {
				continue
			}
			rr, err := RoleRules(m.ProjectID, r.RoleSlug, custom)
			if err != nil {
				return nil, nil, err
			}
			rr = api.NormalizeRules(rr)
			g := Grant{RoleSlug: r.RoleSlug, Rules: rr}
			if t := r.TemporaryAccess; t != nil {
				g.Window = &Window{Start: t.StartTime, End: t.StartTime.Add(time.Duration(t.DurationSeconds) * time.Second)}
			}
			p.Grants[m.ProjectID] = append(p.Grants[m.ProjectID], g)
			lists = append(lists, rr)
			slugs = append(slugs, r.RoleSlug)
		}
		p.Projects[m.ProjectID] = Merge(lists...)
		slices.Sort(slugs)
		grants[m.ProjectID] = slices.Compact(slugs)
	}
	return p, grants, nil
}

// NextChange is the first instant after at when a temporary grant of
// memberships starts or ends, the zero time when none will: permissions
// computed at at hold until then.
func NextChange(memberships []Membership, at time.Time) time.Time {
	var next time.Time
	for _, m := range memberships {
		for _, r := range m.Roles {
			t := r.TemporaryAccess
			if t == nil {
				continue
			}
			for _, edge := range []time.Time{t.StartTime, t.StartTime.Add(time.Duration(t.DurationSeconds) * time.Second)} {
				if edge.After(at) && (next.IsZero() || edge.Before(next)) {
					next = edge
				}
			}
		}
	}
	return next
}

// MatchAny reports whether s matches one of the environment or secret path
// patterns as rule conditions match them; an empty list matches everything.
func MatchAny(patterns []string, s string) bool { return matchAny(patterns, s) }
