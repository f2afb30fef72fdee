package httpapi_test

import (
	"maps"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/idplane/idplane/server/api"
	"github.com/idplane/idplane/server/servertest"
)

// viewSecretValue=false (Infisical's parameter) answers keys, versions and
// comments without values, authorized by describe instead of read, and is
// audited as secret.describe; describe alone never reveals a value.
func TestSecretsWithoutValues(t *testing.T) {
	backends(t, func(t *testing.T, srv *servertest.Server) {
		e := newSecretsEnv(t, srv)
		ctx := t.Context()
		must(e.create(t, e.admin, "dev", "/app/cfg", "TOKEN", "s3cret-token"))(t)
		must(e.admin.CreateProjectRole(ctx, e.project.ID, api.RoleInput{Slug: "app-describer", Name: "app-describer",
			Permissions: []api.PermissionRule{{Subject: api.SubjectSecrets, Actions: []string{api.ActionDescribe},
				Conditions: &api.PermissionConditions{SecretPaths: []string{"/app/**"}}}}}))(t)
		describer := e.member(t, "describer", "no-access", []api.MembershipRole{{RoleSlug: "app-describer"}})
		dc := srv.Client(t, api.WithToken(e.login(t, describer.ID, api.UniversalAuthInput{})))
		// app-writer reads, edits and creates at dev:/app/*, and describes nothing.
		writer := e.member(t, "writer", "no-access", []api.MembershipRole{{RoleSlug: "app-writer"}})
		wc := srv.Client(t, api.WithToken(e.login(t, writer.ID, api.UniversalAuthInput{})))

		values := api.SecretGetQuery{WorkspaceID: e.project.ID, Environment: "dev", SecretPath: "/app/cfg"}
		meta := values
		meta.WithoutValues = true
		hidden := func(what string, s api.Secret) {
			t.Helper()
			if s.SecretKey != "TOKEN" || s.Version != 1 || s.SecretValue != "" || !s.SecretValueHidden {
				t.Errorf("%s: %+v, want TOKEN at version 1 without its value", what, s)
			}
		}
		hidden("retrieve", *must(dc.GetSecret(ctx, "TOKEN", meta))(t))
		for _, q := range []api.SecretListQuery{
			{WorkspaceID: e.project.ID, Environment: "dev", SecretPath: "/app/cfg", WithoutValues: true},
			{WorkspaceID: e.project.ID, Environment: "dev", Recursive: true, WithoutValues: true},
		} {
			l := must(dc.ListSecrets(ctx, q))(t)
			if len(l.Secrets) != 1 {
				t.Fatalf("list %+v: %+v", q, l.Secrets)
			}
			hidden("list", l.Secrets[0])
		}

		_, err := dc.GetSecret(ctx, "TOKEN", values)
		if p := wantProblem(t, err, http.StatusForbidden, api.CodeForbidden); !strings.Contains(p.Detail, "no rule grants read on secrets at dev:/app/cfg") {
			t.Errorf("the describer read a value: %s", p.Detail)
		}
		if s := must(wc.GetSecret(ctx, "TOKEN", values))(t); s.SecretValue != "s3cret-token" || s.SecretValueHidden {
			t.Errorf("the writer's read: %+v", s)
		}
		_, err = wc.GetSecret(ctx, "TOKEN", meta)
		if p := wantProblem(t, err, http.StatusForbidden, api.CodeForbidden); !strings.Contains(p.Detail, "no rule grants describe on secrets at dev:/app/cfg") {
			t.Errorf("the writer described: %s", p.Detail)
		}

		bad := e.a.raw(t, http.MethodGet, "/api/v3/secrets/raw/TOKEN?workspaceId="+e.project.ID+"&environment=dev&secretPath=/app/cfg&viewSecretValue=maybe", "", "")
		wantFieldError(t, bad.problem(t, http.StatusBadRequest, api.CodeValidation), "viewSecretValue", "must be true or false")

		var got []string
		for _, ev := range e.secretEvents(t) {
			if ev.Actor.ID == describer.ID || ev.Actor.ID == writer.ID {
				who := map[bool]string{true: "describer", false: "writer"}[ev.Actor.ID == describer.ID]
				got = append(got, who+" "+ev.Action+" "+ev.Outcome)
			}
			if strings.Contains(ev.Reason+strings.Join(slices.Collect(maps.Values(ev.Metadata)), " "), "s3cret") {
				t.Errorf("an audit event holds the value: %+v", ev)
			}
		}
		slices.Sort(got)
		want := []string{"describer secret.describe success", "describer secret.describe success", "describer secret.describe success",
			"describer secret.read failure", "writer secret.describe failure", "writer secret.read success"}
		if !slices.Equal(got, want) {
			t.Errorf("audit events %v, want %v", got, want)
		}
	})
}
