package identityaudit

import (
	"cmp"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/idplane/idplane/server/api"
)

// WriteText renders an audit for a terminal: counts, permission sets
// largest first, findings by severity, and each identity's blast radius
// (production and wildcards first). productionEnvironments are the extra
// production slugs of the audit's options.
func WriteText(w io.Writer, a *api.IdentityAudit, productionEnvironments []string) error {
	p := &printer{w: w}
	p.f("Identity audit (%s)\n", a.Source)
	p.f("  machine identities:       %d\n", a.MachineIdentities)
	p.f("  distinct permission sets: %d  (the number of identities the organization needs)\n", a.DistinctPermissionSets)
	if c := a.Change; c != nil {
		p.f("\nChange\n  machine identities:       %d -> %d\n  distinct permission sets: %d -> %d\n",
			c.MachineIdentities.Before, c.MachineIdentities.After, c.DistinctPermissionSets.Before, c.DistinctPermissionSets.After)
		for _, line := range changeLines(c, plain) {
			p.f("  %s\n", line)
		}
	}
	p.f("\nPermission sets, largest first\n")
	for _, g := range a.Groups {
		note := ""
		if len(g.Identities) > 1 {
			note = "  (could share one identity)"
		}
		p.f("  %s  %d %s: %s%s\n", g.PermissionSet, len(g.Identities), plural(len(g.Identities), "identity", "identities"),
			strings.Join(g.Identities, ", "), note)
		if len(g.Grants) == 0 {
			p.f("      (no access)\n")
		}
		for _, gr := range g.Grants {
			p.f("      %s\n", describeGrant(gr, plain))
		}
	}
	if len(a.TemporaryGrants) > 0 {
		p.f("\nTemporary grants\n")
		for _, g := range a.TemporaryGrants {
			p.f("  %s: %s\n", g.Identity, temporaryGrantText(g, plain))
		}
	}
	p.f("\nFindings\n")
	if len(a.Findings) == 0 {
		p.f("  none\n")
	}
	for _, f := range a.Findings {
		p.f("  %-6s  %-36s  %s: %s\n", strings.ToUpper(f.Severity), f.Code, f.Identity, f.Detail)
	}
	if act := a.Activity; act != nil {
		p.f("\nActivity (month %s, UTC)\n  declared identities:       %d\n  monthly active identities: %d\n",
			act.Month, act.DeclaredIdentities, act.MonthlyActiveIdentities)
		for _, id := range act.Identities {
			methods := make([]string, len(id.AuthMethods))
			for i, m := range id.AuthMethods {
				methods[i] = m.AuthMethod + " " + formatLogin(m.LastLoginAt)
			}
			p.f("  %s  last login %s", id.Identity, formatLogin(id.LastLoginAt))
			if len(methods) > 0 {
				p.f("  (%s)", strings.Join(methods, ", "))
			}
			p.f("\n")
		}
	}
	writeUseText(p, a)
	if g := a.Gate; g != nil {
		p.f("\nGate\n  %s\n", GateSentence(g))
	}
	p.f("\nBlast radius\n")
	prod := newProduction(productionEnvironments, &Model{})
	for _, g := range a.Groups {
		radius := blastRadius(g.Grants, prod)
		for _, name := range g.Identities {
			p.f("  %s\n", name)
			if len(radius) == 0 {
				p.f("      nothing\n")
			}
			for _, line := range radius {
				p.f("      %s\n", line)
			}
		}
	}
	return p.err
}

// writeUseText writes the use section of a live audit, or says why a
// Terraform state or plan has none.
func writeUseText(p *printer, a *api.IdentityAudit) {
	if a.Source != api.AuditSourceLive {
		p.f("\nSecret use\n  %s\n", noUseText)
		return
	}
	if a.Use == nil {
		p.f("\nSecret use\n  %s\n", noLogText)
		return
	}
	p.f("\n%s\n", useTitle(a.Use))
	if note := useNote(a.Use); note != "" {
		p.f("  %s\n", note)
	}
	if len(a.Use.Grants) == 0 {
		p.f("  no identity holds secret permissions\n")
	}
	for _, g := range a.Use.Grants {
		p.f("  %s in %s", g.Identity, g.Project)
		if g.Finding != "" {
			p.f("  [%s]", g.Finding)
		}
		p.f("\n")
		for _, gr := range g.Granted {
			p.f("      granted:   %s\n", describeGrant(gr, plain))
		}
		used, verdict := useLines(g, a.Use, plain)
		if len(used) == 0 {
			used = []string{"nothing"}
		}
		for _, u := range used {
			p.f("      used:      %s\n", u)
		}
		p.f("      %s\n", verdict)
	}
}

type printer struct {
	w   io.Writer
	err error
}

func (p *printer) f(format string, args ...any) {
	if p.err == nil {
		_, p.err = fmt.Fprintf(p.w, format, args...)
	}
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// where says where a grant applies: "the organization", "payments" or
// "payments/prod".
func where(project, environment string) string {
	switch {
	case project == "":
		return "the organization"
	case environment == "":
		return project
	}
	return project + "/" + environment
}

func describeGrant(g api.AuditGrant, st style) string {
	verb := "allow"
	if g.Deny {
		verb = "deny "
	}
	s := fmt.Sprintf("%s %s on %s in %s", verb, strings.Join(g.Actions, ", "), st.text(g.Subject), st.text(where(g.Project, g.Environment)))
	if g.SecretPath != "" {
		s += " at " + st.code(g.SecretPath)
	}
	return s + untilText(g.Until)
}

// untilText is ", until 2026-12-05T10:00Z" for a temporary row, else "".
func untilText(t *time.Time) string {
	if t == nil {
		return ""
	}
	return ", until " + t.UTC().Format(minuteLayout)
}

// temporaryGrantText says "admin on shop, until 2026-12-05T10:00Z (from
// 2026-12-05T02:00Z)".
func temporaryGrantText(g api.AuditTemporaryGrant, st style) string {
	return fmt.Sprintf("%s on %s, until %s (from %s)", st.code(g.Role), st.text(g.Project), g.End.UTC().Format(minuteLayout),
		g.Start.UTC().Format(minuteLayout))
}

// blastRadius lists what a permission set reaches, production and
// wildcard paths first.
func blastRadius(grants []api.AuditGrant, prod production) []string {
	type line struct {
		g              api.AuditGrant
		isProd, isWild bool
	}
	var lines []line
	for _, g := range grants {
		lines = append(lines, line{g: g, isProd: g.Environment != "" && prod.is(g.Project, g.Environment),
			isWild: isGlob(g.SecretPath)})
	}
	slices.SortStableFunc(lines, func(a, b line) int {
		return cmp.Or(compareBool(b.isProd, a.isProd), compareBool(b.isWild, a.isWild))
	})
	out := make([]string, 0, len(lines))
	for _, l := range lines {
		var tags []string
		if l.isProd {
			tags = append(tags, "production")
		}
		if l.isWild {
			tags = append(tags, "wildcard")
		}
		s := describeGrant(l.g, plain)
		if len(tags) > 0 {
			s += "  [" + strings.Join(tags, ", ") + "]"
		}
		out = append(out, s)
	}
	return out
}

// GateSentence says what an `idplane audit --fail-on` gate counted and
// decided: "--fail-on high over the findings the plan introduces: 1 at or
// above high, failed".
func GateSentence(g *api.AuditGate) string {
	scope := "all findings"
	if g.Scope == api.GateScopeIntroduced {
		scope = "the findings the plan introduces"
	}
	outcome := "passed"
	if g.Failed {
		outcome = "failed"
	}
	return fmt.Sprintf("--fail-on %s over %s (--fail-on-scope %s): %d at or above %s, %s", g.FailOn, scope, g.Scope, g.Findings, g.FailOn, outcome)
}
