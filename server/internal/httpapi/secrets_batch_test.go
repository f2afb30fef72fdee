package httpapi_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/idplane/idplane/server/api"
	"github.com/idplane/idplane/server/servertest"
)

// secretState is a secret's version and value as the admin reads it, or
// version 0 when it does not exist.
func (e *secretsEnv) state(t *testing.T, env, path, key string) (int64, string) {
	t.Helper()
	s, err := e.get(t, e.admin, env, path, key, 0)
	if api.IsStatus(err, http.StatusNotFound) {
		return 0, ""
	}
	return must(s, err)(t).Version, s.SecretValue
}

// A batch update changes every secret or none: values, comments, keys
// (newSecretName), at the batch's path or an item's own; upsert creates
// what is missing. Whatever refuses one item (a missing key, a refused
// path, a collision, bad input) names the item and leaves every secret as
// it was; each change is audited like a single update.
func TestSecretsBatchUpdate(t *testing.T) {
	backends(t, func(t *testing.T, srv *servertest.Server) {
		e := newSecretsEnv(t, srv)
		ctx := t.Context()
		c := e.admin
		for _, s := range []struct{ path, key string }{{"/app/a", "A"}, {"/app/a", "B"}, {"/app/b", "C"}, {"/db", "D"}} {
			must(e.create(t, c, "dev", s.path, s.key, "v1-"+s.key))(t)
		}
		batch := func(mode string, items ...api.SecretBatchUpdateItem) api.SecretBatchUpdate {
			return api.SecretBatchUpdate{WorkspaceID: e.project.ID, Environment: "dev", SecretPath: "/app/a", Mode: mode, Secrets: items}
		}
		// unchanged asserts that the fixture's secrets are all still at version 1.
		unchanged := func(t *testing.T, what string) {
			t.Helper()
			for _, s := range []struct{ path, key string }{{"/app/a", "A"}, {"/app/a", "B"}, {"/app/b", "C"}, {"/db", "D"}} {
				if v, val := e.state(t, "dev", s.path, s.key); v != 1 || val != "v1-"+s.key {
					t.Errorf("after %s: %s%s is at version %d (%q), want 1", what, s.path, s.key, v, val)
				}
			}
		}

		// Refusals first: nothing is written by any of them.
		_, err := c.UpdateSecrets(ctx, batch("", api.SecretBatchUpdateItem{SecretKey: "A", SecretValue: ptr("x")},
			api.SecretBatchUpdateItem{SecretKey: "NOPE", SecretValue: ptr("x")}))
		if p := wantProblem(t, err, http.StatusNotFound, api.CodeNotFound); !strings.Contains(p.Detail, `secrets[1]: secret "NOPE" at dev:/app/a`) {
			t.Errorf("missing key: %s", p.Detail)
		}
		_, err = c.UpdateSecrets(ctx, batch("", api.SecretBatchUpdateItem{SecretKey: "C", SecretPath: "/app/b", SecretValue: ptr("x")},
			api.SecretBatchUpdateItem{SecretKey: "B", NewSecretName: "A"}))
		if p := wantProblem(t, err, http.StatusConflict, api.CodeConflict); !strings.Contains(p.Detail, `secrets[1]: secret "A" already exists at dev:/app/a`) {
			t.Errorf("rename onto an existing key: %s", p.Detail)
		}
		_, err = c.UpdateSecrets(ctx, batch(api.SecretBatchUpsert, api.SecretBatchUpdateItem{SecretKey: "A", SecretValue: ptr("x")},
			api.SecretBatchUpdateItem{SecretKey: "NEW", SecretComment: ptr("no value")}))
		wantFieldError(t, wantProblem(t, err, http.StatusBadRequest, api.CodeValidation), "secrets[1].secretValue", `is required to create "NEW"`)
		_, err = c.UpdateSecrets(ctx, batch("", api.SecretBatchUpdateItem{SecretKey: "A", SecretValue: ptr("x")},
			api.SecretBatchUpdateItem{SecretKey: "B", SecretValue: ptr(strings.Repeat("x", api.MaxSecretValueBytes+1))}))
		if p := wantProblem(t, err, http.StatusRequestEntityTooLarge, api.CodeValidation); !strings.Contains(p.Detail, "secrets[1].secretValue is 1048577 bytes") {
			t.Errorf("too large: %s", p.Detail)
		}
		for _, bad := range []struct {
			in           api.SecretBatchUpdate
			field, words string
		}{
			{batch("", api.SecretBatchUpdateItem{SecretKey: "A", SecretValue: ptr("x")}, api.SecretBatchUpdateItem{SecretKey: "9B", SecretValue: ptr("x")}),
				"secrets[1].secretKey", "must start with a letter or underscore"},
			{batch("", api.SecretBatchUpdateItem{SecretKey: "A", NewSecretName: "has space"}), "secrets[0].newSecretName", "must start with a letter"},
			{batch("", api.SecretBatchUpdateItem{SecretKey: "A", SecretValue: ptr("x")}, api.SecretBatchUpdateItem{SecretKey: "A", SecretComment: ptr("y")}),
				"secrets[1].secretKey", `"A" at /app/a is named more than once`},
			{batch("", api.SecretBatchUpdateItem{SecretKey: "A", NewSecretName: "B"}, api.SecretBatchUpdateItem{SecretKey: "B", SecretValue: ptr("y")}),
				"secrets[0].newSecretName", `"B" at /app/a is named more than once`},
			{batch("", api.SecretBatchUpdateItem{SecretKey: "A"}), "secrets[0].secretValue", "nothing to change"},
			{batch("", api.SecretBatchUpdateItem{SecretKey: "A", SecretValue: ptr("x"), SecretPath: "app"}), "secrets[0].secretPath", "absolute, clean path"},
			{batch("", api.SecretBatchUpdateItem{SecretKey: "A", SecretValue: ptr("x"), TagIDs: []string{"t"}}), "secrets[0].tagIds", "not supported"},
			{batch("", api.SecretBatchUpdateItem{SecretKey: "A", SecretValue: ptr("x"), SecretReminderNote: "rotate"}), "secrets[0].secretReminderNote", "not supported"},
			{batch("overwrite", api.SecretBatchUpdateItem{SecretKey: "A", SecretValue: ptr("x")}), "mode", `"failOnNotFound" (the default) or "upsert"`},
			{batch(""), "secrets", "1 to 100"},
			{api.SecretBatchUpdate{WorkspaceSlug: "shop", ProjectSlug: "other", Environment: "dev", Secrets: []api.SecretBatchUpdateItem{{SecretKey: "A", SecretValue: ptr("x")}}},
				"projectSlug", `differs from workspaceSlug "shop"`},
		} {
			_, err := c.UpdateSecrets(ctx, bad.in)
			wantFieldError(t, wantProblem(t, err, http.StatusBadRequest, api.CodeValidation), bad.field, bad.words)
		}
		_, err = c.UpdateSecrets(ctx, api.SecretBatchUpdate{ProjectSlug: "nope", Environment: "dev", Secrets: []api.SecretBatchUpdateItem{{SecretKey: "A", SecretValue: ptr("x")}}})
		if p := wantProblem(t, err, http.StatusNotFound, api.CodeNotFound); !strings.Contains(p.Detail, `project "nope"`) {
			t.Errorf("unknown project: %s", p.Detail)
		}
		_, err = c.UpdateSecrets(ctx, api.SecretBatchUpdate{ProjectSlug: "shop", Environment: "qa", Secrets: []api.SecretBatchUpdateItem{{SecretKey: "A", SecretValue: ptr("x")}}})
		if p := wantProblem(t, err, http.StatusNotFound, api.CodeNotFound); !strings.Contains(p.Detail, `environment "qa" in project "shop"`) {
			t.Errorf("unknown environment: %s", p.Detail)
		}

		// The writer edits and creates under /app/* in dev, nothing at /db:
		// the item at /db is refused, with the decision's reason, before
		// anything is looked up or written; upsert needs create as well.
		writer := e.member(t, "writer", "no-access", []api.MembershipRole{{RoleSlug: "app-writer"}})
		wc := srv.Client(t, api.WithToken(e.login(t, writer.ID, api.UniversalAuthInput{})))
		_, err = wc.UpdateSecrets(ctx, batch("", api.SecretBatchUpdateItem{SecretKey: "A", SecretValue: ptr("x")},
			api.SecretBatchUpdateItem{SecretKey: "D", SecretPath: "/db", SecretValue: ptr("x")}))
		if p := wantProblem(t, err, http.StatusForbidden, api.CodeForbidden); !strings.Contains(p.Detail, `secrets[1] ("D"): no rule grants edit on secrets at dev:/db`) {
			t.Errorf("refused item: %s", p.Detail)
		}
		_, err = wc.UpdateSecrets(ctx, batch("", api.SecretBatchUpdateItem{SecretKey: "NOT_THERE", SecretPath: "/db", SecretValue: ptr("x")}))
		wantProblem(t, err, http.StatusForbidden, api.CodeForbidden) // not a 404: a refused caller learns nothing
		unchanged(t, "refused batches")

		// Accepted: a value, a comment, a rename at another path, and (upsert) a new key.
		b := must(wc.UpdateSecrets(ctx, batch(api.SecretBatchUpsert,
			api.SecretBatchUpdateItem{SecretKey: "A", SecretValue: ptr("v2-A")},
			api.SecretBatchUpdateItem{SecretKey: "B", SecretComment: ptr("bee")},
			api.SecretBatchUpdateItem{SecretKey: "C", SecretPath: "/app/b", NewSecretName: "C2", SecretValue: ptr("v2-C")},
			api.SecretBatchUpdateItem{SecretKey: "E", SecretValue: ptr("v1-E")})))(t)
		var got []string
		for _, s := range b.Secrets {
			value := s.SecretValue
			if s.SecretValueHidden {
				value = "(hidden)" + value
			}
			got = append(got, fmt.Sprintf("%s/%s@%d=%s#%s", s.SecretPath, s.SecretKey, s.Version, value, s.SecretComment))
		}
		// The writer may edit, not read: a comment alone answers without
		// the value it kept.
		if want := []string{"/app/a/A@2=v2-A#", "/app/a/B@2=(hidden)#bee", "/app/b/C2@2=v2-C#", "/app/a/E@1=v1-E#"}; !slices.Equal(got, want) {
			t.Fatalf("batch update answered %v, want %v", got, want)
		}
		for _, s := range []struct {
			path, key string
			version   int64
			value     string
		}{{"/app/a", "A", 2, "v2-A"}, {"/app/a", "B", 2, "v1-B"}, {"/app/b", "C", 0, ""}, {"/app/b", "C2", 2, "v2-C"}, {"/app/a", "E", 1, "v1-E"}} {
			if v, val := e.state(t, "dev", s.path, s.key); v != s.version || val != s.value {
				t.Errorf("%s/%s at version %d (%q), want %d (%q)", s.path, s.key, v, val, s.version, s.value)
			}
		}
		// The renamed secret keeps its history under its new key.
		if old := must(e.get(t, c, "dev", "/app/b", "C2", 1))(t); old.SecretValue != "v1-C" {
			t.Errorf("C2 version 1: %+v", old)
		}
		// projectSlug names the project as Infisical's bodies do.
		must(c.UpdateSecrets(ctx, api.SecretBatchUpdate{ProjectSlug: "shop", Environment: "dev", SecretPath: "/db",
			Secrets: []api.SecretBatchUpdateItem{{SecretKey: "D", SecretValue: ptr("v2-D")}}}))(t)

		// Audited: one event per secret, with the writer, path, key and version, and no value.
		var events []string
		for _, ev := range e.secretEvents(t) {
			if ev.Outcome != api.OutcomeSuccess || ev.Actor.ID != writer.ID {
				continue
			}
			events = append(events, ev.Action+" "+ev.Metadata["secretPath"]+"/"+ev.Metadata["secretKey"]+"@"+ev.Metadata["version"]+" from "+ev.Metadata["previousSecretKey"])
			if b, _ := json.Marshal(ev); strings.Contains(string(b), "v2-") || strings.Contains(string(b), "v1-E") {
				t.Errorf("an audit event holds a value: %s", b)
			}
		}
		slices.Sort(events)
		if want := []string{"secret.create /app/a/E@1 from ", "secret.update /app/a/A@2 from ", "secret.update /app/a/B@2 from ",
			"secret.update /app/b/C2@2 from C"}; !slices.Equal(events, want) {
			t.Errorf("the writer's events %v, want %v", events, want)
		}
	})
}

// A batch delete deletes every secret or none, names the item at fault,
// answers without values and audits each deletion.
func TestSecretsBatchDelete(t *testing.T) {
	backends(t, func(t *testing.T, srv *servertest.Server) {
		e := newSecretsEnv(t, srv)
		ctx := t.Context()
		c := e.admin
		for _, key := range []string{"A", "B", "C"} {
			must(e.create(t, c, "dev", "/app/x", key, "value-"+key))(t)
		}
		in := func(keys ...string) api.SecretBatchDelete {
			out := api.SecretBatchDelete{WorkspaceID: e.project.ID, Environment: "dev", SecretPath: "/app/x"}
			for _, k := range keys {
				out.Secrets = append(out.Secrets, api.SecretBatchDeleteItem{SecretKey: k})
			}
			return out
		}
		all := func(t *testing.T, what string, want int) {
			t.Helper()
			l := must(c.ListSecrets(ctx, api.SecretListQuery{WorkspaceID: e.project.ID, Environment: "dev", SecretPath: "/app/x"}))(t)
			if len(l.Secrets) != want {
				t.Fatalf("after %s: %d secrets, want %d", what, len(l.Secrets), want)
			}
		}

		_, err := c.DeleteSecrets(ctx, in("A", "NOPE", "B"))
		if p := wantProblem(t, err, http.StatusNotFound, api.CodeNotFound); !strings.Contains(p.Detail, `secrets[1]: secret "NOPE" at dev:/app/x`) {
			t.Errorf("missing key: %s", p.Detail)
		}
		_, err = c.DeleteSecrets(ctx, in("A", "A"))
		wantFieldError(t, wantProblem(t, err, http.StatusBadRequest, api.CodeValidation), "secrets[1].secretKey", "more than once")
		_, err = c.DeleteSecrets(ctx, in("A", "no/slash"))
		wantFieldError(t, wantProblem(t, err, http.StatusBadRequest, api.CodeValidation), "secrets[1].secretKey", "must start with a letter")
		personal := in("A")
		personal.Secrets[0].Type = api.SecretTypePersonal
		_, err = c.DeleteSecrets(ctx, personal)
		wantFieldError(t, wantProblem(t, err, http.StatusBadRequest, api.CodeValidation), "secrets[0].type", "personal secrets are not supported")
		// The writer may create and edit there, not delete.
		writer := e.member(t, "writer", "no-access", []api.MembershipRole{{RoleSlug: "app-writer"}})
		wc := srv.Client(t, api.WithToken(e.login(t, writer.ID, api.UniversalAuthInput{})))
		_, err = wc.DeleteSecrets(ctx, in("A"))
		if p := wantProblem(t, err, http.StatusForbidden, api.CodeForbidden); !strings.Contains(p.Detail, "no rule grants delete on secrets at dev:/app/x") {
			t.Errorf("refused: %s", p.Detail)
		}
		all(t, "refused deletes", 3)

		b := must(c.DeleteSecrets(ctx, in("C", "A")))(t)
		if len(b.Secrets) != 2 || b.Secrets[0].SecretKey != "C" || b.Secrets[1].SecretKey != "A" || b.Secrets[0].SecretValue != "" || b.Secrets[1].SecretValue != "" ||
			!b.Secrets[0].SecretValueHidden || !b.Secrets[1].SecretValueHidden {
			t.Fatalf("batch delete answered %+v", b.Secrets)
		}
		all(t, "the delete", 1)
		var deleted []string
		for _, ev := range e.secretEvents(t) {
			if ev.Action == "secret.delete" && ev.Outcome == api.OutcomeSuccess {
				deleted = append(deleted, ev.Metadata["secretPath"]+"/"+ev.Metadata["secretKey"]+"@"+ev.Metadata["version"])
			}
		}
		slices.Sort(deleted)
		if want := []string{"/app/x/A@1", "/app/x/C@1"}; !slices.Equal(deleted, want) {
			t.Errorf("delete events %v, want %v", deleted, want)
		}
	})
}

// Every route of the secrets and folders APIs answers 404 naming the
// project, environment or key it did not find, and a batch over the body
// limit is refused whole (413).
func TestSecretsNotFoundNamesWhich(t *testing.T) {
	backends(t, func(t *testing.T, srv *servertest.Server) {
		e := newSecretsEnv(t, srv)
		ctx := t.Context()
		c := e.admin
		must(e.create(t, c, "dev", "/", "HERE", "v"))(t)
		for _, call := range []struct {
			name, want string
			err        error
		}{
			{"list, unknown project", `project "nope"`, second(c.ListSecrets(ctx, api.SecretListQuery{WorkspaceSlug: "nope", Environment: "dev"}))},
			{"list, unknown environment", `environment "qa" in project "shop"`, second(c.ListSecrets(ctx, api.SecretListQuery{WorkspaceID: e.project.ID, Environment: "qa"}))},
			{"update, unknown key", `secret "NOPE" at dev:/`, second(c.UpdateSecret(ctx, "NOPE", 0, api.SecretUpdate{WorkspaceID: e.project.ID, Environment: "dev", SecretValue: ptr("x")}))},
			{"delete, unknown key", `secret "NOPE" at dev:/`, c.DeleteSecret(ctx, "NOPE", 0, api.SecretDelete{WorkspaceID: e.project.ID, Environment: "dev"})},
			{"batch create, unknown environment", `environment "qa" in project "shop"`, second(c.CreateSecrets(ctx, api.SecretBatchCreate{ProjectSlug: "shop", Environment: "qa",
				Secrets: []api.SecretBatchItem{{SecretKey: "K", SecretValue: "v"}}}))},
			{"batch delete, unknown project", `project "nope"`, second(c.DeleteSecrets(ctx, api.SecretBatchDelete{ProjectSlug: "nope", Environment: "dev",
				Secrets: []api.SecretBatchDeleteItem{{SecretKey: "HERE"}}}))},
			{"folders, unknown environment", `environment "qa" in project "shop"`, second(c.ListFolders(ctx, api.FolderListQuery{WorkspaceID: e.project.ID, Environment: "qa"}))},
			{"folder create, unknown project", `project "nope"`, second(c.CreateFolder(ctx, api.FolderCreate{WorkspaceSlug: "nope", Environment: "dev", Name: "f"}))},
		} {
			if p := wantProblem(t, call.err, http.StatusNotFound, api.CodeNotFound); !strings.Contains(p.Detail, call.want) {
				t.Errorf("%s: %q does not name %s", call.name, p.Detail, call.want)
			}
		}

		// Nine values of 1 MiB are over the secrets API's 8 MiB body limit.
		big := strings.Repeat("x", api.MaxSecretValueBytes)
		var items []api.SecretBatchUpdateItem
		for i := range 9 {
			items = append(items, api.SecretBatchUpdateItem{SecretKey: fmt.Sprintf("K%d", i), SecretValue: &big})
		}
		_, err := c.UpdateSecrets(ctx, api.SecretBatchUpdate{WorkspaceID: e.project.ID, Environment: "dev", Mode: api.SecretBatchUpsert, Secrets: items})
		wantProblem(t, err, http.StatusRequestEntityTooLarge, api.CodeValidation)
		if l := must(c.ListSecrets(ctx, api.SecretListQuery{WorkspaceID: e.project.ID, Environment: "dev"}))(t); len(l.Secrets) != 1 {
			t.Fatalf("after the refused batch: %d secrets, want 1", len(l.Secrets))
		}
	})
}

// The batches take the bodies Infisical's API reference gives them, as its
// clients send them (projectSlug, mode, reminder fields left null, type).
func TestSecretsBatchInfisicalBodies(t *testing.T) {
	backends(t, func(t *testing.T, srv *servertest.Server) {
		e := newSecretsEnv(t, srv)
		must(e.create(t, e.admin, "dev", "/", "A", "a1"))(t)
		must(e.create(t, e.admin, "dev", "/", "B", "b1"))(t)
		var out api.SecretBatch
		r := e.a.raw(t, http.MethodPatch, "/api/v3/secrets/batch/raw", "", `{"projectSlug":"shop","environment":"dev","secretPath":"/",`+
			`"mode":"failOnNotFound","secrets":[{"secretKey":"A","secretValue":"a2","secretComment":"","skipMultilineEncoding":false,`+
			`"secretReminderNote":null,"secretReminderRepeatDays":null,"tagIds":[],"secretMetadata":[]}]}`)
		if r.status != http.StatusOK || json.Unmarshal(r.body, &out) != nil || len(out.Secrets) != 1 || out.Secrets[0].SecretValue != "a2" || out.Secrets[0].Version != 2 {
			t.Fatalf("PATCH: %d %s", r.status, r.body)
		}
		r = e.a.raw(t, http.MethodDelete, "/api/v3/secrets/batch/raw", "", `{"workspaceId":"`+e.project.ID+`","environment":"dev",`+
			`"secrets":[{"secretKey":"A","type":"shared"},{"secretKey":"B"}]}`)
		if r.status != http.StatusOK || json.Unmarshal(r.body, &out) != nil || len(out.Secrets) != 2 || out.Secrets[1].SecretKey != "B" {
			t.Fatalf("DELETE: %d %s", r.status, r.body)
		}
		wantNotFound(t, second(e.get(t, e.admin, "dev", "/", "B", 0)))
	})
}
