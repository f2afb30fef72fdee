package identityaudit

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/idplane/idplane/server/api"
	"github.com/idplane/idplane/server/internal/authz"
)

// anyPath is the secret path of a rule without a path condition.
const anyPath = "/**"

// anyEnvironment is the environment of a rule without an environment
// condition in a project whose environments are unknown.
const anyEnvironment = "*"

// atom is one action on one subject in one place: the unit permission sets
// are compared in, so that equal access is equal however rules spell it.
type atom struct {
	Project, Environment, SecretPath, Subject, Action string
	Deny                                              bool
	// Until is set (RFC 3339, UTC) when only temporary grants give the
	// atom: when the last of them ends.
	Until string
}

// permissionSet is an identity's access in canonical form.
type permissionSet struct {
	ID     string
	Grants []api.AuditGrant
	Atoms  []atom // sorted, each once
}

// index resolves the model's references once per audit.
type index struct {
	projects    map[string]*Project
	projectIDs  []string // sorted by slug
	roles       map[[2]string][]api.PermissionRule
	memberships map[string][]authz.Membership
}

func newIndex(m *Model) *index {
	ix := &index{projects: map[string]*Project{}, roles: map[[2]string][]api.PermissionRule{},
		memberships: map[string][]authz.Membership{}}
	for i := range m.Projects {
		p := &m.Projects[i]
		ix.projects[p.ID] = p
		ix.projectIDs = append(ix.projectIDs, p.ID)
	}
	slices.SortFunc(ix.projectIDs, func(a, b string) int { return cmp.Compare(ix.projects[a].Slug, ix.projects[b].Slug) })
	for _, r := range m.Roles {
		ix.roles[[2]string{r.ProjectID, r.Slug}] = r.Rules
	}
	for _, ms := range m.Memberships {
		ix.memberships[ms.IdentityID] = append(ix.memberships[ms.IdentityID], authz.Membership{ProjectID: ms.ProjectID, Roles: ms.Roles})
	}
	return ix
}

func (ix *index) customRole(projectID, slug string) ([]api.PermissionRule, error) {
	return ix.roles[[2]string{projectID, slug}], nil
}

// projectSlug names a project in grants; a project outside the model is
// named by its ID.
func (ix *index) projectSlug(id string) string {
	if p, ok := ix.projects[id]; ok && p.Slug != "" {
		return p.Slug
	}
	return id
}

// normalise turns effective permissions into the canonical permission set:
// every rule split into atoms (environment conditions expanded against the
// project's environments, no path condition written as "/**"), allows that
// a deny covers removed (authz.Covers decides), denies that deny nothing
// left out, and the rest grouped back into rows.
func (ix *index) normalise(p *authz.Permissions) permissionSet {
	var atoms []atom
	atoms = append(atoms, resolveDenies(orgAtoms(p.Org))...)
	projectIDs := slices.Clone(ix.projectIDs)
	for id := range p.Projects {
		if _, known := ix.projects[id]; !known {
			projectIDs = append(projectIDs, id)
		}
	}
	for _, id := range projectIDs {
		rules := p.Projects[id]
		if p.OrgRole == authz.RoleAdmin {
			admin, _ := authz.BuiltinProjectRole(authz.RoleAdmin)
			rules = authz.Merge(rules, admin.Rules)
		}
		if len(rules) == 0 {
			continue
		}
		atoms = append(atoms, resolveDenies(ix.projectAtoms(id, rules))...)
	}
	slices.SortFunc(atoms, compareAtoms)
	atoms = slices.Compact(atoms)
	grants := rows(atoms)
	return permissionSet{ID: hashGrants(grants), Grants: grants, Atoms: atoms}
}

func orgAtoms(rules []api.PermissionRule) []atom {
	var out []atom
	for _, r := range rules {
		for _, a := range r.Actions {
			out = append(out, atom{Subject: r.Subject, Action: a, Deny: r.Inverted})
		}
	}
	return out
}

func (ix *index) projectAtoms(projectID string, rules []api.PermissionRule) []atom {
	slug := ix.projectSlug(projectID)
	var out []atom
	for _, r := range rules {
		envs, paths := []string{""}, []string{""}
		if api.AcceptsConditions(api.ScopeProject, r.Subject) {
			var envPatterns, pathPatterns []string
			if r.Conditions != nil {
				envPatterns, pathPatterns = r.Conditions.Environments, r.Conditions.SecretPaths
			}
			envs = ix.environments(projectID, envPatterns)
			paths = normalisePaths(pathPatterns)
		}
		for _, a := range r.Actions {
			for _, e := range envs {
				for _, sp := range paths {
					out = append(out, atom{Project: slug, Environment: e, SecretPath: sp, Subject: r.Subject, Action: a, Deny: r.Inverted})
				}
			}
		}
	}
	return out
}

// environments expands environment patterns against the project's
// environments; for a project whose environments are unknown the patterns
// stay as written ("*" for none).
func (ix *index) environments(projectID string, patterns []string) []string {
	p, ok := ix.projects[projectID]
	if !ok || len(p.Environments) == 0 {
		if len(patterns) == 0 || slices.Contains(patterns, "*") {
			return []string{anyEnvironment}
		}
		return patterns
	}
	var out []string
	for _, e := range p.Environments {
		if authz.MatchAny(patterns, e.Slug) {
			out = append(out, e.Slug)
		}
	}
	return out
}

func normalisePaths(patterns []string) []string {
	if len(patterns) == 0 || slices.Contains(patterns, anyPath) {
		return []string{anyPath}
	}
	return patterns
}

// resolveDenies drops the allows a deny of the same place covers, then the
// denies that no remaining allow of the same place, subject and action needs.
func resolveDenies(atoms []atom) []atom {
	var allows, denies []atom
	for _, a := range atoms {
		if a.Deny {
			denies = append(denies, a)
		} else {
			allows = append(allows, a)
		}
	}
	if len(denies) == 0 {
		return allows
	}
	kept := allows[:0:0]
	for _, a := range allows {
		if !slices.ContainsFunc(denies, func(d atom) bool { return denyCovers(d, a) }) {
			kept = append(kept, a)
		}
	}
	out := kept
	for _, d := range denies {
		if slices.ContainsFunc(kept, func(a atom) bool { return samePlace(a, d) }) {
			out = append(out, d)
		}
	}
	return out
}

func samePlace(a, b atom) bool {
	return a.Project == b.Project && a.Environment == b.Environment && a.Subject == b.Subject && a.Action == b.Action
}

// denyCovers asks authz whether deny d takes away all of allow a: the deny
// is read as a grant and authz.Covers decides whether it holds a.
func denyCovers(d, a atom) bool {
	if !samePlace(a, d) {
		return false
	}
	rule := func(x atom) api.PermissionRule {
		r := api.PermissionRule{Subject: x.Subject, Actions: []string{x.Action}}
		if x.SecretPath != "" {
			r.Conditions = &api.PermissionConditions{SecretPaths: []string{x.SecretPath}}
		}
		return r
	}
	scope := "p"
	if a.Project == "" {
		scope = ""
	}
	p := &authz.Permissions{Org: []api.PermissionRule{rule(d)}, Projects: map[string][]api.PermissionRule{"p": {rule(d)}}}
	return p.Covers(scope, rule(a))
}

func compareAtoms(a, b atom) int {
	return cmp.Or(cmp.Compare(a.Project, b.Project), cmp.Compare(a.Environment, b.Environment),
		cmp.Compare(a.SecretPath, b.SecretPath), cmp.Compare(a.Subject, b.Subject), compareBool(a.Deny, b.Deny),
		cmp.Compare(a.Until, b.Until), cmp.Compare(a.Action, b.Action))
}

func compareBool(a, b bool) int {
	switch {
	case a == b:
		return 0
	case a:
		return 1
	}
	return -1
}

// rows groups sorted atoms into grants: one row per place and subject.
func rows(atoms []atom) []api.AuditGrant {
	out := []api.AuditGrant{}
	for _, a := range atoms {
		if n := len(out); n > 0 {
			last := &out[n-1]
			if last.Project == a.Project && last.Environment == a.Environment && last.SecretPath == a.SecretPath &&
				last.Subject == a.Subject && last.Deny == a.Deny && formatUntil(last.Until) == a.Until {
				last.Actions = append(last.Actions, a.Action)
				continue
			}
		}
		out = append(out, api.AuditGrant{Project: a.Project, Environment: a.Environment, SecretPath: a.SecretPath,
			Subject: a.Subject, Actions: []string{a.Action}, Deny: a.Deny, Until: parseUntil(a.Until)})
	}
	return out
}

// hashGrants is the stable ID of a permission set: a hash of its rows.
func hashGrants(grants []api.AuditGrant) string {
	h := sha256.New()
	for _, g := range grants {
		fmt.Fprintf(h, "%s\t%s\t%s\t%s\t%t\t%s", g.Project, g.Environment, g.SecretPath, g.Subject, g.Deny, strings.Join(g.Actions, ","))
		if g.Until != nil {
			fmt.Fprintf(h, "\tuntil %s", formatUntil(g.Until))
		}
		fmt.Fprintln(h)
	}
	return "ps-" + hex.EncodeToString(h.Sum(nil))[:16]
}

func formatUntil(t *time.Time) string {
	if t == nil {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

func parseUntil(s string) *time.Time {
	if s == "" {
		return nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return nil
	}
	return &t
}

// markTemporary sets Until on the atoms of set that the identity's
// permanent grants (perm) lack: only an active temporary grant of their
// project gives them, and ends gives when the last of those ends.
func (ix *index) markTemporary(set, perm permissionSet, ends map[string]time.Time) permissionSet {
	atoms := slices.Clone(set.Atoms)
	for i, a := range atoms {
		if _, found := slices.BinarySearchFunc(perm.Atoms, a, compareAtoms); found {
			continue
		}
		if end, ok := ends[a.Project]; ok {
			atoms[i].Until = end.UTC().Format(time.RFC3339)
		}
	}
	slices.SortFunc(atoms, compareAtoms)
	grants := rows(atoms)
	return permissionSet{ID: hashGrants(grants), Grants: grants, Atoms: atoms}
}

// temporaryEnds maps the project slugs in which an identity holds an
// active temporary grant at at to when the last of them ends; nil when it
// holds none.
func (ix *index) temporaryEnds(ms []authz.Membership, at time.Time) map[string]time.Time {
	var out map[string]time.Time
	for _, m := range ms {
		for _, r := range m.Roles {
			t := r.TemporaryAccess
			if t == nil || !r.Active(at) {
				continue
			}
			end := t.StartTime.Add(time.Duration(t.DurationSeconds) * time.Second)
			if out == nil {
				out = map[string]time.Time{}
			}
			slug := ix.projectSlug(m.ProjectID)
			if end.After(out[slug]) {
				out[slug] = end
			}
		}
	}
	return out
}

// permanentOnly is the memberships without their temporary grants.
func permanentOnly(ms []authz.Membership) []authz.Membership {
	out := make([]authz.Membership, 0, len(ms))
	for _, m := range ms {
		var roles []api.MembershipRole
		for _, r := range m.Roles {
			if r.TemporaryAccess == nil {
				roles = append(roles, r)
			}
		}
		out = append(out, authz.Membership{ProjectID: m.ProjectID, Roles: roles})
	}
	return out
}
