package identityaudit

import (
	"bytes"
	"html"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/extension"

	"github.com/idplane/idplane/server/api"
)

// duringWindow is inside the last awkward identity's temporary admin grant.
var duringWindow = time.Date(2026, 12, 5, 4, 0, 0, 0, time.UTC)

// Names and paths full of Markdown syntax: globs, underscores, pipes,
// angle brackets, backticks, tildes and entities.
var (
	awkwardNames = []string{"svc_a_b_", "x|y", "<script>", "a*b*c", "`tick`", "~~gone~~", "amp&copy;"}
	awkwardPaths = []string{"/app/**", "/a_b/*_x_*", "/x|y/**", "/<t>/**", "/`q`/**", "/~~s~~/*"}
	// awkwardUsed are folders read under two of them, for the live use section.
	awkwardUsed = []string{"/x|y/a_b_", "/<t>/~~u~~"}
)

// awkwardModel gives each awkward name read on each awkward path in
// production, and the last name also a temporary admin grant.
func awkwardModel(names []string) *Model {
	m := &Model{Projects: []Project{{ID: "p1", Slug: "shop", Environments: []Environment{{Slug: "prod", Name: "Production"}}}}}
	m.Roles = []Role{{ProjectID: "p1", Slug: "awkward", Rules: []api.PermissionRule{
		secretsRule([]string{"read"}, []string{"prod"}, awkwardPaths, false)}}}
	for i, n := range names {
		id := string(rune('a' + i))
		m.Identities = append(m.Identities, Identity{ID: id, Name: n, OrgRole: "no-access"})
		m.Memberships = append(m.Memberships, Membership{ProjectID: "p1", IdentityID: id, Roles: []api.MembershipRole{{RoleSlug: "awkward"}}})
	}
	last := &m.Memberships[len(m.Memberships)-1]
	last.Roles = append(last.Roles, api.MembershipRole{RoleSlug: "admin",
		TemporaryAccess: &api.TemporaryAccess{StartTime: time.Date(2026, 12, 5, 2, 0, 0, 0, time.UTC), DurationSeconds: 8 * 3600}})
	return m
}

// Rendered by a GitHub-flavoured Markdown renderer, every identity name
// and secret path survives as text, nothing becomes emphasis or
// strikethrough or HTML, and every table row keeps its column count.
func TestMarkdownSurvivesGitHub(t *testing.T) {
	before, err := Audit(awkwardModel(awkwardNames[:2]), api.AuditSourcePlan, Options{At: duringWindow})
	if err != nil {
		t.Fatal(err)
	}
	after, err := Audit(awkwardModel(awkwardNames), api.AuditSourcePlan, Options{At: duringWindow})
	if err != nil {
		t.Fatal(err)
	}
	state, err := Audit(awkwardModel(awkwardNames), api.AuditSourceState, Options{At: duringWindow})
	if err != nil {
		t.Fatal(err)
	}
	live := awkwardModel(awkwardNames)
	old := duringWindow.AddDate(-1, 0, 0)
	for i := range live.Identities {
		live.Identities[i].CreatedAt = old
		live.Memberships[i].Since = old
	}
	live.Use = &Use{Since: duringWindow.AddDate(0, 0, -90), LogStart: old, Events: []SecretUse{
		{IdentityID: "a", ProjectID: "p1", Environment: "prod", SecretPath: awkwardUsed[0], Action: "read", Count: 2, Last: duringWindow},
		{IdentityID: "a", ProjectID: "p1", Environment: "prod", SecretPath: awkwardUsed[1], Action: "read", Count: 1, Last: duringWindow}}}
	liveAudit, err := Audit(live, api.AuditSourceLive, Options{At: duringWindow, Now: duringWindow})
	if err != nil {
		t.Fatal(err)
	}
	Change(before, after)
	after.Audit.Gate = &api.AuditGate{FailOn: "high", Scope: api.GateScopeIntroduced, Findings: 1, Failed: true}
	// The plan adds all but the first two identities; the state has all.
	for name, c := range map[string]struct {
		a     *api.IdentityAudit
		names []string
	}{"plan": {after.Audit, awkwardNames[2:]}, "state": {state.Audit, awkwardNames},
		"live": {liveAudit.Audit, append(slices.Clone(awkwardNames), awkwardUsed...)}} {
		a := c.a
		var md bytes.Buffer
		if err := WriteMarkdown(&md, a); err != nil {
			t.Fatal(err)
		}
		page := renderGFM(t, md.Bytes())
		text := html.UnescapeString(regexp.MustCompile(`<[^>]*>`).ReplaceAllString(page, ""))
		window := "admin on shop, until 2026-12-05T10:00Z (from 2026-12-05T02:00Z)"
		for _, s := range append(append([]string{window}, c.names...), awkwardPaths...) {
			if !strings.Contains(text, s) {
				t.Errorf("%s: %q does not survive rendering:\n%s\n%s", name, s, md.String(), page)
			}
		}
		if m := regexp.MustCompile(`<(em|del|script|t)>`).FindString(page); m != "" {
			t.Errorf("%s: the rendered comment has %s:\n%s", name, m, page)
		}
		for _, strong := range regexp.MustCompile(`<strong>(.*?)</strong>`).FindAllStringSubmatch(page, -1) {
			if api.SeverityRank(strong[1]) == 0 && strong[1] != "Gate:" {
				t.Errorf("%s: unexpected bold %q", name, strong[1])
			}
		}
		checkTables(t, name, page)
	}
}

func renderGFM(t *testing.T, md []byte) string {
	t.Helper()
	var out bytes.Buffer
	if err := goldmark.New(goldmark.WithExtensions(extension.GFM)).Convert(md, &out); err != nil {
		t.Fatal(err)
	}
	return out.String()
}

// checkTables asserts every row of every rendered table has as many cells
// as its header.
func checkTables(t *testing.T, name, page string) {
	t.Helper()
	tables := regexp.MustCompile(`(?s)<table>.*?</table>`).FindAllString(page, -1)
	if len(tables) == 0 {
		t.Errorf("%s: no table rendered", name)
	}
	row := regexp.MustCompile(`(?s)<tr>(.*?)</tr>`)
	cell := regexp.MustCompile(`<t[hd][ >]`)
	for _, tbl := range tables {
		rows := row.FindAllStringSubmatch(tbl, -1)
		want := len(cell.FindAllString(rows[0][1], -1))
		for _, r := range rows[1:] {
			if got := len(cell.FindAllString(r[1], -1)); got != want {
				t.Errorf("%s: a row has %d cells, the header %d: %s", name, got, want, r[1])
			}
		}
	}
}
