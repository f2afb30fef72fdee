package authz

import (
	"slices"
	"strings"

	"github.com/idplane/idplane/server/api"
)

// Covers reports whether the caller holds everything rule grants, in the
// project (projectID) or, with projectID "", in the organization. It decides
// who may hand out a role or change an identity: nobody grants more than they
// have. Conditions count: secrets access in "dev" does not cover secrets
// access in "prod". It is conservative: where inclusion cannot be shown
// (a glob inside another glob, a deny that may overlap), it answers no.
func (p *Permissions) Covers(projectID string, rule api.PermissionRule) bool {
	if p == nil {
		return false
	}
	if rule.Inverted {
		return true // a deny grants nothing
	}
	rules, implied := p.Org, false
	if projectID != "" {
		rules = p.Projects[projectID]
	}
	for _, a := range rule.Actions {
		if projectID != "" {
			implied = p.impliedByOrgRole(rule.Subject, a)
		}
		if !coversAction(rules, rule.Subject, a, rule.Conditions, implied) {
			return false
		}
	}
	return true
}

func coversAction(rules []api.PermissionRule, subject, action string, want *api.PermissionConditions, allowed bool) bool {
	for _, r := range rules {
		if r.Subject != subject || !slices.Contains(r.Actions, action) {
			continue
		}
		if r.Inverted {
			return false
		}
		if r.Conditions.IsEmpty() {
			allowed = true
			continue
		}
		if !want.IsEmpty() && patternsCover(r.Conditions.Environments, want.Environments, "*") &&
			patternsCover(r.Conditions.SecretPaths, want.SecretPaths, "/**") {
			allowed = true
		}
	}
	return allowed
}

// patternsCover reports whether every target pattern lies within one of
// have; an empty list is unrestricted.
func patternsCover(have, target []string, everything string) bool {
	if len(have) == 0 {
		return true
	}
	if len(target) == 0 {
		return false
	}
	for _, t := range target {
		if !slices.ContainsFunc(have, func(h string) bool { return patternCovers(h, t, everything) }) {
			return false
		}
	}
	return true
}

func patternCovers(have, target, everything string) bool {
	switch {
	case have == target, have == "**", have == everything:
		return true
	case !strings.ContainsAny(target, `*?[]{}\`):
		return matchGlob(have, target) // a literal is covered by what matches it
	}
	return false
}
