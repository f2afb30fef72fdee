package identityaudit

import (
	"cmp"
	"fmt"
	"slices"

	"github.com/idplane/idplane/server/api"
	"github.com/idplane/idplane/server/internal/authz"
)

// Result is an audit and, per identity name, the permission set behind it
// (what a plan's change section compares).
type Result struct {
	Audit *api.IdentityAudit
	sets  map[string]permissionSet
}

// Audit audits m as seen from source (api.AuditSourceState, ...).
func Audit(m *Model, source string, opts Options) (*Result, error) {
	ix := newIndex(m)
	at := opts.At
	if at.IsZero() {
		at = opts.now()
	}
	res := &Result{sets: make(map[string]permissionSet, len(m.Identities))}
	byID := map[string]*group{}
	var groups []*group
	findings := []api.AuditFinding{}
	prod := newProduction(opts.ProductionEnvironments, m)
	for i := range m.Identities {
		id := &m.Identities[i]
		p, _, err := authz.Effective(id.OrgRole, ix.memberships[id.ID], at, ix.customRole)
		if err != nil {
			return nil, fmt.Errorf("identity %s: %w", id.Name, err)
		}
		set := ix.normalise(p)
		res.sets[id.Name] = set
		g, ok := byID[set.ID]
		if !ok {
			g = &group{set: set}
			byID[set.ID] = g
			groups = append(groups, g)
		}
		g.names = append(g.names, id.Name)
		findings = append(findings, identityFindings(id, set, prod, opts)...)
	}
	out := &api.IdentityAudit{Source: source, MachineIdentities: len(m.Identities), DistinctPermissionSets: len(groups),
		Groups: make([]api.AuditGroup, 0, len(groups)), Findings: sortFindings(findings)}
	for _, g := range groups {
		slices.Sort(g.names)
	}
	slices.SortFunc(groups, func(a, b *group) int {
		return cmp.Or(cmp.Compare(len(b.names), len(a.names)), cmp.Compare(a.names[0], b.names[0]))
	})
	for _, g := range groups {
		out.Groups = append(out.Groups, api.AuditGroup{PermissionSet: g.set.ID, Identities: g.names, Grants: g.set.Grants})
	}
	out.Activity = activity(m)
	res.Audit = out
	return res, nil
}

type group struct {
	set   permissionSet
	names []string
}

// sortFindings orders findings by severity (highest first), code, identity
// and detail, so that the output is stable.
func sortFindings(f []api.AuditFinding) []api.AuditFinding {
	slices.SortFunc(f, func(a, b api.AuditFinding) int {
		return cmp.Or(cmp.Compare(api.SeverityRank(b.Severity), api.SeverityRank(a.Severity)), cmp.Compare(a.Code, b.Code),
			cmp.Compare(a.Identity, b.Identity), cmp.Compare(a.Detail, b.Detail))
	})
	return slices.Compact(f)
}
