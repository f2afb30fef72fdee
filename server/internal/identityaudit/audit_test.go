package identityaudit

import (
	"slices"
	"testing"
	"time"

	"github.com/idplane/idplane/server/api"
)

func secretsRule(actions []string, envs, paths []string, inverted bool) api.PermissionRule {
	return api.PermissionRule{Subject: api.SubjectSecrets, Actions: actions, Inverted: inverted,
		Conditions: &api.PermissionConditions{Environments: envs, SecretPaths: paths}}
}

// baseModel has one project with dev and prod and identities a and b with
// universal auth, each with its own membership and roles added by the test.
func baseModel() *Model {
	ua := []AuthMethod{{Kind: "universal-auth", AccessTokenTTL: 3600, AccessTokenMaxTTL: 3600,
		AccessTokenTrustedIPs: []string{"10.0.0.0/8"}, ClientSecretTrustedIPs: []string{"10.0.0.0/8"}}}
	return &Model{
		Projects: []Project{{ID: "p1", Slug: "payments", Name: "Payments",
			Environments: []Environment{{Slug: "dev", Name: "Development"}, {Slug: "live", Name: "Production"}}}},
		Identities: []Identity{{ID: "a", Name: "a", OrgRole: "no-access", AuthMethods: ua},
			{ID: "b", Name: "b", OrgRole: "no-access", AuthMethods: ua}},
	}
}

func run(t *testing.T, m *Model, opts Options) *api.IdentityAudit {
	t.Helper()
	res, err := Audit(m, api.AuditSourceState, opts)
	if err != nil {
		t.Fatal(err)
	}
	return res.Audit
}

// Rule order, role names, how rules are split across roles and duplicate
// actions do not change a permission set.
func TestEqualAccessSpelledDifferentlyCountsOnce(t *testing.T) {
	m := baseModel()
	m.Roles = []Role{
		{ProjectID: "p1", Slug: "reader", Rules: []api.PermissionRule{
			secretsRule([]string{"read", "describe"}, []string{"dev", "live"}, []string{"/db/**"}, false),
			{Subject: api.SubjectProject, Actions: []string{"read"}}}},
		{ProjectID: "p1", Slug: "describe", Rules: []api.PermissionRule{secretsRule([]string{"describe"}, nil, []string{"/db/**"}, false)}},
		{ProjectID: "p1", Slug: "read", Rules: []api.PermissionRule{
			{Subject: api.SubjectProject, Actions: []string{"read"}},
			secretsRule([]string{"read"}, []string{"*"}, []string{"/db/**"}, false),
			secretsRule([]string{"read"}, []string{"live"}, []string{"/db/**"}, false)}},
	}
	m.Memberships = []Membership{
		{ProjectID: "p1", IdentityID: "a", Roles: []api.MembershipRole{{RoleSlug: "reader"}}},
		{ProjectID: "p1", IdentityID: "b", Roles: []api.MembershipRole{{RoleSlug: "read"}, {RoleSlug: "describe"}}},
	}
	a := run(t, m, Options{})
	if a.DistinctPermissionSets != 1 || len(a.Groups) != 1 || !slices.Equal(a.Groups[0].Identities, []string{"a", "b"}) {
		t.Fatalf("want one permission set for a and b, got %+v", a.Groups)
	}
	want := []api.AuditGrant{
		{Project: "payments", Subject: "project", Actions: []string{"read"}},
		{Project: "payments", Environment: "dev", SecretPath: "/db/**", Subject: "secrets", Actions: []string{"describe", "read"}},
		{Project: "payments", Environment: "live", SecretPath: "/db/**", Subject: "secrets", Actions: []string{"describe", "read"}},
	}
	if got := a.Groups[0].Grants; !slices.EqualFunc(got, want, grantEqual) {
		t.Errorf("grants:\n got %+v\nwant %+v", got, want)
	}
}

func grantEqual(a, b api.AuditGrant) bool {
	return a.Project == b.Project && a.Environment == b.Environment && a.SecretPath == b.SecretPath &&
		a.Subject == b.Subject && a.Deny == b.Deny && slices.Equal(a.Actions, b.Actions)
}

// A temporary grant counts while it is active at --at, not after it ends.
func TestTemporaryGrantCountsOnlyWhileActive(t *testing.T) {
	start := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	m := baseModel()
	m.Memberships = []Membership{
		{ProjectID: "p1", IdentityID: "a", Roles: []api.MembershipRole{{RoleSlug: "viewer"}}},
		{ProjectID: "p1", IdentityID: "b", Roles: []api.MembershipRole{{RoleSlug: "viewer"},
			{RoleSlug: "admin", TemporaryAccess: &api.TemporaryAccess{StartTime: start, DurationSeconds: 3600}}}},
	}
	if got := run(t, m, Options{At: start.Add(30 * time.Minute)}).DistinctPermissionSets; got != 2 {
		t.Errorf("during the grant: %d permission sets, want 2", got)
	}
	if got := run(t, m, Options{At: start.Add(time.Hour)}).DistinctPermissionSets; got != 1 {
		t.Errorf("after the grant: %d permission sets, want 1", got)
	}
	if got := run(t, m, Options{At: start.Add(-time.Second)}).DistinctPermissionSets; got != 1 {
		t.Errorf("before the grant starts: %d permission sets, want 1", got)
	}
}

// An inverted rule takes access away, so the sets differ; a deny that
// covers everything an allow grants leaves nothing of either.
func TestInvertedRuleMakesSetsDiffer(t *testing.T) {
	m := baseModel()
	m.Roles = []Role{
		{ProjectID: "p1", Slug: "all", Rules: []api.PermissionRule{secretsRule([]string{"read"}, []string{"dev"}, nil, false)}},
		{ProjectID: "p1", Slug: "no-db", Rules: []api.PermissionRule{secretsRule([]string{"read"}, []string{"dev"}, []string{"/db/**"}, true)}},
		{ProjectID: "p1", Slug: "no-all", Rules: []api.PermissionRule{secretsRule([]string{"read"}, []string{"dev"}, []string{"/**"}, true)}},
	}
	m.Memberships = []Membership{
		{ProjectID: "p1", IdentityID: "a", Roles: []api.MembershipRole{{RoleSlug: "all"}}},
		{ProjectID: "p1", IdentityID: "b", Roles: []api.MembershipRole{{RoleSlug: "all"}, {RoleSlug: "no-db"}}},
	}
	a := run(t, m, Options{})
	if a.DistinctPermissionSets != 2 {
		t.Fatalf("an inverted rule: %d permission sets, want 2", a.DistinctPermissionSets)
	}
	var deny bool
	for _, g := range a.Groups {
		for _, gr := range g.Grants {
			deny = deny || (gr.Deny && gr.SecretPath == "/db/**" && slices.Equal(g.Identities, []string{"b"}))
		}
	}
	if !deny {
		t.Errorf("b's set lacks its deny row: %+v", a.Groups)
	}
	m.Memberships[1].Roles = []api.MembershipRole{{RoleSlug: "all"}, {RoleSlug: "no-all"}}
	a = run(t, m, Options{})
	for _, g := range a.Groups {
		if slices.Contains(g.Identities, "b") && len(g.Grants) != 0 {
			t.Errorf("a deny of everything left grants %+v", g.Grants)
		}
	}
}

func TestFindings(t *testing.T) {
	m := baseModel()
	m.Identities[0].OrgRole = "admin"
	m.Identities[0].AuthMethods = nil
	m.Identities[1].AuthMethods = []AuthMethod{
		{Kind: "universal-auth", AccessTokenTTL: 3600, AccessTokenMaxTTL: 200000, AccessTokenTrustedIPs: []string{"0.0.0.0/0"},
			ClientSecrets: []ClientSecret{{Name: "cs1", TTL: 0}}},
		{Kind: "kubernetes-auth", AccessTokenTTL: 60, AccessTokenMaxTTL: 60, AccessTokenTrustedIPs: []string{"10.0.0.0/8"},
			AllowedNamespaces: []string{"a", "b"}},
	}
	m.Identities = append(m.Identities, Identity{ID: "c", Name: "c", OrgRole: "no-access",
		AuthMethods: []AuthMethod{{Kind: "gcp-auth", AccessTokenTTL: 60, AccessTokenMaxTTL: 60, AccessTokenTrustedIPs: []string{"10.1.0.0/16"}}}})
	m.Memberships = []Membership{{ProjectID: "p1", IdentityID: "b", Roles: []api.MembershipRole{{RoleSlug: "member"}}}}
	codes := map[string][]string{}
	for _, f := range run(t, m, Options{}).Findings {
		codes[f.Identity] = append(codes[f.Identity], f.Code)
	}
	want := map[string][]string{
		"a": {CodeAllSecretsInProduction, CodeOrgAdmin, CodeSpansProduction, CodeNoAuthMethod},
		"b": {CodeAllSecretsInProduction, CodeClientSecretNoTTL, CodeClientSecretIPsOpen, CodeKubernetesNamespaces, CodeLongLivedTokens,
			CodeSpansProduction, CodeAccessTokenIPsOpen},
		"c": {CodeNoAccess},
	}
	for id, w := range want {
		if !slices.Equal(codes[id], w) {
			t.Errorf("%s: findings %v, want %v", id, codes[id], w)
		}
	}
}

func TestUnusedOnlyWhenKnownAndOld(t *testing.T) {
	now := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	m := baseModel()
	m.Identities[0].LastLoginKnown, m.Identities[0].CreatedAt = true, now.AddDate(-1, 0, 0)
	m.Identities[0].LastLogin = now.AddDate(0, 0, -100)
	m.Identities[1].LastLoginKnown, m.Identities[1].CreatedAt = true, now.AddDate(0, 0, -10)
	var unused []string
	for _, f := range run(t, m, Options{Now: now}).Findings {
		if f.Code == CodeUnusedIdentity {
			unused = append(unused, f.Identity)
		}
	}
	if !slices.Equal(unused, []string{"a"}) {
		t.Errorf("unused identities %v, want [a] (b is only ten days old)", unused)
	}
	for _, f := range run(t, m, Options{Now: now, UnusedDays: 120}).Findings {
		if f.Code == CodeUnusedIdentity {
			t.Errorf("with 120 unused days: %+v", f)
		}
	}
}

func TestProductionNames(t *testing.T) {
	p := newProduction([]string{"blue"}, &Model{Projects: []Project{{Slug: "x", Environments: []Environment{{Slug: "live", Name: "Production"}}}}})
	for env, want := range map[string]bool{"prod": true, "eu-prod": true, "preprod": false, "live": true, "blue": true, "dev": false, "product": false} {
		if got := p.is("x", env); got != want {
			t.Errorf("%s: production %t, want %t", env, got, want)
		}
	}
}

// Severities agree with our own advice: read on the workload's own folder
// in production ("/app/**", as the boundaries guide recommends) is low,
// describing every secret is no finding, reading every secret is high; the
// organization admin is high with a client secret and medium when only
// federated proof (OIDC in CI) can log in as it; a client secret in state
// is medium.
func TestSeveritiesFollowOurAdvice(t *testing.T) {
	severity := func(m *Model, identity, code string) string {
		t.Helper()
		for _, f := range run(t, m, Options{}).Findings {
			if f.Identity == identity && f.Code == code {
				return f.Severity
			}
		}
		return ""
	}
	withRule := func(rule api.PermissionRule) *Model {
		m := baseModel()
		m.Roles = []Role{{ProjectID: "p1", Slug: "r", Rules: []api.PermissionRule{rule}}}
		m.Memberships = []Membership{{ProjectID: "p1", IdentityID: "a", Roles: []api.MembershipRole{{RoleSlug: "r"}}}}
		return m
	}
	for _, c := range []struct {
		rule     api.PermissionRule
		code     string
		severity string
	}{
		{secretsRule([]string{"describe", "read"}, []string{"live"}, []string{"/app/**"}, false), CodeWildcardInProduction, api.SeverityLow},
		{secretsRule([]string{"describe", "read"}, []string{"live"}, []string{"/app/**"}, false), CodeAllSecretsInProduction, ""},
		{secretsRule([]string{"describe"}, []string{"live"}, nil, false), CodeAllSecretsInProduction, ""},
		{secretsRule([]string{"describe"}, []string{"live"}, nil, false), CodeWildcardInProduction, ""},
		{secretsRule([]string{"read"}, []string{"live"}, nil, false), CodeAllSecretsInProduction, api.SeverityHigh},
		{secretsRule([]string{"edit"}, []string{"live"}, []string{"/*"}, false), CodeAllSecretsInProduction, api.SeverityHigh},
		{secretsRule([]string{"read"}, []string{"live"}, []string{"/{app,db}/**"}, false), CodeAllSecretsInProduction, api.SeverityHigh},
		{secretsRule([]string{"read"}, []string{"dev"}, nil, false), CodeAllSecretsInProduction, ""},
	} {
		if got := severity(withRule(c.rule), "a", c.code); got != c.severity {
			t.Errorf("%v on %v: %s is %q, want %q", c.rule.Actions, c.rule.Conditions, c.code, got, c.severity)
		}
	}
	m := baseModel()
	m.Identities[0].OrgRole = "admin"
	m.Identities[1].OrgRole = "admin"
	m.Identities[1].AuthMethods = []AuthMethod{{Kind: "oidc-auth", AccessTokenTTL: 900, AccessTokenMaxTTL: 3600}}
	m.Identities[1].SecretsInState = []string{"idplane_identity_universal_auth_client_secret.b"}
	if got := severity(m, "a", CodeOrgAdmin); got != api.SeverityHigh {
		t.Errorf("admin with universal auth: %q, want high", got)
	}
	if got := severity(m, "b", CodeOrgAdmin); got != api.SeverityMedium {
		t.Errorf("admin with OIDC only: %q, want medium", got)
	}
	if got := severity(m, "b", CodeClientSecretInState); got != api.SeverityMedium {
		t.Errorf("client secret in state: %q, want medium", got)
	}
}
