package identityaudit

import (
	"cmp"
	"fmt"
	"slices"
	"time"

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
	use := newUseIndex(m, ix, opts)
	for i := range m.Identities {
		id := &m.Identities[i]
		p, _, err := authz.Effective(id.OrgRole, ix.memberships[id.ID], at, ix.customRole)
		if err != nil {
			return nil, fmt.Errorf("identity %s: %w", id.Name, err)
		}
		set := ix.normalise(p)
		if ends := ix.temporaryEnds(ix.memberships[id.ID], at); ends != nil {
			perm, _, err := authz.Effective(id.OrgRole, permanentOnly(ix.memberships[id.ID]), at, ix.customRole)
			if err != nil {
				return nil, fmt.Errorf("identity %s: %w", id.Name, err)
			}
			set = ix.markTemporary(set, ix.normalise(perm), ends)
		}
		res.sets[id.Name] = set
		g, ok := byID[set.ID]
		if !ok {
			g = &group{set: set}
			byID[set.ID] = g
			groups = append(groups, g)
		}
		g.names = append(g.names, id.Name)
		findings = append(findings, identityFindings(id, set, prod, opts)...)
		if use != nil {
			grants, fs := use.of(id, set, prod).secretUse()
			use.out.Grants = append(use.out.Grants, grants...)
			findings = append(findings, fs...)
		}
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
	out.TemporaryGrants = temporaryGrants(m, ix, at)
	out.Activity = activity(m)
	if use != nil {
		slices.SortFunc(use.out.Grants, func(a, b api.AuditGrantUse) int {
			return cmp.Or(cmp.Compare(a.Identity, b.Identity), cmp.Compare(a.Project, b.Project))
		})
		out.Use = use.out
	}
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

// temporaryGrants lists the temporary role grants not ended at at, by
// identity, project and start.
func temporaryGrants(m *Model, ix *index, at time.Time) []api.AuditTemporaryGrant {
	names := make(map[string]string, len(m.Identities))
	for _, id := range m.Identities {
		names[id.ID] = id.Name
	}
	out := []api.AuditTemporaryGrant{}
	for _, ms := range m.Memberships {
		name, ok := names[ms.IdentityID]
		if !ok {
			continue
		}
		for _, r := range ms.Roles {
			t := r.TemporaryAccess
			if t == nil {
				continue
			}
			end := t.StartTime.Add(time.Duration(t.DurationSeconds) * time.Second)
			if !end.After(at) {
				continue
			}
			out = append(out, api.AuditTemporaryGrant{Identity: name, Project: ix.projectSlug(ms.ProjectID), Role: r.RoleSlug,
				Start: t.StartTime.UTC(), End: end.UTC()})
		}
	}
	slices.SortFunc(out, func(a, b api.AuditTemporaryGrant) int {
		return cmp.Or(cmp.Compare(a.Identity, b.Identity), cmp.Compare(a.Project, b.Project), a.Start.Compare(b.Start),
			cmp.Compare(a.Role, b.Role), a.End.Compare(b.End))
	})
	return slices.Compact(out)
}
