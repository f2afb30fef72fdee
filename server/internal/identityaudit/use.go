package identityaudit

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/idplane/idplane/server/api"
	"github.com/idplane/idplane/server/internal/authz"
)

// usedActions are the secrets actions whose grants are judged by their use
// (secret.read, secret.create, secret.update, secret.delete), sorted.
// Describes (secret.describe) are shown as use but never judged: a read
// shows all a describe would, so a describe grant of an identity that only
// reads is not unused.
var usedActions = []string{api.ActionCreate, api.ActionDelete, api.ActionEdit, api.ActionRead}

// place is one action in one environment: the unit grants and use are
// compared in.
type place struct{ env, action string }

// grantUse compares an identity's secret grants with their use, project
// by project: what the live audit's use section shows, and its findings.
type grantUse struct {
	id      *Identity
	set     permissionSet
	uses    []SecretUse // the identity's, project IDs already turned into slugs
	since   map[string]time.Time
	prod    production
	days    int
	cutoff  time.Time
	isAdmin bool
	// logCovers: the audit log's secret events reach back to cutoff.
	logCovers bool
}

// secretUse returns the use entries of one identity and the findings drawn
// from them. since maps project slugs to when the identity's membership
// there last changed; a project without one is reached through the
// organization role, as old as the identity.
func (g grantUse) secretUse() ([]api.AuditGrantUse, []api.AuditFinding) {
	byProject := map[string][]atom{}
	var projects []string
	for _, a := range g.set.Atoms {
		if a.Project == "" || a.Environment == "" || a.Subject != api.SubjectSecrets || !slices.Contains(usedActions, a.Action) {
			continue
		}
		if _, ok := byProject[a.Project]; !ok {
			projects = append(projects, a.Project)
		}
		byProject[a.Project] = append(byProject[a.Project], a)
	}
	slices.Sort(projects)
	var (
		out      []api.AuditGrantUse
		findings []api.AuditFinding
	)
	for _, p := range projects {
		u, f := g.project(p, byProject[p])
		if u != nil {
			out = append(out, *u)
		}
		if f != nil {
			findings = append(findings, *f)
		}
	}
	return out, findings
}

func (g grantUse) project(project string, atoms []atom) (*api.AuditGrantUse, *api.AuditFinding) {
	var allows, denies []atom
	granted := map[place][]string{}
	temporary := true
	for _, a := range atoms {
		if a.Deny {
			denies = append(denies, a)
			continue
		}
		allows = append(allows, a)
		k := place{a.Environment, a.Action}
		granted[k] = appendOnce(granted[k], a.SecretPath)
		temporary = temporary && a.Until != ""
	}
	if len(allows) == 0 {
		return nil, nil
	}
	for k := range granted {
		slices.Sort(granted[k])
	}
	u := &api.AuditGrantUse{Identity: g.id.Name, Project: project, Granted: rows(allows), Used: []api.AuditSecretUse{},
		Suggested: []api.PermissionRule{}}
	usedPaths := map[place]map[string][]string{} // place → granted pattern → used folders
	for _, e := range g.uses {
		if e.ProjectID != project {
			continue
		}
		u.Used = append(u.Used, api.AuditSecretUse{Environment: e.Environment, SecretPath: e.SecretPath, Action: e.Action,
			Count: e.Count, LastAt: e.Last.UTC()})
		k := place{e.Environment, e.Action}
		// A folder counts for the first granted pattern (in order) that
		// matches it; use no grant covers any more is shown, not suggested.
		for _, pat := range granted[k] {
			if authz.MatchAny([]string{pat}, e.SecretPath) {
				if usedPaths[k] == nil {
					usedPaths[k] = map[string][]string{}
				}
				usedPaths[k][pat] = appendOnce(usedPaths[k][pat], e.SecretPath)
				break
			}
		}
	}
	slices.SortFunc(u.Used, func(a, b api.AuditSecretUse) int {
		return cmp.Or(cmp.Compare(a.Environment, b.Environment), cmp.Compare(a.SecretPath, b.SecretPath), cmp.Compare(a.Action, b.Action))
	})
	suggested := map[place][]string{}
	for k, byPattern := range usedPaths {
		for pat, folders := range byPattern {
			for _, s := range narrowPaths(pat, folders) {
				suggested[k] = appendOnce(suggested[k], s)
			}
		}
		slices.Sort(suggested[k])
	}
	allowParts := grantParts(suggested)
	parts := slices.Clone(allowParts)
	for _, d := range denies {
		if _, ok := suggested[place{d.Environment, d.Action}]; ok {
			parts = append(parts, ruleAtom{place: place{d.Environment, d.Action}, path: d.SecretPath, deny: true})
		}
	}
	u.Suggested = secretRules(parts)
	since := g.since[project]
	if since.IsZero() {
		since = g.id.CreatedAt
	}
	u.Judged = g.logCovers && g.id.CreatedAt.Before(g.cutoff) && since.Before(g.cutoff)
	if !u.Judged {
		return u, nil
	}
	var excess []place // granted places whose use needs less than the grant
	for k, pats := range granted {
		if !slices.Equal(pats, suggested[k]) {
			excess = append(excess, k)
		}
	}
	if len(excess) == 0 {
		return u, nil
	}
	grantText := describeRules(secretRules(grantParts(granted)))
	until := ""
	if temporary {
		until = " (temporary" + untilText(latestUntil(allows)) + ")"
	}
	via := ""
	if g.isAdmin {
		via = " through the organization role admin"
	}
	f := &api.AuditFinding{Identity: g.id.Name}
	if len(suggested) == 0 {
		f.Code, f.Severity = CodeGrantUnused, g.severity(project, excess, temporary, api.SeverityHigh)
		f.Detail = fmt.Sprintf("secrets of %s: may %s%s%s and used none of it in %d days; remove these permissions",
			project, grantText, via, until, g.days)
	} else {
		f.Code, f.Severity = CodeGrantBroaderThanUse, g.severity(project, excess, temporary, api.SeverityMedium)
		f.Detail = fmt.Sprintf("secrets of %s: may %s%s%s but in %d days used only %s; narrow the grant to that",
			project, grantText, via, until, g.days, describeRules(secretRules(allowParts)))
	}
	u.Finding = f.Code
	return u, f
}

// severity of a finding about the unused part of a grant (excess) in a
// project: top when that part writes secrets (create, edit, delete) in
// production, one below when it only reads there, low outside production.
// A grant only temporary grants give ends by itself: one step lower. An
// organization admin's access is the org-admin finding's to judge: low.
func (g grantUse) severity(project string, excess []place, temporary bool, top string) string {
	if g.isAdmin {
		return api.SeverityLow
	}
	rank := api.SeverityRank(api.SeverityLow)
	for _, k := range excess {
		if !g.prod.is(project, k.env) {
			continue
		}
		r := api.SeverityRank(top) - 1
		if k.action != api.ActionRead {
			r = api.SeverityRank(top)
		}
		rank = max(rank, r)
	}
	if temporary {
		rank--
	}
	return severityOf(max(rank, api.SeverityRank(api.SeverityLow)))
}

func severityOf(rank int) string {
	for _, s := range []string{api.SeverityLow, api.SeverityMedium, api.SeverityHigh} {
		if api.SeverityRank(s) == rank {
			return s
		}
	}
	return api.SeverityLow
}

func latestUntil(atoms []atom) *time.Time {
	var last string
	for _, a := range atoms {
		last = max(last, a.Until)
	}
	return parseUntil(last)
}

// ruleAtom is one pattern of one action in one environment, allowed or
// denied: what secretRules groups into rules.
type ruleAtom struct {
	place
	path string
	deny bool
}

func grantParts(granted map[place][]string) []ruleAtom {
	var out []ruleAtom
	for k, pats := range granted {
		for _, p := range pats {
			out = append(out, ruleAtom{place: k, path: p})
		}
	}
	return out
}

// secretRules groups atoms into as few secrets rules as say exactly the
// same: the paths of each environment and action, then the actions that
// share an environment's paths, then the environments that share both
// (a rule is a cross product, so only equal sets may share one). Allows
// come before denies, then by environments, actions and paths.
func secretRules(parts []ruleAtom) []api.PermissionRule {
	type envKey struct {
		deny   bool
		env    string
		action string
	}
	paths := map[envKey][]string{}
	for _, p := range parts {
		k := envKey{p.deny, p.env, p.action}
		paths[k] = appendOnce(paths[k], p.path)
	}
	type actKey struct {
		deny       bool
		env, paths string
	}
	actions := map[actKey][]string{}
	for k, ps := range paths {
		slices.Sort(ps)
		ak := actKey{k.deny, k.env, strings.Join(ps, "\x00")}
		actions[ak] = append(actions[ak], k.action)
	}
	type ruleKey struct {
		deny           bool
		actions, paths string
	}
	envs := map[ruleKey][]string{}
	for k, as := range actions {
		slices.Sort(as)
		rk := ruleKey{k.deny, strings.Join(as, "\x00"), k.paths}
		envs[rk] = append(envs[rk], k.env)
	}
	out := make([]api.PermissionRule, 0, len(envs))
	for k, es := range envs {
		slices.Sort(es)
		out = append(out, api.PermissionRule{Subject: api.SubjectSecrets, Actions: strings.Split(k.actions, "\x00"), Inverted: k.deny,
			Conditions: &api.PermissionConditions{Environments: es, SecretPaths: strings.Split(k.paths, "\x00")}})
	}
	slices.SortFunc(out, func(a, b api.PermissionRule) int {
		return cmp.Or(compareBool(a.Inverted, b.Inverted), slices.Compare(a.Conditions.Environments, b.Conditions.Environments),
			slices.Compare(a.Actions, b.Actions), slices.Compare(a.Conditions.SecretPaths, b.Conditions.SecretPaths))
	})
	return out
}

// describeRules says rules in a line: "read in prod at /payments/api; deny
// read in prod at /payments/api/keys".
func describeRules(rules []api.PermissionRule) string {
	parts := make([]string, len(rules))
	for i, r := range rules {
		verb := ""
		if r.Inverted {
			verb = "deny "
		}
		parts[i] = fmt.Sprintf("%s%s in %s at %s", verb, strings.Join(r.Actions, ", "), strings.Join(r.Conditions.Environments, ", "),
			strings.Join(r.Conditions.SecretPaths, ", "))
	}
	return strings.Join(parts, "; ")
}

// useIndex holds the model's use by identity, for Audit; nil when the
// model has no use (a Terraform state or plan).
type useIndex struct {
	uses  map[string][]SecretUse          // identity ID → its use, projects by slug
	since map[string]map[string]time.Time // identity ID → project slug → membership change
	days  int
	out   *api.AuditUse
}

func newUseIndex(m *Model, ix *index, opts Options) *useIndex {
	if m.Use == nil {
		return nil
	}
	u := &useIndex{uses: map[string][]SecretUse{}, since: map[string]map[string]time.Time{}, days: opts.unusedDays(),
		out: &api.AuditUse{Days: opts.unusedDays(), Since: m.Use.Since.UTC(), Until: opts.now().UTC(), LogStart: timePtr(m.Use.LogStart),
			Grants: []api.AuditGrantUse{}}}
	for _, e := range m.Use.Events {
		e.ProjectID = ix.projectSlug(e.ProjectID)
		u.uses[e.IdentityID] = append(u.uses[e.IdentityID], e)
	}
	for _, ms := range m.Memberships {
		if u.since[ms.IdentityID] == nil {
			u.since[ms.IdentityID] = map[string]time.Time{}
		}
		u.since[ms.IdentityID][ix.projectSlug(ms.ProjectID)] = ms.Since
	}
	return u
}

func (u *useIndex) of(id *Identity, set permissionSet, prod production) grantUse {
	return grantUse{id: id, set: set, uses: u.uses[id.ID], since: u.since[id.ID], prod: prod, days: u.days,
		cutoff: u.out.Since, isAdmin: id.OrgRole == authz.RoleAdmin,
		logCovers: u.out.LogStart != nil && !u.out.LogStart.After(u.out.Since)}
}

// noUseText says why an audit of a Terraform state or plan has no use
// section and no finding drawn from use.
const noUseText = "not judged: a Terraform state or plan holds no audit log; the live audit (idplane audit --host) compares secret grants with their use"

// noLogText says why a live audit has no use section.
const noLogText = "not judged: comparing secret grants with their use reads the audit log, which the caller may not read (audit-logs read)"

// useTitle heads the use section: "Secret use (90 days, 2026-09-05T08:00Z
// to 2026-12-04T08:00Z, UTC)".
func useTitle(u *api.AuditUse) string {
	return fmt.Sprintf("Secret use (%d days, %s to %s, UTC)", u.Days, u.Since.UTC().Format(minuteLayout), u.Until.UTC().Format(minuteLayout))
}

// useNote says why no grant of a use section can be judged, "" when the
// audit log's secret events cover the window.
func useNote(u *api.AuditUse) string {
	switch {
	case u.LogStart == nil:
		return "the audit log holds no secret event yet: no grant is judged"
	case u.LogStart.After(u.Since):
		return fmt.Sprintf("the audit log's secret events start at %s, after the window's start (audit retention, or secrets newer than %d days): no grant is judged",
			u.LogStart.UTC().Format(minuteLayout), u.Days)
	}
	return ""
}

// useLines describes one identity's grant use: what it used, and either
// the suggested rules, or why it was not judged.
func useLines(g api.AuditGrantUse, u *api.AuditUse, st style) (used []string, verdict string) {
	for _, e := range g.Used {
		used = append(used, fmt.Sprintf("%s in %s at %s: %d, last %s", st.code(e.Action), st.text(e.Environment), st.code(e.SecretPath),
			e.Count, e.LastAt.UTC().Format(minuteLayout)))
	}
	switch {
	case !g.Judged && useNote(u) != "":
		verdict = "not judged: see above"
	case !g.Judged:
		verdict = fmt.Sprintf("not judged: the identity or its membership is younger than %d days", u.Days)
	case g.Finding == "":
		verdict = "use matches the grant"
	case len(g.Suggested) == 0:
		verdict = "suggested: no secrets rule"
	default:
		verdict = "suggested: " + st.text(describeRules(g.Suggested))
	}
	return used, verdict
}
