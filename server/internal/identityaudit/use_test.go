package identityaudit

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/idplane/idplane/server/api"
)

// The narrowing rule of narrowPaths, case by case.
func TestNarrowPaths(t *testing.T) {
	for _, c := range []struct {
		granted string
		used    []string
		want    []string
	}{
		// one folder used: that folder exactly
		{"/payments/**", []string{"/payments/api"}, []string{"/payments/api"}},
		// folders below one folder of the first level under the grant: its glob
		{"/payments/**", []string{"/payments/api/v1", "/payments/api/v2/hooks"}, []string{"/payments/api/**"}},
		// the folder and folders below it: both, since "/x/**" does not match "/x"
		{"/payments/**", []string{"/payments/api", "/payments/api/v1"}, []string{"/payments/api", "/payments/api/**"}},
		// groups by the first folder below the grant's fixed prefix stay apart
		{"/payments/**", []string{"/payments/web", "/payments/api/v1", "/payments/api/v2"}, []string{"/payments/api/**", "/payments/web"}},
		// under "/**" the first folder groups: /payments and /shared apart
		{"/**", []string{"/payments/api", "/payments/web", "/shared"}, []string{"/payments/**", "/shared"}},
		{"/**", []string{"/"}, []string{"/"}},
		// the root is a group of its own
		{"/**", []string{"/", "/app"}, []string{"/", "/app"}},
		// no glob: one folder already
		{"/payments/api", []string{"/payments/api"}, []string{"/payments/api"}},
		// a glob the grant might not cover gives way to the folders used
		{"/**/keys", []string{"/a/x/keys", "/a/y/keys"}, []string{"/a/x/keys", "/a/y/keys"}},
		{"/*/config", []string{"/api/config"}, []string{"/api/config"}},
		// use spread over more than four patterns: the grant stays
		{"/app/**", []string{"/app/a", "/app/b", "/app/c", "/app/d", "/app/e"}, []string{"/app/**"}},
		{"/app/**", []string{"/app/d", "/app/a", "/app/c", "/app/b"}, []string{"/app/a", "/app/b", "/app/c", "/app/d"}},
	} {
		if got := narrowPaths(c.granted, c.used); !slices.Equal(got, c.want) {
			t.Errorf("narrowPaths(%q, %v) = %v, want %v", c.granted, c.used, got, c.want)
		}
		for _, p := range c.want {
			if !globCovers(c.granted, p) && c.granted != "/**/keys" {
				t.Errorf("suggestion %q for %q is not covered by the grant", p, c.granted)
			}
		}
	}
}

func TestGlobCovers(t *testing.T) {
	for _, c := range []struct {
		granted, suggested string
		want               bool
	}{
		{"/**", "/payments/**", true},
		{"/payments/**", "/payments/api/**", true},
		{"/payments/**", "/payments/**", true},
		{"/payments/**", "/paymentsx/**", false},
		{"/payments/**", "/payments/api", true},
		{"/payments/**", "/payments", false},
		{"/*/keys", "/a/keys", true},
		{"/*/keys", "/a/**", false},
		{"/{a,b}/**", "/a/x/**", false},
	} {
		if got := globCovers(c.granted, c.suggested); got != c.want {
			t.Errorf("globCovers(%q, %q) = %t, want %t", c.granted, c.suggested, got, c.want)
		}
	}
}

// useModel: identity a reads and writes payments' secrets in dev and live
// (production) under /payments/**, b reads dev under /**, c holds the same
// as a through a temporary grant, d is an organization admin; all old
// enough to judge, save e, whose membership changed yesterday.
func useModel(now time.Time) *Model {
	m := baseModel()
	old := now.AddDate(-1, 0, 0)
	for _, n := range []string{"c", "d", "e"} {
		m.Identities = append(m.Identities, Identity{ID: n, Name: n, OrgRole: "no-access", AuthMethods: m.Identities[0].AuthMethods})
	}
	m.Identities[3].OrgRole = "admin"
	for i := range m.Identities {
		m.Identities[i].CreatedAt = old
	}
	m.Roles = []Role{
		{ProjectID: "p1", Slug: "rw", Rules: []api.PermissionRule{
			secretsRule([]string{"describe", "read", "edit"}, []string{"dev", "live"}, []string{"/payments/**"}, false),
			secretsRule([]string{"read"}, []string{"live"}, []string{"/payments/api/keys"}, true)}},
		{ProjectID: "p1", Slug: "dev-reader", Rules: []api.PermissionRule{secretsRule([]string{"read"}, []string{"dev"}, nil, false)}},
	}
	m.Memberships = []Membership{
		{ProjectID: "p1", IdentityID: "a", Roles: []api.MembershipRole{{RoleSlug: "rw"}}, Since: old},
		{ProjectID: "p1", IdentityID: "b", Roles: []api.MembershipRole{{RoleSlug: "dev-reader"}}, Since: old},
		{ProjectID: "p1", IdentityID: "c", Roles: []api.MembershipRole{{RoleSlug: "rw",
			TemporaryAccess: &api.TemporaryAccess{StartTime: old, DurationSeconds: 2 * 365 * 24 * 3600}}}, Since: old},
		{ProjectID: "p1", IdentityID: "e", Roles: []api.MembershipRole{{RoleSlug: "rw"}}, Since: now.AddDate(0, 0, -1)},
	}
	m.Use = &Use{Since: now.AddDate(0, 0, -90), LogStart: old, Events: []SecretUse{
		{IdentityID: "a", ProjectID: "p1", Environment: "live", SecretPath: "/payments/api", Action: "read", Count: 7, Last: now.Add(-time.Hour)},
		{IdentityID: "a", ProjectID: "p1", Environment: "live", SecretPath: "/payments/api/v2", Action: "read", Count: 1, Last: now.Add(-2 * time.Hour)},
		{IdentityID: "b", ProjectID: "p1", Environment: "dev", SecretPath: "/app", Action: "read", Count: 1, Last: now.Add(-time.Hour)},
		{IdentityID: "b", ProjectID: "p1", Environment: "dev", SecretPath: "/db", Action: "read", Count: 1, Last: now.Add(-time.Hour)},
		{IdentityID: "b", ProjectID: "p1", Environment: "dev", SecretPath: "/db/replica", Action: "read", Count: 1, Last: now.Add(-time.Hour)},
	}}
	return m
}

func finding(a *api.IdentityAudit, identity string, codes ...string) *api.AuditFinding {
	for i, f := range a.Findings {
		if f.Identity == identity && slices.Contains(codes, f.Code) {
			return &a.Findings[i]
		}
	}
	return nil
}

func TestGrantsJudgedByUse(t *testing.T) {
	now := time.Date(2026, 12, 4, 8, 0, 0, 0, time.UTC)
	m := useModel(now)
	res, err := Audit(m, api.AuditSourceLive, Options{Now: now})
	if err != nil {
		t.Fatal(err)
	}
	a := res.Audit
	if a.Use == nil || a.Use.Days != 90 || !a.Use.Since.Equal(now.AddDate(0, 0, -90)) || !a.Use.Until.Equal(now) {
		t.Fatalf("use section %+v", a.Use)
	}
	uses := map[string]api.AuditGrantUse{}
	for _, u := range a.Use.Grants {
		uses[u.Identity] = u
	}

	// a: read live under /payments/api only; edit and dev unused. The
	// suggestion keeps the deny rule of the place it keeps.
	f := finding(a, "a", CodeGrantBroaderThanUse, CodeGrantUnused)
	if f == nil || f.Code != CodeGrantBroaderThanUse || f.Severity != api.SeverityMedium {
		t.Fatalf("a: %+v, want a medium %s (edit in production unused)", f, CodeGrantBroaderThanUse)
	}
	for _, want := range []string{"may edit, read in dev, live at /payments/**", "used only read in live at /payments/api, /payments/api/**"} {
		if !strings.Contains(f.Detail, want) {
			t.Errorf("a's detail %q lacks %q", f.Detail, want)
		}
	}
	wantRules := []api.PermissionRule{
		secretsRule([]string{"read"}, []string{"live"}, []string{"/payments/api", "/payments/api/**"}, false),
		secretsRule([]string{"read"}, []string{"live"}, []string{"/payments/api/keys"}, true),
	}
	if got := uses["a"]; !got.Judged || got.Finding != CodeGrantBroaderThanUse || !rulesEqual(got.Suggested, wantRules) || len(got.Used) != 2 ||
		got.Used[0] != (api.AuditSecretUse{Environment: "live", SecretPath: "/payments/api", Action: "read", Count: 7, LastAt: now.Add(-time.Hour)}) {
		t.Errorf("a's use %+v", got)
	}

	// b: reads dev at /app, /db and below: narrower than /**, dev only: low.
	f = finding(a, "b", CodeGrantBroaderThanUse)
	if f == nil || f.Severity != api.SeverityLow {
		t.Errorf("b: %+v, want a low %s", f, CodeGrantBroaderThanUse)
	}
	if got := uses["b"].Suggested; !rulesEqual(got, []api.PermissionRule{secretsRule([]string{"read"}, []string{"dev"}, []string{"/app", "/db", "/db/**"}, false)}) {
		t.Errorf("b's suggestion %+v", got)
	}

	// c: a's grant, temporary, unused: high for writes in production, one
	// step lower for ending by itself.
	if f = finding(a, "c", CodeGrantUnused); f == nil || f.Severity != api.SeverityMedium || !strings.Contains(f.Detail, "(temporary, until ") ||
		!strings.Contains(f.Detail, "used none of it in 90 days") {
		t.Errorf("c: %+v, want a medium %s naming its window", f, CodeGrantUnused)
	}
	if got := uses["c"]; len(got.Suggested) != 0 || len(got.Used) != 0 || got.Finding != CodeGrantUnused {
		t.Errorf("c's use %+v", got)
	}
	// d: the organization admin's unused secret access is low (org-admin judges it).
	if f = finding(a, "d", CodeGrantUnused); f == nil || f.Severity != api.SeverityLow || !strings.Contains(f.Detail, "through the organization role admin") {
		t.Errorf("d: %+v", f)
	}
	// e: granted yesterday: shown, not judged.
	if f = finding(a, "e", CodeGrantUnused, CodeGrantBroaderThanUse); f != nil {
		t.Errorf("e's membership changed yesterday, yet %+v", f)
	}
	if got := uses["e"]; got.Judged || got.Finding != "" || len(got.Granted) == 0 {
		t.Errorf("e's use %+v", got)
	}

	// Use spread over the whole grant is no finding (b, five patterns
	// under /**); the same model without use (a state or a plan) has no
	// use section and no such finding.
	m.Use.Events = append(m.Use.Events, SecretUse{IdentityID: "b", ProjectID: "p1", Environment: "dev", SecretPath: "/", Action: "read", Count: 1, Last: now})
	m.Use.Events = append(m.Use.Events, SecretUse{IdentityID: "b", ProjectID: "p1", Environment: "dev", SecretPath: "/x", Action: "read", Count: 1, Last: now})
	res, err = Audit(m, api.AuditSourceLive, Options{Now: now})
	if err != nil {
		t.Fatal(err)
	}
	if f := finding(res.Audit, "b", CodeGrantBroaderThanUse, CodeGrantUnused); f != nil {
		t.Errorf("b uses all of /** in dev, yet %+v", f)
	}
	m.Use = nil
	a = run(t, m, Options{Now: now})
	if a.Use != nil {
		t.Errorf("an audit without use data has a use section: %+v", a.Use)
	}
	for _, f := range a.Findings {
		if f.Code == CodeGrantUnused || f.Code == CodeGrantBroaderThanUse {
			t.Errorf("an audit without use data: %+v", f)
		}
	}
}

// An audit log whose secret events start after the window's start (audit
// retention shorter than the window, secrets newer than it) or that has
// none judges nothing, and the outputs say why.
func TestGrantsNotJudgedBeforeTheLogStarts(t *testing.T) {
	now := time.Date(2026, 12, 4, 8, 0, 0, 0, time.UTC)
	for logStart, note := range map[time.Time]string{
		now.AddDate(0, 0, -30): "the audit log's secret events start at 2026-11-04T08:00Z, after the window's start (audit retention, or secrets newer than 90 days): no grant is judged",
		{}:                     "the audit log holds no secret event yet: no grant is judged",
	} {
		m := useModel(now)
		m.Use.LogStart = logStart
		res, err := Audit(m, api.AuditSourceLive, Options{Now: now})
		if err != nil {
			t.Fatal(err)
		}
		a := res.Audit
		for _, f := range a.Findings {
			if f.Code == CodeGrantUnused || f.Code == CodeGrantBroaderThanUse {
				t.Errorf("log from %s: %+v", logStart, f)
			}
		}
		if (a.Use.LogStart == nil) != logStart.IsZero() || len(a.Use.Grants) != 5 || a.Use.Grants[0].Judged || len(a.Use.Grants[0].Suggested) == 0 {
			t.Errorf("log from %s: use %+v", logStart, a.Use)
		}
		var text, md strings.Builder
		if err := WriteText(&text, a, nil); err != nil {
			t.Fatal(err)
		}
		if err := WriteMarkdown(&md, a); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(text.String(), "\n  "+note+"\n") || !strings.Contains(text.String(), "not judged: see above") ||
			!strings.Contains(md.String(), escapeText(note)) {
			t.Errorf("log from %s: the outputs lack %q:\n%s\n%s", logStart, note, text.String(), md.String())
		}
	}
}

// A window longer than the identities' age judges nothing.
func TestGrantsNotJudgedWhenYoungerThanTheWindow(t *testing.T) {
	now := time.Date(2026, 12, 4, 8, 0, 0, 0, time.UTC)
	m := useModel(now)
	m.Use.Since = now.AddDate(-2, 0, 0)
	res, err := Audit(m, api.AuditSourceLive, Options{Now: now, UnusedDays: 730})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range res.Audit.Findings {
		if f.Code == CodeGrantUnused || f.Code == CodeGrantBroaderThanUse {
			t.Errorf("identities a year old judged over two years: %+v", f)
		}
	}
}

func rulesEqual(a, b []api.PermissionRule) bool {
	return slices.EqualFunc(a, b, func(x, y api.PermissionRule) bool {
		return x.Subject == y.Subject && x.Inverted == y.Inverted && slices.Equal(x.Actions, y.Actions) &&
			slices.Equal(x.Conditions.Environments, y.Conditions.Environments) && slices.Equal(x.Conditions.SecretPaths, y.Conditions.SecretPaths)
	})
}
