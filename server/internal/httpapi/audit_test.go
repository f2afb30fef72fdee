package httpapi_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/idplane/idplane/server/api"
	"github.com/idplane/idplane/server/servertest"
)

// auditPages pages through the audit events matching query with limit 2,
// following nextCursor until it is empty. It returns the events and the raw
// JSON of every page.
func auditPages(t *testing.T, tn *tenant, query url.Values) ([]api.AuditEvent, []string) {
	t.Helper()
	var (
		events []api.AuditEvent
		pages  []string
		cursor string
	)
	for range 1000 {
		q := url.Values{}
		for k, v := range query {
			q[k] = v
		}
		q.Set("limit", "2")
		if cursor != "" {
			q.Set("cursor", cursor)
		}
		r := tn.raw(t, "GET", "/api/v1/audit-events?"+q.Encode(), "", "")
		if r.status != http.StatusOK {
			t.Fatalf("audit page: status %d: %s", r.status, r.body)
		}
		var page api.AuditEventList
		if err := json.Unmarshal(r.body, &page); err != nil {
			t.Fatal(err)
		}
		if len(page.Events) > 2 {
			t.Fatalf("page of %d events with limit 2", len(page.Events))
		}
		if page.NextCursor != "" && len(page.Events) != 2 {
			t.Fatalf("page of %d events has a next cursor", len(page.Events))
		}
		events = append(events, page.Events...)
		pages = append(pages, string(r.body))
		if cursor = page.NextCursor; cursor == "" {
			return events, pages
		}
	}
	t.Fatal("nextCursor never ran out")
	return nil, nil
}

func findEvent(events []api.AuditEvent, action, actorID, targetID, outcome string) *api.AuditEvent {
	for i, e := range events {
		if e.Action == action && e.Actor.ID == actorID && e.Target.ID == targetID && e.Outcome == outcome {
			return &events[i]
		}
	}
	return nil
}

func TestAuditEventsContract(t *testing.T) {
	backends(t, func(t *testing.T, srv *servertest.Server) {
		ctx := t.Context()
		a := firstTenant(t, srv)
		c := a.c
		admin := a.boot.IdentityID

		// every kind of change, and logins, successful and not
		proj := must(c.CreateProject(ctx, api.ProjectInput{Name: "Audited", Slug: "audited"}))(t)
		must(c.UpdateProject(ctx, proj.ID, 0, api.ProjectInput{Name: "Audited!", Slug: "audited"}))(t)
		env := must(c.CreateEnvironment(ctx, proj.ID, api.EnvironmentInput{Name: "Dev", Slug: "dev"}))(t)
		must(c.UpdateEnvironment(ctx, proj.ID, "dev", 0, api.EnvironmentInput{Name: "Development", Slug: "dev"}))(t)
		if err := c.DeleteEnvironment(ctx, proj.ID, "dev", 0); err != nil {
			t.Fatal(err)
		}
		ident := must(c.CreateIdentity(ctx, api.IdentityInput{Name: "svc", Role: "member"}))(t)
		must(c.UpdateIdentity(ctx, ident.ID, 0, api.IdentityInput{Name: "svc", Role: "member", Description: "audited"}))(t)
		ua := must(c.PutUniversalAuth(ctx, ident.ID, 0, api.UniversalAuthInput{}))(t)
		must(c.PatchUniversalAuth(ctx, ident.ID, 0, api.UniversalAuthInput{TokenSettingsInput: api.TokenSettingsInput{AccessTokenTTL: ptr(600)}}))(t)
		cs := must(c.CreateClientSecret(ctx, ident.ID, api.ClientSecretInput{Description: "audit"}))(t)
		login := must(srv.Client(t).Login(ctx, api.UniversalAuthLoginRequest{ClientID: ua.ClientID, ClientSecret: cs.ClientSecret}))(t)
		wrongSecret := cs.ClientSecret[:len(cs.ClientSecret)-4] + "AAAA"
		if wrongSecret == cs.ClientSecret {
			wrongSecret = cs.ClientSecret[:len(cs.ClientSecret)-4] + "BBBB"
		}
		_, err := srv.Client(t).Login(ctx, api.UniversalAuthLoginRequest{ClientID: ua.ClientID, ClientSecret: wrongSecret})
		wantProblem(t, err, http.StatusUnauthorized, api.CodeLoginFailed)
		renewed := must(srv.Client(t).RenewToken(ctx, login.AccessToken))(t)
		as := srv.Client(t, api.WithToken(renewed.AccessToken))
		_, err = as.ListAuditEvents(ctx, api.AuditEventFilter{})
		wantProblem(t, err, http.StatusForbidden, api.CodeForbidden) // the member role does not read audit logs
		if err := srv.Client(t).RevokeToken(ctx, renewed.AccessToken); err != nil {
			t.Fatalf("revoke token: %v", err)
		}
		role := must(c.CreateProjectRole(ctx, proj.ID, api.RoleInput{Slug: "reader", Name: "Reader"}))(t)
		must(c.UpdateProjectRole(ctx, proj.ID, role.ID, 0, api.RoleInput{Slug: "reader", Name: "Readers"}))(t)
		must(c.CreateMembership(ctx, proj.ID, ident.ID, api.ProjectMembershipInput{Roles: []api.MembershipRole{{RoleSlug: "reader"}}}))(t)
		must(c.UpdateMembership(ctx, proj.ID, ident.ID, 0, api.ProjectMembershipInput{Roles: []api.MembershipRole{{RoleSlug: "viewer"}}}))(t)
		if err := c.DeleteMembership(ctx, proj.ID, ident.ID, 0); err != nil {
			t.Fatal(err)
		}
		if err := c.DeleteProjectRole(ctx, proj.ID, role.ID, 0); err != nil {
			t.Fatal(err)
		}
		if err := c.RevokeClientSecret(ctx, ident.ID, cs.ClientSecretData.ID); err != nil {
			t.Fatal(err)
		}
		if err := c.DeleteUniversalAuth(ctx, ident.ID, 0); err != nil {
			t.Fatal(err)
		}
		if err := c.DeleteIdentity(ctx, ident.ID, 0); err != nil {
			t.Fatal(err)
		}
		if err := c.DeleteProject(ctx, proj.ID, 0); err != nil {
			t.Fatal(err)
		}

		// every event, two at a time, newest first, no duplicates
		all, pages := auditPages(t, a, nil)
		seen := map[string]bool{}
		for i, e := range all {
			if seen[e.ID] {
				t.Errorf("event %s appears twice", e.ID)
			}
			seen[e.ID] = true
			if e.OrganizationID != a.boot.OrganizationID {
				t.Errorf("event %+v belongs to another organization", e)
			}
			if i > 0 {
				prev, _ := strconv.ParseInt(all[i-1].ID, 10, 64)
				cur, _ := strconv.ParseInt(e.ID, 10, 64)
				if cur >= prev || e.Time.After(all[i-1].Time) {
					t.Errorf("event %s (%s) follows %s (%s): want newest first", e.ID, e.Time, all[i-1].ID, all[i-1].Time)
				}
			}
		}
		unpaged := must(c.ListAuditEvents(ctx, api.AuditEventFilter{Limit: 1000}))(t)
		if unpaged.NextCursor != "" || len(unpaged.Events) != len(all) {
			t.Fatalf("one page holds %d events (next %q), paging found %d", len(unpaged.Events), unpaged.NextCursor, len(all))
		}
		for i := range all {
			if unpaged.Events[i].ID != all[i].ID {
				t.Fatalf("paged order differs from one page at %d: %s vs %s", i, all[i].ID, unpaged.Events[i].ID)
			}
		}

		// each change and login, with actor, action, target and outcome
		for _, w := range []struct{ action, actor, target, outcome string }{
			{"organization.bootstrap", "", admin, api.OutcomeSuccess},
			{"login.universal-auth", admin, admin, api.OutcomeSuccess},
			{"project.create", admin, proj.ID, api.OutcomeSuccess},
			{"project.update", admin, proj.ID, api.OutcomeSuccess},
			{"environment.create", admin, env.ID, api.OutcomeSuccess},
			{"environment.update", admin, env.ID, api.OutcomeSuccess},
			{"environment.delete", admin, env.ID, api.OutcomeSuccess},
			{"identity.create", admin, ident.ID, api.OutcomeSuccess},
			{"identity.update", admin, ident.ID, api.OutcomeSuccess},
			{"universal-auth.attach", admin, ident.ID, api.OutcomeSuccess},
			{"universal-auth.update", admin, ident.ID, api.OutcomeSuccess},
			{"client-secret.create", admin, cs.ClientSecretData.ID, api.OutcomeSuccess},
			{"login.universal-auth", ident.ID, ident.ID, api.OutcomeSuccess},
			{"login.universal-auth", "", ident.ID, api.OutcomeFailure},
			{"token.renew", ident.ID, "", api.OutcomeSuccess},
			{"token.revoke", ident.ID, "", api.OutcomeSuccess},
			{"role.create", admin, role.ID, api.OutcomeSuccess},
			{"role.update", admin, role.ID, api.OutcomeSuccess},
			{"membership.create", admin, ident.ID, api.OutcomeSuccess},
			{"membership.update", admin, ident.ID, api.OutcomeSuccess},
			{"membership.delete", admin, ident.ID, api.OutcomeSuccess},
			{"role.delete", admin, role.ID, api.OutcomeSuccess},
			{"client-secret.revoke", admin, cs.ClientSecretData.ID, api.OutcomeSuccess},
			{"universal-auth.detach", admin, ident.ID, api.OutcomeSuccess},
			{"identity.delete", admin, ident.ID, api.OutcomeSuccess},
			{"project.delete", admin, proj.ID, api.OutcomeSuccess},
		} {
			target := w.target
			if strings.HasPrefix(w.action, "token.") {
				// the target is the token's ID, which the login event records
				if e := findEvent(all, "login.universal-auth", ident.ID, ident.ID, api.OutcomeSuccess); e != nil {
					target = e.Metadata["tokenId"]
				}
			}
			e := findEvent(all, w.action, w.actor, target, w.outcome)
			if e == nil {
				t.Errorf("no %s event by %q on %q with outcome %s", w.action, w.actor, target, w.outcome)
				continue
			}
			if e.Actor.Type == "" || e.Target.Type == "" || e.Time.IsZero() {
				t.Errorf("event %+v lacks actor type, target type or time", e)
			}
			if w.action != "organization.bootstrap" && e.SourceIP != "127.0.0.1" {
				t.Errorf("event %s has source IP %q, want 127.0.0.1", w.action, e.SourceIP)
			}
		}
		if e := findEvent(all, "login.universal-auth", "", ident.ID, api.OutcomeFailure); e != nil && (e.Actor.Type != "anonymous" || e.Reason == "") {
			t.Errorf("failed login event %+v, want an anonymous actor and a reason", e)
		}

		// no secret value and no access token anywhere in any event
		secrets := map[string]string{
			"bootstrap client secret": a.boot.ClientSecret, "client secret": cs.ClientSecret, "wrong client secret": wrongSecret,
			"admin access token": a.token, "identity access token": login.AccessToken, "renewed access token": renewed.AccessToken,
		}
		for _, page := range pages {
			for name, s := range secrets {
				if strings.Contains(page, s) {
					t.Errorf("an audit page holds the %s: %s", name, page)
				}
			}
		}

		// filters, alone and together, also paged
		filtered := func(q url.Values) []api.AuditEvent { t.Helper(); ev, _ := auditPages(t, a, q); return ev }
		if ev := filtered(url.Values{"action": {"project.create"}}); len(ev) != 1 || ev[0].Target.ID != proj.ID {
			t.Errorf("action=project.create gives %+v, want the one project creation", ev)
		}
		byIdent := filtered(url.Values{"actorId": {ident.ID}})
		if len(byIdent) != 3 {
			t.Errorf("actorId=%s gives %d events, want its login, token renewal and token revocation", ident.ID, len(byIdent))
		}
		for _, e := range byIdent {
			if e.Actor.ID != ident.ID {
				t.Errorf("actorId filter returned %+v", e)
			}
		}
		failures := filtered(url.Values{"outcome": {"failure"}})
		if len(failures) != 1 || failures[0].Action != "login.universal-auth" || failures[0].Target.ID != ident.ID {
			t.Errorf("outcome=failure gives %+v, want the failed login", failures)
		}
		logins := filtered(url.Values{"action": {"login.universal-auth"}, "outcome": {"success"}})
		if len(logins) != 2 {
			t.Errorf("successful logins: %d events, want 2 (admin and svc)", len(logins))
		}
		if ev := filtered(url.Values{"action": {"project.create"}, "actorId": {ident.ID}}); len(ev) != 0 {
			t.Errorf("project.create by svc gives %+v, want none", ev)
		}
		if ev := filtered(url.Values{"targetId": {cs.ClientSecretData.ID}}); len(ev) != 2 {
			t.Errorf("targetId=<client secret> gives %d events, want its creation and revocation", len(ev))
		}

		// bad filters name the parameter
		for q, field := range map[string]string{"outcome=maybe": "outcome", "cursor=!!": "cursor", "limit=5000": "limit", "limit=two": "limit", "since=yesterday": "since"} {
			p := a.raw(t, "GET", "/api/v1/audit-events?"+q, "", "").problem(t, http.StatusBadRequest, api.CodeValidation)
			wantFieldError(t, p, field)
		}

		// another organization sees only its own events
		b := otherTenant(t, srv, "tenant-b")
		theirs, _ := auditPages(t, b, nil)
		if len(theirs) != 2 {
			t.Errorf("B has %d events, want its bootstrap and its admin's login", len(theirs))
		}
		for _, e := range theirs {
			if e.OrganizationID != b.boot.OrganizationID || seen[e.ID] {
				t.Errorf("B sees event %+v", e)
			}
		}
		if ev := filtered(url.Values{"actorId": {b.boot.IdentityID}}); len(ev) != 0 {
			t.Errorf("A sees B's events: %+v", ev)
		}
	})
}
