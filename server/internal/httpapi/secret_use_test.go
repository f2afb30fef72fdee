package httpapi_test

import (
	"bytes"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/idplane/idplane/server/api"
	"github.com/idplane/idplane/server/internal/identityaudit"
	"github.com/idplane/idplane/server/internal/store"
	"github.com/idplane/idplane/server/servertest"
)

// The live audit learns from use: ci-deploy may read payments' secrets
// under /payments/** in dev and prod and, in the last 90 days, read only
// under /payments/api in prod (its reads of /payments/web and of dev are
// older, moved back 100 days in the audit log); idle-writer may change every
// prod secret and did nothing; temp-reader holds ci-deploy's role through a
// temporary grant and did nothing. The audit says so with findings and the
// narrower rules the use suggests. A window of 120 days counts the older
// reads too, but judges nothing: the log's secret events start 100 days
// ago (as after audit retention or an upgrade). A caller that may not read
// the audit log gets no use section.
func TestLiveAuditJudgesGrantsByUse(t *testing.T) {
	backends(t, func(t *testing.T, srv *servertest.Server) {
		ctx := t.Context()
		admin := srv.Admin(t)
		now := time.Now().UTC()
		proj := must(admin.CreateProject(ctx, api.ProjectInput{Name: "Payments", Slug: "payments"}))(t)
		for i, env := range []string{"dev", "prod"} {
			must(admin.CreateEnvironment(ctx, proj.ID, api.EnvironmentInput{Name: env, Slug: env, Position: i}))(t)
		}
		for slug, rule := range map[string]api.PermissionRule{
			"deployer": {Subject: api.SubjectSecrets, Actions: []string{api.ActionDescribe, api.ActionRead},
				Conditions: &api.PermissionConditions{Environments: []string{"dev", "prod"}, SecretPaths: []string{"/payments/**"}}},
			"writer": {Subject: api.SubjectSecrets, Actions: []string{api.ActionCreate, api.ActionDelete, api.ActionEdit, api.ActionRead},
				Conditions: &api.PermissionConditions{Environments: []string{"prod"}}},
		} {
			must(admin.CreateProjectRole(ctx, proj.ID, api.RoleInput{Slug: slug, Name: slug, Permissions: []api.PermissionRule{rule}}))(t)
		}
		ids := map[string]string{}
		for name, grant := range map[string]api.MembershipRole{
			"ci-deploy":   {RoleSlug: "deployer"},
			"idle-writer": {RoleSlug: "writer"},
			"temp-reader": {RoleSlug: "deployer", TemporaryAccess: &api.TemporaryAccess{StartTime: now.AddDate(0, 0, -200), DurationSeconds: 300 * 24 * 3600}},
		} {
			id := must(admin.CreateIdentity(ctx, api.IdentityInput{Name: name, Role: "no-access"}))(t)
			must(admin.CreateMembership(ctx, proj.ID, id.ID, api.ProjectMembershipInput{Roles: []api.MembershipRole{grant}}))(t)
			ids[name] = id.ID
		}
		for _, s := range []struct{ env, path, key string }{
			{"prod", "/payments/api", "STRIPE_KEY"}, {"prod", "/payments/api/v2", "HOOK_SECRET"},
			{"prod", "/payments/web", "CDN_TOKEN"}, {"dev", "/payments/api", "STRIPE_KEY"},
		} {
			must(admin.CreateSecret(ctx, s.key, api.SecretCreate{WorkspaceID: proj.ID, Environment: s.env, SecretPath: s.path, SecretValue: "v"}))(t)
		}

		login := func(id string) *api.Client {
			t.Helper()
			ua := must(admin.PutUniversalAuth(ctx, id, 0, api.UniversalAuthInput{}))(t)
			cs := must(admin.CreateClientSecret(ctx, id, api.ClientSecretInput{Description: "use"}))(t)
			tok := must(admin.Login(ctx, api.UniversalAuthLoginRequest{ClientID: ua.ClientID, ClientSecret: cs.ClientSecret}))(t).AccessToken
			return srv.Client(t, api.WithToken(tok))
		}
		ci := login(ids["ci-deploy"])
		get := func(env, path, key string) {
			t.Helper()
			must(ci.GetSecret(ctx, key, api.SecretGetQuery{WorkspaceID: proj.ID, Environment: env, SecretPath: path}))(t)
		}
		// Reads moved out of the 90-day window below.
		get("prod", "/payments/web", "CDN_TOKEN")
		get("dev", "/payments/api", "STRIPE_KEY")
		db := srv.App.Store.DB.WithContext(ctx)
		if err := db.Model(&store.AuditEvent{}).Where("actor_id = ? AND action = ?", ids["ci-deploy"], "secret.read").
			Update("time", now.AddDate(0, 0, -100)).Error; err != nil {
			t.Fatal(err)
		}
		// Reads inside it: one secret, and a listing of a folder.
		get("prod", "/payments/api", "STRIPE_KEY")
		get("prod", "/payments/api", "STRIPE_KEY")
		if l := must(ci.ListSecrets(ctx, api.SecretListQuery{WorkspaceID: proj.ID, Environment: "prod", SecretPath: "/payments/api/v2"}))(t); len(l.Secrets) != 1 {
			t.Fatalf("listing /payments/api/v2: %+v", l.Secrets)
		}
		// A refused read is no use.
		if _, err := ci.GetSecret(ctx, "CDN_TOKEN", api.SecretGetQuery{WorkspaceID: proj.ID, Environment: "prod", SecretPath: "/"}); err == nil {
			t.Fatal("ci-deploy read a secret outside /payments/**")
		}
		// The identities and their memberships are older than any window here.
		old := now.AddDate(0, 0, -200)
		for _, id := range ids {
			if err := db.Model(&store.Identity{}).Where("id = ?", id).Update("created_at", old).Error; err != nil {
				t.Fatal(err)
			}
			if err := db.Model(&store.Membership{}).Where("identity_id = ?", id).Updates(map[string]any{"created_at": old, "updated_at": old}).Error; err != nil {
				t.Fatal(err)
			}
		}

		a := must(admin.IdentityAudit(ctx, api.IdentityAuditQuery{}))(t)
		if a.Use == nil || a.Use.Days != api.DefaultUnusedDays || a.Use.Until.Sub(a.Use.Since) != 90*24*time.Hour {
			t.Fatalf("use section %+v", a.Use)
		}
		uses := map[string]api.AuditGrantUse{}
		for _, u := range a.Use.Grants {
			if u.Project == "payments" {
				uses[u.Identity] = u
			}
		}
		c := uses["ci-deploy"]
		wantUsed := []api.AuditSecretUse{{Environment: "prod", SecretPath: "/payments/api", Action: api.ActionRead, Count: 2},
			{Environment: "prod", SecretPath: "/payments/api/v2", Action: api.ActionRead, Count: 1}}
		if len(c.Used) != len(wantUsed) {
			t.Fatalf("ci-deploy used %+v, want %+v (the older reads outside the window)", c.Used, wantUsed)
		}
		for i, w := range wantUsed {
			got := c.Used[i]
			if got.Environment != w.Environment || got.SecretPath != w.SecretPath || got.Action != w.Action || got.Count != w.Count ||
				got.LastAt.Before(now.Add(-time.Minute)) {
				t.Errorf("ci-deploy used[%d] = %+v, want %+v, last within the minute", i, got, w)
			}
		}
		wantRule(t, "ci-deploy", c.Suggested, []api.PermissionRule{secretRule([]string{"read"}, []string{"prod"}, []string{"/payments/api", "/payments/api/**"})})
		if !c.Judged || c.Finding != identityaudit.CodeGrantBroaderThanUse {
			t.Errorf("ci-deploy: judged %t, finding %q", c.Judged, c.Finding)
		}
		f := auditFinding(a, "ci-deploy")
		if f == nil || f.Code != identityaudit.CodeGrantBroaderThanUse || f.Severity != api.SeverityLow ||
			!strings.Contains(f.Detail, "may read in dev, prod at /payments/** but in 90 days used only read in prod at /payments/api, /payments/api/**") {
			t.Errorf("ci-deploy's finding %+v", f)
		}
		if f := auditFinding(a, "idle-writer"); f == nil || f.Code != identityaudit.CodeGrantUnused || f.Severity != api.SeverityHigh ||
			len(uses["idle-writer"].Suggested) != 0 {
			t.Errorf("idle-writer: %+v, suggested %+v; want a high %s", f, uses["idle-writer"].Suggested, identityaudit.CodeGrantUnused)
		}
		if f := auditFinding(a, "temp-reader"); f == nil || f.Code != identityaudit.CodeGrantUnused || f.Severity != api.SeverityLow ||
			!strings.Contains(f.Detail, "(temporary, until ") {
			t.Errorf("temp-reader: %+v; want a low %s naming its window", f, identityaudit.CodeGrantUnused)
		}
		// The bootstrapped admin is newer than the window: shown, not judged.
		if f := auditFinding(a, "admin"); f != nil {
			t.Errorf("the new admin judged: %+v", f)
		}
		var text, md bytes.Buffer
		if err := identityaudit.WriteText(&text, a, nil); err != nil {
			t.Fatal(err)
		}
		if err := identityaudit.WriteMarkdown(&md, a); err != nil {
			t.Fatal(err)
		}
		for _, want := range []string{"Secret use (90 days, ", "  ci-deploy in payments  [grant-broader-than-use]",
			"used:      read in prod at /payments/api: 2, last ", "suggested: read in prod at /payments/api, /payments/api/**"} {
			if !strings.Contains(text.String(), want) {
				t.Errorf("text audit lacks %q:\n%s", want, text.String())
			}
		}
		if want := "- `ci-deploy` in payments (`grant-broader-than-use`)"; !strings.Contains(md.String(), want) {
			t.Errorf("markdown audit lacks %q:\n%s", want, md.String())
		}

		if a.Use.LogStart == nil || !a.Use.LogStart.Before(a.Use.Since) {
			t.Errorf("the log's secret events start at %v, want 100 days ago, before the window", a.Use.LogStart)
		}

		// 120 days: the older reads count, dev and /payments/web with them;
		// but the log's secret events start 100 days ago, so nothing is
		// judged, and the outputs say why.
		a = must(admin.IdentityAudit(ctx, api.IdentityAuditQuery{UnusedDays: 120}))(t)
		for _, u := range a.Use.Grants {
			if u.Identity == "ci-deploy" {
				c = u
			}
		}
		if a.Use.Days != 120 || len(c.Used) != 4 || c.Judged {
			t.Errorf("120 days: %d days, ci-deploy judged %t, used %+v", a.Use.Days, c.Judged, c.Used)
		}
		for _, name := range []string{"ci-deploy", "idle-writer", "temp-reader"} {
			if f := auditFinding(a, name); f != nil {
				t.Errorf("120 days, the log covering 100: %+v", f)
			}
		}
		text.Reset()
		if err := identityaudit.WriteText(&text, a, nil); err != nil {
			t.Fatal(err)
		}
		if want := "after the window's start (audit retention, or secrets newer than 120 days): no grant is judged"; !strings.Contains(text.String(), want) {
			t.Errorf("text audit lacks %q:\n%s", want, text.String())
		}

		// A caller that reads identities and roles but not the audit log
		// (org role member) gets the audit without its use, and is told why.
		member := must(admin.CreateIdentity(ctx, api.IdentityInput{Name: "reviewer", Role: "member"}))(t)
		a = must(login(member.ID).IdentityAudit(ctx, api.IdentityAuditQuery{}))(t)
		if a.Use != nil || auditFinding(a, "ci-deploy") != nil || auditFinding(a, "idle-writer") != nil {
			t.Errorf("an audit for a caller who may not read the audit log: use %+v, findings %+v", a.Use, a.Findings)
		}
		text.Reset()
		if err := identityaudit.WriteText(&text, a, nil); err != nil {
			t.Fatal(err)
		}
		if want := "reads the audit log, which the caller may not read (audit-logs read)"; !strings.Contains(text.String(), want) {
			t.Errorf("text audit lacks %q:\n%s", want, text.String())
		}
		wantRule(t, "ci-deploy over 120 days", c.Suggested, []api.PermissionRule{
			secretRule([]string{"read"}, []string{"dev"}, []string{"/payments/api"}),
			secretRule([]string{"read"}, []string{"prod"}, []string{"/payments/api", "/payments/api/**", "/payments/web"})})
	})
}

func secretRule(actions, envs, paths []string) api.PermissionRule {
	return api.PermissionRule{Subject: api.SubjectSecrets, Actions: actions,
		Conditions: &api.PermissionConditions{Environments: envs, SecretPaths: paths}}
}

func wantRule(t *testing.T, who string, got, want []api.PermissionRule) {
	t.Helper()
	if !slices.EqualFunc(got, want, func(x, y api.PermissionRule) bool {
		return x.Subject == y.Subject && x.Inverted == y.Inverted && slices.Equal(x.Actions, y.Actions) && x.Conditions != nil &&
			slices.Equal(x.Conditions.Environments, y.Conditions.Environments) && slices.Equal(x.Conditions.SecretPaths, y.Conditions.SecretPaths)
	}) {
		t.Errorf("%s: suggested %+v, want %+v", who, got, want)
	}
}

// auditFinding is the identity's finding drawn from use, if any.
func auditFinding(a *api.IdentityAudit, identity string) *api.AuditFinding {
	for i, f := range a.Findings {
		if f.Identity == identity && (f.Code == identityaudit.CodeGrantUnused || f.Code == identityaudit.CodeGrantBroaderThanUse) {
			return &a.Findings[i]
		}
	}
	return nil
}
