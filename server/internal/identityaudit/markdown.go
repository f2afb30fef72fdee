package identityaudit

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/idplane/idplane/server/api"
)

// WriteMarkdown renders an audit as a pull-request comment: counts (before
// → after for a plan), the access the change grants and revokes, the
// findings it introduces; for a state or the live server, the permission
// sets and all findings.
func WriteMarkdown(w io.Writer, a *api.IdentityAudit) error {
	p := &printer{w: w}
	p.f("### Identity audit (%s)\n\n", a.Source)
	if c := a.Change; c != nil {
		p.f("| | before | after |\n|---|---:|---:|\n")
		p.f("| machine identities | %d | %d |\n", c.MachineIdentities.Before, c.MachineIdentities.After)
		p.f("| distinct permission sets | %d | %d |\n\n", c.DistinctPermissionSets.Before, c.DistinctPermissionSets.After)
		lines := changeLines(c, code)
		if len(lines) == 0 {
			p.f("This change grants and revokes no access.\n")
		}
		for _, l := range lines {
			p.f("- %s\n", l)
		}
		p.f("\n#### Findings introduced\n\n")
		writeFindings(p, c.FindingsIntroduced)
		return p.err
	}
	p.f("| machine identities | distinct permission sets |\n|---:|---:|\n| %d | %d |\n\n", a.MachineIdentities, a.DistinctPermissionSets)
	p.f("#### Permission sets\n\n| permission set | identities | grants |\n|---|---|---|\n")
	for _, g := range a.Groups {
		grants := make([]string, len(g.Grants))
		for i, gr := range g.Grants {
			grants[i] = escapeCell(describeGrant(gr))
		}
		p.f("| `%s` | %s | %s |\n", g.PermissionSet, escapeCell(strings.Join(g.Identities, ", ")), strings.Join(grants, "<br>"))
	}
	p.f("\n#### Findings\n\n")
	writeFindings(p, a.Findings)
	return p.err
}

func writeFindings(p *printer, findings []api.AuditFinding) {
	if len(findings) == 0 {
		p.f("None.\n")
	}
	for _, f := range findings {
		p.f("- **%s** `%s` %s: %s\n", f.Severity, f.Code, code(f.Identity), f.Detail)
	}
}

func escapeCell(s string) string { return strings.ReplaceAll(s, "|", `\|`) }

func code(s string) string  { return "`" + s + "`" }
func plain(s string) string { return s }

// changeLines says, one line per identity, place and subject, what a plan
// does: "payments-api gains `read` on secrets in payments/prod at
// `/database/**`".
func changeLines(c *api.AuditChange, quote func(string) string) []string {
	var out []string
	for _, n := range c.IdentitiesAdded {
		out = append(out, fmt.Sprintf("new identity %s", quote(n)))
	}
	for _, n := range c.IdentitiesRemoved {
		out = append(out, fmt.Sprintf("identity %s is removed", quote(n)))
	}
	out = append(out, grantLines(c.Granted, "gains", quote)...)
	return append(out, grantLines(c.Revoked, "loses", quote)...)
}

func grantLines(changes []api.AuditGrantChange, verb string, quote func(string) string) []string {
	var out []string
	for i := 0; i < len(changes); {
		first := changes[i]
		var actions []string
		for ; i < len(changes) && sameGrantPlace(changes[i], first); i++ {
			actions = append(actions, quote(changes[i].Action))
		}
		s := fmt.Sprintf("%s %s %s on %s in %s", first.Identity, verb, strings.Join(actions, ", "), first.Subject, where(first.Project, first.Environment))
		if first.SecretPath != "" {
			s += " at " + quote(first.SecretPath)
		}
		out = append(out, s)
	}
	return out
}

func sameGrantPlace(a, b api.AuditGrantChange) bool {
	return a.Identity == b.Identity && a.Project == b.Project && a.Environment == b.Environment &&
		a.SecretPath == b.SecretPath && a.Subject == b.Subject
}

// WriteJSON writes the audit as indented JSON, the documented format.
func WriteJSON(w io.Writer, a *api.IdentityAudit) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(a)
}
