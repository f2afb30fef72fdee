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
// sets and all findings. Every name, path and detail is escaped for
// GitHub-flavoured Markdown, so globs such as /app/** stay text.
func WriteMarkdown(w io.Writer, a *api.IdentityAudit) error {
	p := &printer{w: w}
	p.f("### Identity audit (%s)\n\n", a.Source)
	if c := a.Change; c != nil {
		p.f("| | before | after |\n|---|---:|---:|\n")
		p.f("| machine identities | %d | %d |\n", c.MachineIdentities.Before, c.MachineIdentities.After)
		p.f("| distinct permission sets | %d | %d |\n\n", c.DistinctPermissionSets.Before, c.DistinctPermissionSets.After)
		lines := changeLines(c, markdown)
		if len(lines) == 0 {
			p.f("This change grants and revokes no access.\n")
		}
		for _, l := range lines {
			p.f("- %s\n", l)
		}
		p.f("\n#### Findings introduced\n\n")
		writeFindings(p, c.FindingsIntroduced)
		writeUseMarkdown(p, a)
		writeGate(p, a.Gate)
		return p.err
	}
	p.f("| machine identities | distinct permission sets |\n|---:|---:|\n| %d | %d |\n\n", a.MachineIdentities, a.DistinctPermissionSets)
	p.f("#### Permission sets\n\n| permission set | identities | grants |\n|---|---|---|\n")
	for _, g := range a.Groups {
		grants := make([]string, len(g.Grants))
		for i, gr := range g.Grants {
			grants[i] = escapeCell(describeGrant(gr, markdown))
		}
		names := make([]string, len(g.Identities))
		for i, n := range g.Identities {
			names[i] = escapeCell(markdown.code(n))
		}
		p.f("| %s | %s | %s |\n", markdown.code(g.PermissionSet), strings.Join(names, ", "), strings.Join(grants, "<br>"))
	}
	if len(a.TemporaryGrants) > 0 {
		p.f("\n#### Temporary grants\n\n")
		for _, g := range a.TemporaryGrants {
			p.f("- %s: %s\n", markdown.code(g.Identity), temporaryGrantText(g, markdown))
		}
	}
	p.f("\n#### Findings\n\n")
	writeFindings(p, a.Findings)
	writeUseMarkdown(p, a)
	writeGate(p, a.Gate)
	return p.err
}

// writeUseMarkdown writes the use section of a live audit, or says why a
// Terraform state or plan has none.
func writeUseMarkdown(p *printer, a *api.IdentityAudit) {
	if a.Source != api.AuditSourceLive {
		p.f("\nSecret use: %s.\n", escapeText(noUseText))
		return
	}
	if a.Use == nil {
		p.f("\nSecret use: %s.\n", escapeText(noLogText))
		return
	}
	p.f("\n#### %s\n\n", escapeText(useTitle(a.Use)))
	if note := useNote(a.Use); note != "" {
		p.f("%s.\n\n", escapeText(note))
	}
	if len(a.Use.Grants) == 0 {
		p.f("No identity holds secret permissions.\n")
	}
	for _, g := range a.Use.Grants {
		p.f("- %s in %s", markdown.code(g.Identity), escapeText(g.Project))
		if g.Finding != "" {
			p.f(" (%s)", markdown.code(g.Finding))
		}
		p.f("\n")
		for _, gr := range g.Granted {
			p.f("  - granted: %s\n", describeGrant(gr, markdown))
		}
		used, verdict := useLines(g, a.Use, markdown)
		if len(used) == 0 {
			used = []string{"nothing"}
		}
		for _, u := range used {
			p.f("  - used: %s\n", u)
		}
		p.f("  - %s\n", verdict)
	}
}

func writeFindings(p *printer, findings []api.AuditFinding) {
	if len(findings) == 0 {
		p.f("None.\n")
	}
	for _, f := range findings {
		p.f("- **%s** %s %s: %s\n", f.Severity, markdown.code(f.Code), markdown.code(f.Identity), escapeText(f.Detail))
	}
}

func writeGate(p *printer, g *api.AuditGate) {
	if g != nil {
		p.f("\n**Gate:** %s.\n", escapeText(GateSentence(g)))
	}
}

// style renders the parts of a sentence: text as prose, code for names,
// actions and paths.
type style struct{ text, code func(string) string }

var (
	plain    = style{text: func(s string) string { return s }, code: func(s string) string { return s }}
	markdown = style{text: escapeText, code: codeSpan}
)

// markdownSpecial are the characters that could start Markdown syntax
// inside a line (emphasis, code, links and images, HTML, tables,
// strikethrough, entities); a backslash makes each one literal. The text
// escaped never starts a line, so list and heading markers need none.
const markdownSpecial = "\\`*_[]<>|~&"

// escapeText makes s literal text in GitHub-flavoured Markdown.
func escapeText(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r < 0x80 && strings.ContainsRune(markdownSpecial, r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// codeSpan puts s in a code span whose fence is longer than any run of
// backticks inside it, padded when s starts or ends with a backtick.
func codeSpan(s string) string {
	fence, run := 1, 0
	for _, r := range s {
		if r == '`' {
			run++
			fence = max(fence, run+1)
		} else {
			run = 0
		}
	}
	f := strings.Repeat("`", fence)
	if strings.HasPrefix(s, "`") || strings.HasSuffix(s, "`") {
		return f + " " + s + " " + f
	}
	return f + s + f
}

// escapeCell keeps a table cell one cell: a pipe, even inside a code span,
// must be escaped for GitHub's tables.
func escapeCell(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '|' && (i == 0 || s[i-1] != '\\') {
			b.WriteByte('\\')
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// changeLines says, one line per identity, place and subject, what a plan
// does: "payments-api gains `read` on secrets in payments/prod at
// `/database/**`".
func changeLines(c *api.AuditChange, st style) []string {
	var out []string
	for _, n := range c.IdentitiesAdded {
		out = append(out, fmt.Sprintf("new identity %s", st.code(n)))
	}
	for _, n := range c.IdentitiesRemoved {
		out = append(out, fmt.Sprintf("identity %s is removed", st.code(n)))
	}
	for _, g := range c.TemporaryGrantsAdded {
		out = append(out, fmt.Sprintf("%s gets temporary %s", st.text(g.Identity), temporaryGrantText(g, st)))
	}
	out = append(out, grantLines(c.Granted, "gains", st)...)
	return append(out, grantLines(c.Revoked, "loses", st)...)
}

func grantLines(changes []api.AuditGrantChange, verb string, st style) []string {
	var out []string
	for i := 0; i < len(changes); {
		first := changes[i]
		var actions []string
		for ; i < len(changes) && sameGrantPlace(changes[i], first); i++ {
			actions = append(actions, st.code(changes[i].Action))
		}
		s := fmt.Sprintf("%s %s %s on %s in %s", st.text(first.Identity), verb, strings.Join(actions, ", "), st.text(first.Subject),
			st.text(where(first.Project, first.Environment)))
		if first.SecretPath != "" {
			s += " at " + st.code(first.SecretPath)
		}
		out = append(out, s+untilText(first.Until))
	}
	return out
}

func sameGrantPlace(a, b api.AuditGrantChange) bool {
	return a.Identity == b.Identity && a.Project == b.Project && a.Environment == b.Environment &&
		a.SecretPath == b.SecretPath && a.Subject == b.Subject && formatUntil(a.Until) == formatUntil(b.Until)
}

// WriteJSON writes the audit as indented JSON, the documented format.
func WriteJSON(w io.Writer, a *api.IdentityAudit) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(a)
}
