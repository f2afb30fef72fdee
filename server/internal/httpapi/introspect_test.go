package httpapi_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/idplane/idplane/server/api"
	"github.com/idplane/idplane/server/servertest"
)

// postIntrospect sends an introspection request with the checker's token,
// as a form (RFC 7662) or as JSON.
func postIntrospect(t *testing.T, srv *servertest.Server, bearer, contentType, body string) rawResponse {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, srv.URL+api.RouteIntrospectToken.Path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+bearer)
	req.Header.Set("Content-Type", contentType)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return rawResponse{status: res.StatusCode, header: res.Header, body: b}
}

const formType = "application/x-www-form-urlencoded"

func TestTokenIntrospection(t *testing.T) {
	backends(t, func(t *testing.T, srv *servertest.Server) {
		e := newDecisionEnv(t, srv)
		ctx := t.Context()
		checkerToken := e.login(t, must(e.checker.TokenSelf(ctx))(t).IdentityID, api.UniversalAuthInput{})

		w := e.member(t, "workload", "no-access", nil)
		ua := must(e.a.c.PutUniversalAuth(ctx, w.ID, 0, api.UniversalAuthInput{}))(t)
		cs := must(e.a.c.CreateClientSecret(ctx, w.ID, api.ClientSecretInput{Description: "introspect"}))(t)
		tok := must(e.a.c.Login(ctx, api.UniversalAuthLoginRequest{ClientID: ua.ClientID, ClientSecret: cs.ClientSecret}))(t).AccessToken
		self := must(srv.Client(t, api.WithToken(tok)).TokenSelf(ctx))(t)

		// Active: the same answer through the client (JSON), a form and raw JSON.
		want := api.TokenIntrospection{Active: true, Sub: w.ID, ClientID: ua.ClientID, TokenType: "Bearer",
			Exp: self.ExpiresAt.Unix(), Iat: self.IssuedAt.Unix(), Jti: self.TokenID, Org: self.OrganizationID,
			AuthMethod: "universal-auth", MaxExp: self.MaxExpiresAt.Unix()}
		got := must(e.checker.IntrospectToken(ctx, tok))(t)
		if got.Iss == "" {
			t.Errorf("introspection has no iss")
		}
		want.Iss = got.Iss
		if !introspectionEqual(*got, want) {
			t.Errorf("introspection\n%+v, want\n%+v", *got, want)
		}
		for _, req := range []struct{ contentType, body string }{
			{formType, url.Values{"token": {tok}, "token_type_hint": {"access_token"}}.Encode()},
			{"application/json", `{"token":"` + tok + `"}`},
		} {
			r := postIntrospect(t, srv, checkerToken, req.contentType, req.body)
			var ti api.TokenIntrospection
			if r.status != http.StatusOK || json.Unmarshal(r.body, &ti) != nil || !introspectionEqual(ti, want) {
				t.Errorf("%s: %d %s, want %+v", req.contentType, r.status, r.body, want)
			}
		}

		// Introspection does not use up a use-limited token; the uses do.
		limited := e.login(t, e.member(t, "limited", "no-access", nil).ID, api.UniversalAuthInput{
			TokenSettingsInput: api.TokenSettingsInput{AccessTokenNumUsesLimit: ptr(1)}})
		for range 3 {
			if ti := must(e.checker.IntrospectToken(ctx, limited))(t); !ti.Active || ti.UsesLimit != 1 {
				t.Fatalf("use-limited token: %+v, want active with uses_limit 1", ti)
			}
		}
		must(srv.Client(t, api.WithToken(limited)).TokenSelf(ctx))(t)

		// Inactive tokens answer {"active":false} and nothing else.
		short := e.login(t, e.member(t, "short", "no-access", nil).ID, api.UniversalAuthInput{
			TokenSettingsInput: api.TokenSettingsInput{AccessTokenTTL: ptr(1)}})
		expiresBy := time.Now().Add(2 * time.Second)
		revoked := e.login(t, e.member(t, "revoked", "no-access", nil).ID, api.UniversalAuthInput{})
		if err := e.a.c.RevokeToken(ctx, revoked); err != nil {
			t.Fatal(err)
		}
		other := otherTenant(t, srv, "introspect-other")
		time.Sleep(time.Until(expiresBy))
		for name, tk := range map[string]string{"revoked": revoked, "expired": short, "used up": limited,
			"another organization's": other.token, "garbage": "idp_garbage", "tampered": tok[:len(tok)-4] + "AAAA"} {
			r := postIntrospect(t, srv, checkerToken, formType, url.Values{"token": {tk}}.Encode())
			if r.status != http.StatusOK || string(r.body) != "{\"active\":false}\n" {
				t.Errorf("%s token: %d %q, want exactly {\"active\":false}", name, r.status, r.body)
			}
		}
		// Another organization's gateway sees this organization's token as inactive.
		if ti := must(other.c.IntrospectToken(ctx, tok))(t); ti.Active || ti.Sub != "" {
			t.Errorf("another organization introspects the token: %+v, want inactive", ti)
		}

		// Bad input names the field.
		for _, tc := range []struct{ contentType, body, field, msg string }{
			{formType, "", "token", "is required"},
			{formType, "token=a&token=b", "token", "more than once"},
			{formType, "token=a&client=x", "client", "is not a field"},
			{formType, "token=" + strings.Repeat("a", api.MaxAccessTokenLength+1), "token", "at most"},
			{"application/json", `{"token": 5}`, "token", "must be a string"},
		} {
			r := postIntrospect(t, srv, checkerToken, tc.contentType, tc.body)
			wantFieldError(t, r.problem(t, http.StatusBadRequest, api.CodeValidation), tc.field, tc.msg)
		}
	})
}

func introspectionEqual(a, b api.TokenIntrospection) bool { return reflect.DeepEqual(a, b) }

// A gateway's identity (authz check, token-introspection read) may ask and
// introspect, and nothing else; an identity that may read secrets may not
// ask about others.
func TestAuthzEndpointsAuthorization(t *testing.T) {
	srv := servertest.Start(t, servertest.Options{Backend: servertest.SQLite})
	e := newDecisionEnv(t, srv)
	ctx := t.Context()
	for name, call := range map[string]func() error{
		"list identities": func() error { _, err := e.checker.ListIdentities(ctx); return err },
		"create project": func() error {
			_, err := e.checker.CreateProject(ctx, api.ProjectInput{Name: "x", Slug: "x"})
			return err
		},
		"read the project": func() error {
			_, err := e.checker.GetProject(ctx, e.project.ID)
			return err
		},
		"list roles": func() error { _, err := e.checker.ListOrgRoles(ctx); return err },
	} {
		t.Run(name, func(t *testing.T) { wantProblem(t, call(), http.StatusForbidden, api.CodeForbidden) })
	}

	viewer := e.member(t, "viewer", "member", []api.MembershipRole{{RoleSlug: "viewer"}})
	vc := srv.Client(t, api.WithToken(e.login(t, viewer.ID, api.UniversalAuthInput{})))
	in := api.AuthzCheck{IdentityID: viewer.ID, Project: "shop", Environment: "prod", SecretPath: "/", Action: "read"}
	p := wantProblem(t, func() error { _, err := vc.CheckAuthz(ctx, in); return err }(), http.StatusForbidden, api.CodeForbidden)
	if !strings.Contains(p.Detail, "check on authz") {
		t.Errorf("refusal %q does not name the missing permission", p.Detail)
	}
	p = wantProblem(t, func() error { _, err := vc.IntrospectToken(ctx, "x"); return err }(), http.StatusForbidden, api.CodeForbidden)
	if !strings.Contains(p.Detail, "read on token-introspection") {
		t.Errorf("refusal %q does not name the missing permission", p.Detail)
	}
	if d := must(e.checker.CheckAuthz(ctx, in))(t); !d.Allowed || d.Role != "viewer" {
		t.Errorf("the gateway's check: %+v, want allowed by viewer", d)
	}
}

// Bad input is a 400 naming the field; an unknown project, environment or
// identity is a 404 naming which (and, in a batch, which check).
func TestAuthzCheckInputs(t *testing.T) {
	srv := servertest.Start(t, servertest.Options{Backend: servertest.SQLite})
	e := newDecisionEnv(t, srv)
	ctx := t.Context()
	id := e.member(t, "subject", "no-access", nil).ID
	ok := api.AuthzCheck{IdentityID: id, Project: "shop", Environment: "prod", SecretPath: "/db", Action: "read"}
	with := func(f func(*api.AuthzCheck)) api.AuthzCheck { c := ok; f(&c); return c }
	for _, tc := range []struct {
		in         api.AuthzCheck
		field, msg string
	}{
		{with(func(c *api.AuthzCheck) { c.IdentityID = "" }), "accessToken", "one of accessToken or identityId"},
		{with(func(c *api.AuthzCheck) { c.AccessToken = "t" }), "identityId", "not both"},
		{with(func(c *api.AuthzCheck) { c.IdentityID = "ci-deploy" }), "identityId", "UUID"},
		{with(func(c *api.AuthzCheck) { c.Project = "" }), "project", "required"},
		{with(func(c *api.AuthzCheck) { c.Project = "Shop!" }), "project", "slug"},
		{with(func(c *api.AuthzCheck) { c.Environment = "" }), "environment", "required"},
		{with(func(c *api.AuthzCheck) { c.Environment = "Prod" }), "environment", "not a valid slug"},
		{with(func(c *api.AuthzCheck) { c.SecretPath = "db" }), "secretPath", "absolute, clean"},
		{with(func(c *api.AuthzCheck) { c.SecretPath = "/db/../root" }), "secretPath", "absolute, clean"},
		{with(func(c *api.AuthzCheck) { c.SecretPath = "/db/" }), "secretPath", "no trailing"},
		{with(func(c *api.AuthzCheck) { c.SecretPath = "/db\x00" }), "secretPath", "control"},
		{with(func(c *api.AuthzCheck) { c.Action = "write" }), "action", "allowed: create, delete, describe, edit, read"},
		{with(func(c *api.AuthzCheck) { c.Subject = "environments" }), "subject", "allowed: secret-folders, secrets"},
		{with(func(c *api.AuthzCheck) { c.Subject = api.SubjectSecretFolders; c.Action = "describe" }), "action", "allowed: create, delete, edit, read"},
	} {
		_, err := e.checker.CheckAuthz(ctx, tc.in)
		wantFieldError(t, wantProblem(t, err, http.StatusBadRequest, api.CodeValidation), tc.field, tc.msg)
	}
	_, err := e.checker.CheckAuthzBatch(ctx, nil)
	wantFieldError(t, wantProblem(t, err, http.StatusBadRequest, api.CodeValidation), "checks", "at least one")
	many := make([]api.AuthzCheck, api.MaxAuthzBatch+1)
	for i := range many {
		many[i] = ok
	}
	_, err = e.checker.CheckAuthzBatch(ctx, many)
	wantFieldError(t, wantProblem(t, err, http.StatusBadRequest, api.CodeValidation), "checks", "at most 100")
	_, err = e.checker.CheckAuthzBatch(ctx, []api.AuthzCheck{ok, with(func(c *api.AuthzCheck) { c.Action = "write" })})
	wantFieldError(t, wantProblem(t, err, http.StatusBadRequest, api.CodeValidation), "checks[1].action", "unknown action")
	if l := must(e.checker.CheckAuthzBatch(ctx, many[:api.MaxAuthzBatch]))(t); len(l.Decisions) != api.MaxAuthzBatch {
		t.Errorf("%d decisions for %d checks", len(l.Decisions), api.MaxAuthzBatch)
	}

	other := otherTenant(t, srv, "inputs-other")
	otherProject := must(other.c.CreateProject(ctx, api.ProjectInput{Name: "Theirs", Slug: "theirs"}))(t)
	for _, tc := range []struct {
		in      api.AuthzCheck
		mention string
	}{
		{with(func(c *api.AuthzCheck) { c.Project = "nope" }), `project "nope"`},
		{with(func(c *api.AuthzCheck) { c.Project = otherProject.ID }), `project "` + otherProject.ID + `"`},
		{with(func(c *api.AuthzCheck) { c.Environment = "qa" }), `environment "qa" in project "shop"`},
		{with(func(c *api.AuthzCheck) { c.IdentityID = other.boot.IdentityID }), "identity " + other.boot.IdentityID},
	} {
		_, err := e.checker.CheckAuthz(ctx, tc.in)
		if p := wantProblem(t, err, http.StatusNotFound, api.CodeNotFound); !strings.Contains(p.Detail, tc.mention) {
			t.Errorf("404 %q does not mention %s", p.Detail, tc.mention)
		}
	}
	_, err = e.checker.CheckAuthzBatch(ctx, []api.AuthzCheck{ok, with(func(c *api.AuthzCheck) { c.Environment = "qa" })})
	if p := wantProblem(t, err, http.StatusNotFound, api.CodeNotFound); !strings.Contains(p.Detail, `checks[1] environment "qa"`) {
		t.Errorf("batch 404 %q does not name the check", p.Detail)
	}
	// By ID as well as by slug.
	if d := must(e.checker.CheckAuthz(ctx, with(func(c *api.AuthzCheck) { c.Project = e.project.ID })))(t); d.ProjectID != e.project.ID || d.Allowed {
		t.Errorf("by project ID: %+v, want a deny in %s", d, e.project.ID)
	}
}

// An OIDC login's claim metadata comes back in the introspection, so a
// gateway can tell which repository's workflow presents the token.
func TestTokenIntrospectionClaimMetadata(t *testing.T) {
	e := newSTEnv(t)
	ctx := t.Context()
	id := e.identity(t, "deployer")
	e.putOIDC(t, id, api.TokenBindings{ClaimMetadata: map[string]string{"repo": "repository"}})
	tok := e.loginToken(t, id, e.idp.Token("repo:acme/infra", nil, map[string]any{"repository": "acme/infra"}))
	ti := must(e.tn.c.IntrospectToken(ctx, tok))(t)
	if !ti.Active || ti.Sub != id || ti.AuthMethod != "oidc-auth" || ti.ClientID != "" || len(ti.Metadata) != 1 || ti.Metadata["repo"] != "acme/infra" {
		t.Errorf("introspection %+v, want the OIDC token's identity and metadata repo=acme/infra, no client_id", ti)
	}
}
