package identityaudit

import (
	"cmp"
	"maps"
	"slices"

	"github.com/idplane/idplane/server/api"
)

// Change compares the audit before a plan with the audit after it: counts,
// identities added and removed, every action an identity gains or loses
// (a new deny loses, a removed deny gains) and the findings the plan
// introduces. It sets after.Audit.Change and returns it.
func Change(before, after *Result) *api.AuditChange {
	b, a := before.Audit, after.Audit
	c := &api.AuditChange{
		MachineIdentities:      api.AuditCount{Before: b.MachineIdentities, After: a.MachineIdentities},
		DistinctPermissionSets: api.AuditCount{Before: b.DistinctPermissionSets, After: a.DistinctPermissionSets},
		IdentitiesAdded:        []string{}, IdentitiesRemoved: []string{},
		Granted: []api.AuditGrantChange{}, Revoked: []api.AuditGrantChange{}, FindingsIntroduced: []api.AuditFinding{},
		TemporaryGrantsAdded: []api.AuditTemporaryGrant{},
	}
	names := slices.Sorted(maps.Keys(after.sets))
	for _, n := range slices.Sorted(maps.Keys(before.sets)) {
		if _, ok := after.sets[n]; !ok {
			c.IdentitiesRemoved = append(c.IdentitiesRemoved, n)
			names = append(names, n)
		}
	}
	for _, n := range names {
		was, existed := before.sets[n]
		now := after.sets[n]
		if !existed {
			c.IdentitiesAdded = append(c.IdentitiesAdded, n)
		}
		gained, lost := diffAtoms(was.Atoms, now.Atoms)
		for _, x := range gained {
			if x.Deny {
				c.Revoked = append(c.Revoked, grantChange(n, x))
			} else {
				c.Granted = append(c.Granted, grantChange(n, x))
			}
		}
		for _, x := range lost {
			if x.Deny {
				c.Granted = append(c.Granted, grantChange(n, x))
			} else {
				c.Revoked = append(c.Revoked, grantChange(n, x))
			}
		}
	}
	sortChanges(c.Granted)
	sortChanges(c.Revoked)
	for _, f := range a.Findings {
		if !slices.Contains(b.Findings, f) {
			c.FindingsIntroduced = append(c.FindingsIntroduced, f)
		}
	}
	for _, g := range a.TemporaryGrants {
		if !slices.Contains(b.TemporaryGrants, g) {
			c.TemporaryGrantsAdded = append(c.TemporaryGrantsAdded, g)
		}
	}
	a.Change = c
	return c
}

// diffAtoms returns the atoms only in now and only in was.
func diffAtoms(was, now []atom) (gained, lost []atom) {
	in := func(s []atom, x atom) bool {
		_, found := slices.BinarySearchFunc(s, x, compareAtoms)
		return found
	}
	for _, x := range now {
		if !in(was, x) {
			gained = append(gained, x)
		}
	}
	for _, x := range was {
		if !in(now, x) {
			lost = append(lost, x)
		}
	}
	return gained, lost
}

func grantChange(identity string, x atom) api.AuditGrantChange {
	return api.AuditGrantChange{Identity: identity, Project: x.Project, Environment: x.Environment, SecretPath: x.SecretPath,
		Subject: x.Subject, Action: x.Action, Until: parseUntil(x.Until)}
}

func sortChanges(s []api.AuditGrantChange) {
	slices.SortFunc(s, func(a, b api.AuditGrantChange) int {
		return cmp.Or(cmp.Compare(a.Identity, b.Identity), cmp.Compare(a.Project, b.Project), cmp.Compare(a.Environment, b.Environment),
			cmp.Compare(a.SecretPath, b.SecretPath), cmp.Compare(a.Subject, b.Subject), cmp.Compare(formatUntil(a.Until), formatUntil(b.Until)),
			cmp.Compare(a.Action, b.Action))
	})
}
