package httpapi_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	mrand "math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/idplane/idplane/server/api"
	"github.com/idplane/idplane/server/servertest"
)

// secretsEnv is decisionEnv's organization (project shop; dev, staging-eu,
// prod; roles with env/path globs and deny rules) seen by its admin.
type secretsEnv struct {
	*decisionEnv
	admin *api.Client
}

func newSecretsEnv(t *testing.T, srv *servertest.Server) *secretsEnv {
	t.Helper()
	e := newDecisionEnv(t, srv)
	return &secretsEnv{decisionEnv: e, admin: e.a.c}
}

func (e *secretsEnv) at(env, path string) api.SecretScope {
	return api.SecretScope{WorkspaceID: e.project.ID, Environment: env, SecretPath: path}
}

func (e *secretsEnv) create(t *testing.T, c *api.Client, env, path, key, value string) (*api.Secret, error) {
	t.Helper()
	return c.CreateSecret(t.Context(), key, api.SecretCreate{WorkspaceID: e.project.ID, Environment: env, SecretPath: path, SecretValue: value})
}

func (e *secretsEnv) get(t *testing.T, c *api.Client, env, path, key string, version int64) (*api.Secret, error) {
	t.Helper()
	return c.GetSecret(t.Context(), key, api.SecretGetQuery{WorkspaceID: e.project.ID, Environment: env, SecretPath: path, Version: version})
}

// secretEvents returns the organization's secret.* audit events.
func (e *secretsEnv) secretEvents(t *testing.T) []api.AuditEvent {
	t.Helper()
	all := must(e.admin.ListAuditEvents(t.Context(), api.AuditEventFilter{Limit: 1000}))(t)
	return slices.DeleteFunc(all.Events, func(ev api.AuditEvent) bool { return !strings.HasPrefix(ev.Action, "secret.") })
}

// Secrets are created, read, listed, versioned, updated and deleted; bad
// input is refused naming what is wrong, and leaves nothing behind.
func TestSecretsCRUD(t *testing.T) {
	backends(t, func(t *testing.T, srv *servertest.Server) {
		e := newSecretsEnv(t, srv)
		ctx := t.Context()
		c := e.admin

		s1 := must(e.create(t, c, "prod", "/db", "DB_URL", "postgres://v1"))(t)
		if s1.Version != 1 || s1.SecretKey != "DB_URL" || s1.SecretValue != "postgres://v1" || s1.Workspace != e.project.ID ||
			s1.Environment != "prod" || s1.SecretPath != "/db" || s1.Type != api.SecretTypeShared || s1.ID == "" || s1.LegacyID != s1.ID {
			t.Fatalf("created %+v", s1)
		}
		must(e.create(t, c, "prod", "/db/replica", "DB_URL", "postgres://replica"))(t)
		must(e.create(t, c, "prod", "/", "ROOT_KEY", "root"))(t)
		// The project by slug, the same secret.
		bySlug := must(c.GetSecret(ctx, "DB_URL", api.SecretGetQuery{WorkspaceSlug: "shop", Environment: "prod", SecretPath: "/db"}))(t)
		if bySlug.ID != s1.ID || bySlug.SecretValue != "postgres://v1" {
			t.Fatalf("by slug %+v", bySlug)
		}

		up := must(c.UpdateSecret(ctx, "DB_URL", 1, api.SecretUpdate{WorkspaceID: e.project.ID, Environment: "prod", SecretPath: "/db",
			SecretValue: ptr("postgres://v2"), SecretComment: ptr("rotated")}))(t)
		if up.Version != 2 || up.SecretValue != "postgres://v2" || up.SecretComment != "rotated" {
			t.Fatalf("updated %+v", up)
		}
		if up.SecretValueHidden {
			t.Errorf("an update that wrote a value hides it: %+v", up)
		}
		// A comment alone is a new version too, with the value kept; its
		// answer withholds the value, since an update is not a read.
		up = must(c.UpdateSecret(ctx, "DB_URL", 0, api.SecretUpdate{WorkspaceID: e.project.ID, Environment: "prod", SecretPath: "/db",
			SecretComment: ptr("primary")}))(t)
		if up.Version != 3 || up.SecretValue != "" || !up.SecretValueHidden {
			t.Fatalf("comment update %+v", up)
		}
		for v, want := range map[int64]string{0: "postgres://v2", 1: "postgres://v1", 2: "postgres://v2", 3: "postgres://v2"} {
			got := must(e.get(t, c, "prod", "/db", "DB_URL", v))(t)
			if got.SecretValue != want || (v != 0 && got.Version != v) {
				t.Errorf("version %d: %+v, want value %q", v, got, want)
			}
		}
		p := wantProblem(t, second(e.get(t, c, "prod", "/db", "DB_URL", 4)), http.StatusNotFound, api.CodeNotFound)
		if !strings.Contains(p.Detail, "version 4") {
			t.Errorf("missing version: %s", p.Detail)
		}
		_, err := c.UpdateSecret(ctx, "DB_URL", 1, api.SecretUpdate{WorkspaceID: e.project.ID, Environment: "prod", SecretPath: "/db", SecretValue: ptr("x")})
		wantProblem(t, err, http.StatusPreconditionFailed, api.CodeVersionMismatch)

		l := must(c.ListSecrets(ctx, api.SecretListQuery{WorkspaceID: e.project.ID, Environment: "prod", SecretPath: "/db"}))(t)
		if len(l.Secrets) != 1 || l.Secrets[0].SecretValue != "postgres://v2" || l.Secrets[0].Version != 3 {
			t.Fatalf("list /db: %+v", l.Secrets)
		}
		l = must(c.ListSecrets(ctx, api.SecretListQuery{WorkspaceID: e.project.ID, Environment: "prod", SecretPath: "/", Recursive: true}))(t)
		var where []string
		for _, s := range l.Secrets {
			where = append(where, s.SecretPath+"/"+s.SecretKey)
		}
		if want := []string{"//ROOT_KEY", "/db/DB_URL", "/db/replica/DB_URL"}; !slices.Equal(where, want) {
			t.Fatalf("recursive list %v, want %v", where, want)
		}

		// Bad input: each refusal names what is wrong; nothing is written.
		_, err = e.create(t, c, "prod", "/db", "DB_URL", "again")
		if p := wantProblem(t, err, http.StatusConflict, api.CodeConflict); !strings.Contains(p.Detail, `"DB_URL" already exists at prod:/db`) {
			t.Errorf("conflict: %s", p.Detail)
		}
		_, err = c.GetSecret(ctx, "DB_URL", api.SecretGetQuery{WorkspaceID: "nope", Environment: "prod"})
		if p := wantProblem(t, err, http.StatusNotFound, api.CodeNotFound); !strings.Contains(p.Detail, `project "nope"`) {
			t.Errorf("unknown project: %s", p.Detail)
		}
		_, err = e.get(t, c, "qa", "/db", "DB_URL", 0)
		if p := wantProblem(t, err, http.StatusNotFound, api.CodeNotFound); !strings.Contains(p.Detail, `environment "qa"`) {
			t.Errorf("unknown environment: %s", p.Detail)
		}
		_, err = e.get(t, c, "prod", "/db", "NOPE", 0)
		if p := wantProblem(t, err, http.StatusNotFound, api.CodeNotFound); !strings.Contains(p.Detail, `secret "NOPE" at prod:/db`) {
			t.Errorf("unknown key: %s", p.Detail)
		}
		for _, key := range []string{"1ST", "HAS SPACE", "dollar$", strings.Repeat("K", api.MaxSecretKeyLen+1)} {
			_, err = e.create(t, c, "prod", "/db", key, "v")
			wantFieldError(t, wantProblem(t, err, http.StatusBadRequest, api.CodeValidation), "secretName", "must start with a letter or underscore")
		}
		_, err = c.GetSecret(ctx, "DB_URL", api.SecretGetQuery{WorkspaceID: e.project.ID, Environment: "prod", SecretPath: "/db", Type: api.SecretTypePersonal})
		wantFieldError(t, wantProblem(t, err, http.StatusBadRequest, api.CodeValidation), "type", "personal secrets are not supported")
		_, err = e.create(t, c, "prod", "/db/../etc", "K", "v")
		wantFieldError(t, wantProblem(t, err, http.StatusBadRequest, api.CodeValidation), "secretPath", "absolute, clean path")
		_, err = c.CreateSecret(ctx, "K", api.SecretCreate{Environment: "prod", SecretValue: "v"})
		wantFieldError(t, wantProblem(t, err, http.StatusBadRequest, api.CodeValidation), "workspaceId", "is required")
		_, err = e.create(t, c, "prod", "/db", "BIG", strings.Repeat("x", api.MaxSecretValueBytes+1))
		if p := wantProblem(t, err, http.StatusRequestEntityTooLarge, api.CodeValidation); !strings.Contains(p.Detail, "at most 1048576 bytes") {
			t.Errorf("too large: %s", p.Detail)
		}
		_, err = c.UpdateSecret(ctx, "DB_URL", 0, api.SecretUpdate{WorkspaceID: e.project.ID, Environment: "prod", SecretPath: "/db",
			SecretValue: ptr(strings.Repeat("x", api.MaxSecretValueBytes+1))})
		wantProblem(t, err, http.StatusRequestEntityTooLarge, api.CodeValidation)
		// A value of exactly 1 MiB fits, even JSON-escaped.
		must(e.create(t, c, "prod", "/big", "MAX", strings.Repeat("\"", api.MaxSecretValueBytes)))(t)
		wantNotFound(t, second(e.get(t, c, "prod", "/db", "BIG", 0)))
		if got := must(e.get(t, c, "prod", "/db", "DB_URL", 0))(t); got.Version != 3 || got.SecretValue != "postgres://v2" {
			t.Fatalf("after refused writes: %+v", got)
		}

		must(struct{}{}, c.DeleteSecret(ctx, "DB_URL", 0, api.SecretDelete{WorkspaceID: e.project.ID, Environment: "prod", SecretPath: "/db"}))(t)
		wantNotFound(t, second(e.get(t, c, "prod", "/db", "DB_URL", 0)))
		wantNotFound(t, c.DeleteSecret(ctx, "DB_URL", 0, api.SecretDelete{WorkspaceID: e.project.ID, Environment: "prod", SecretPath: "/db"}))
		// Re-created, it starts again at version 1 with no past versions.
		again := must(e.create(t, c, "prod", "/db", "DB_URL", "postgres://v9"))(t)
		if again.Version != 1 || again.ID == s1.ID {
			t.Fatalf("re-created %+v", again)
		}
		wantNotFound(t, second(e.get(t, c, "prod", "/db", "DB_URL", 2)))
	})
}

// A batch creates every secret or none, and names the item at fault.
func TestSecretsBatch(t *testing.T) {
	backends(t, func(t *testing.T, srv *servertest.Server) {
		e := newSecretsEnv(t, srv)
		ctx := t.Context()
		c := e.admin
		in := func(items ...api.SecretBatchItem) api.SecretBatchCreate {
			return api.SecretBatchCreate{WorkspaceID: e.project.ID, Environment: "dev", SecretPath: "/svc", Secrets: items}
		}
		b := must(c.CreateSecrets(ctx, in(api.SecretBatchItem{SecretKey: "A", SecretValue: "a"}, api.SecretBatchItem{SecretKey: "B", SecretValue: "b", SecretComment: "bee"})))(t)
		if len(b.Secrets) != 2 || b.Secrets[0].SecretKey != "A" || b.Secrets[1].SecretComment != "bee" || b.Secrets[1].Version != 1 {
			t.Fatalf("batch %+v", b.Secrets)
		}
		// C would be new, A exists: the conflict names A and C is not created.
		_, err := c.CreateSecrets(ctx, in(api.SecretBatchItem{SecretKey: "C", SecretValue: "c"}, api.SecretBatchItem{SecretKey: "A", SecretValue: "again"}))
		if p := wantProblem(t, err, http.StatusConflict, api.CodeConflict); !strings.Contains(p.Detail, `secret "A" already exists at dev:/svc`) {
			t.Errorf("conflict: %s", p.Detail)
		}
		wantNotFound(t, second(e.get(t, c, "dev", "/svc", "C", 0)))
		_, err = c.CreateSecrets(ctx, in(api.SecretBatchItem{SecretKey: "D", SecretValue: "d"}, api.SecretBatchItem{SecretKey: "9X", SecretValue: "x"}))
		wantFieldError(t, wantProblem(t, err, http.StatusBadRequest, api.CodeValidation), "secrets[1].secretKey", "must start with a letter")
		_, err = c.CreateSecrets(ctx, in(api.SecretBatchItem{SecretKey: "D", SecretValue: "d"}, api.SecretBatchItem{SecretKey: "D", SecretValue: "x"}))
		wantFieldError(t, wantProblem(t, err, http.StatusBadRequest, api.CodeValidation), "secrets[1].secretKey", "more than once")
		_, err = c.CreateSecrets(ctx, in())
		wantFieldError(t, wantProblem(t, err, http.StatusBadRequest, api.CodeValidation), "secrets", "1 to 100")
		_, err = c.CreateSecrets(ctx, in(api.SecretBatchItem{SecretKey: "D", SecretValue: "d"}, api.SecretBatchItem{SecretKey: "E", SecretValue: strings.Repeat("x", api.MaxSecretValueBytes+1)}))
		if p := wantProblem(t, err, http.StatusRequestEntityTooLarge, api.CodeValidation); !strings.Contains(p.Detail, "secrets[1].secretValue") {
			t.Errorf("too large: %s", p.Detail)
		}
		wantNotFound(t, second(e.get(t, c, "dev", "/svc", "D", 0)))
		if l := must(c.ListSecrets(ctx, api.SecretListQuery{WorkspaceID: e.project.ID, Environment: "dev", SecretPath: "/svc"}))(t); len(l.Secrets) != 2 {
			t.Fatalf("after refused batches: %+v", l.Secrets)
		}
	})
}

// Folders are created, listed and deleted under a path; a folder holding
// anything is not deleted; folder permissions govern them.
func TestSecretFolders(t *testing.T) {
	backends(t, func(t *testing.T, srv *servertest.Server) {
		e := newSecretsEnv(t, srv)
		ctx := t.Context()
		c := e.admin
		in := func(env, parent, name string) api.FolderCreate {
			return api.FolderCreate{WorkspaceID: e.project.ID, Environment: env, Path: parent, Name: name}
		}
		del := func(env, parent string) api.FolderDelete {
			return api.FolderDelete{WorkspaceID: e.project.ID, Environment: env, Path: parent}
		}
		db := must(c.CreateFolder(ctx, in("prod", "/", "db")))(t)
		must(c.CreateFolder(ctx, in("prod", "/", "app")))(t)
		must(c.CreateFolder(ctx, in("prod", "/db", "primary")))(t)
		if db.Path != "/db" || db.Version != 1 {
			t.Fatalf("folder %+v", db)
		}
		l := must(c.ListFolders(ctx, api.FolderListQuery{WorkspaceSlug: "shop", Environment: "prod"}))(t)
		if len(l.Folders) != 2 || l.Folders[0].Name != "app" || l.Folders[1].Name != "db" {
			t.Fatalf("folders at /: %+v", l.Folders)
		}
		_, err := c.CreateFolder(ctx, in("prod", "/", "db"))
		if p := wantProblem(t, err, http.StatusConflict, api.CodeConflict); !strings.Contains(p.Detail, `folder "db" already exists at prod:/`) {
			t.Errorf("duplicate: %s", p.Detail)
		}
		for _, name := range []string{"", "..", "a/b", "sp ace"} {
			_, err = c.CreateFolder(ctx, in("prod", "/", name))
			wantFieldError(t, wantProblem(t, err, http.StatusBadRequest, api.CodeValidation), "name", "letters, digits")
		}
		_, err = c.CreateFolder(ctx, in("prod", "db", "x"))
		wantFieldError(t, wantProblem(t, err, http.StatusBadRequest, api.CodeValidation), "path", "absolute, clean path")

		// Not empty: a subfolder, then a secret below, refuse the delete.
		p := wantProblem(t, c.DeleteFolder(ctx, "db", 0, del("prod", "/")), http.StatusConflict, api.CodeConflict)
		if !strings.Contains(p.Detail, "folder /db holds 0 secrets and 1 folders") {
			t.Errorf("not empty: %s", p.Detail)
		}
		upd := func(name string) api.FolderUpdate {
			return api.FolderUpdate{WorkspaceID: e.project.ID, Environment: "prod", Path: "/db", Name: name}
		}
		primary := must(c.ListFolders(ctx, api.FolderListQuery{WorkspaceID: e.project.ID, Environment: "prod", Path: "/db"}))(t).Folders[0]
		renamed := must(c.RenameFolder(ctx, primary.ID, 1, upd("main")))(t)
		if renamed.Name != "main" || renamed.Path != "/db/main" || renamed.Version != 2 {
			t.Fatalf("renamed %+v", renamed)
		}
		_, err = c.RenameFolder(ctx, primary.ID, 1, upd("other"))
		wantProblem(t, err, http.StatusPreconditionFailed, api.CodeVersionMismatch)
		_, err = c.RenameFolder(ctx, "db", 0, api.FolderUpdate{WorkspaceID: e.project.ID, Environment: "prod", Path: "/", Name: "app"})
		wantProblem(t, err, http.StatusConflict, api.CodeConflict) // /db is not empty
		must(struct{}{}, c.DeleteFolder(ctx, "main", 0, del("prod", "/db")))(t)
		_, err = c.CreateFolder(ctx, in("prod", "/", "spare"))
		must(struct{}{}, err)(t)
		_, err = c.RenameFolder(ctx, "spare", 0, api.FolderUpdate{WorkspaceID: e.project.ID, Environment: "prod", Path: "/", Name: "app"})
		if p := wantProblem(t, err, http.StatusConflict, api.CodeConflict); !strings.Contains(p.Detail, `folder "app" already exists`) {
			t.Errorf("rename onto a sibling: %s", p.Detail)
		}
		must(struct{}{}, c.DeleteFolder(ctx, "spare", 0, del("prod", "/")))(t)
		must(e.create(t, c, "prod", "/db/x", "K", "v"))(t)
		wantProblem(t, c.DeleteFolder(ctx, db.ID, 0, del("prod", "/")), http.StatusConflict, api.CodeConflict)
		must(struct{}{}, c.DeleteSecret(ctx, "K", 0, api.SecretDelete{WorkspaceID: e.project.ID, Environment: "prod", SecretPath: "/db/x"}))(t)
		must(struct{}{}, c.DeleteFolder(ctx, db.ID, 0, del("prod", "/")))(t)
		if p := wantProblem(t, c.DeleteFolder(ctx, "db", 0, del("prod", "/")), http.StatusNotFound, api.CodeNotFound); !strings.Contains(p.Detail, `folder "db" at prod:/`) {
			t.Errorf("gone: %s", p.Detail)
		}

		// The "folders" role reads folders in prod only, and creates none.
		viewer := e.member(t, "folder-viewer", "no-access", []api.MembershipRole{{RoleSlug: "folders"}})
		vc := srv.Client(t, api.WithToken(e.login(t, viewer.ID, api.UniversalAuthInput{})))
		if l := must(vc.ListFolders(ctx, api.FolderListQuery{WorkspaceID: e.project.ID, Environment: "prod"}))(t); len(l.Folders) != 1 {
			t.Fatalf("viewer lists %+v", l.Folders)
		}
		_, err = vc.ListFolders(ctx, api.FolderListQuery{WorkspaceID: e.project.ID, Environment: "dev"})
		if p := wantProblem(t, err, http.StatusForbidden, api.CodeForbidden); !strings.Contains(p.Detail, "no rule grants read on secret-folders at dev:/") {
			t.Errorf("refused list: %s", p.Detail)
		}
		_, err = vc.CreateFolder(ctx, in("prod", "/", "mine"))
		wantProblem(t, err, http.StatusForbidden, api.CodeForbidden)
		// Audited: four creates and the viewer's refused one, a rename, three deletes.
		for action, want := range map[string][2]int{"secret-folder.create": {4, 1}, "secret-folder.update": {1, 0}, "secret-folder.delete": {3, 0}} {
			l := must(c.ListAuditEvents(ctx, api.AuditEventFilter{Action: action}))(t)
			var got [2]int
			for _, ev := range l.Events {
				switch {
				case ev.Outcome == api.OutcomeSuccess && ev.Metadata["project"] == e.project.ID && ev.Metadata["environment"] == "prod":
					got[0]++
				case ev.Outcome == api.OutcomeFailure && ev.Actor.ID == viewer.ID:
					got[1]++
				}
			}
			if got != want {
				t.Errorf("%s: %v successes and refusals, want %v: %+v", action, got, want, l.Events)
			}
		}
	})
}

func second[T any](_ T, err error) error { return err }

// Every read and write is audited with identity, project, environment,
// path, key and version, and no event holds a value.
func TestSecretsAudit(t *testing.T) {
	backends(t, func(t *testing.T, srv *servertest.Server) {
		e := newSecretsEnv(t, srv)
		ctx := t.Context()
		c := e.admin
		const value = "audit-canary-7f3a9c"
		s := must(e.create(t, c, "dev", "/app", "TOKEN", value))(t)
		must(e.get(t, c, "dev", "/app", "TOKEN", 0))(t)
		must(c.ListSecrets(ctx, api.SecretListQuery{WorkspaceID: e.project.ID, Environment: "dev", SecretPath: "/", Recursive: true}))(t)
		must(c.UpdateSecret(ctx, "TOKEN", 0, api.SecretUpdate{WorkspaceID: e.project.ID, Environment: "dev", SecretPath: "/app", SecretValue: ptr(value + "2")}))(t)
		must(e.get(t, c, "dev", "/app", "TOKEN", 1))(t)
		must(struct{}{}, c.DeleteSecret(ctx, "TOKEN", 0, api.SecretDelete{WorkspaceID: e.project.ID, Environment: "dev", SecretPath: "/app"}))(t)

		events := e.secretEvents(t)
		slices.Reverse(events)
		var got []string
		for _, ev := range events {
			got = append(got, ev.Action+"@"+ev.Metadata["version"])
			if ev.Actor.ID != e.a.boot.IdentityID || ev.Target.ID != s.ID || ev.Outcome != api.OutcomeSuccess ||
				ev.Metadata["project"] != e.project.ID || ev.Metadata["environment"] != "dev" ||
				ev.Metadata["secretPath"] != "/app" || ev.Metadata["secretKey"] != "TOKEN" {
				t.Errorf("event %+v", ev)
			}
			b, _ := json.Marshal(ev)
			if strings.Contains(string(b), value) {
				t.Errorf("audit event holds the value: %s", b)
			}
		}
		want := []string{"secret.create@1", "secret.read@1", "secret.read@1", "secret.update@2", "secret.read@1", "secret.delete@2"}
		if !slices.Equal(got, want) {
			t.Fatalf("secret events %v, want %v", got, want)
		}
	})
}

// Memberships govern the secrets API through authz: environment and path
// globs allow, deny rules win, and each refusal gives the decision
// endpoint's reason for the same question. Refusals come before existence
// (a refused caller never learns whether a key exists) and are audited.
func TestSecretsAuthorization(t *testing.T) {
	backends(t, func(t *testing.T, srv *servertest.Server) {
		e := newSecretsEnv(t, srv)
		ctx := t.Context()
		for _, s := range []struct{ env, path, key string }{
			{"prod", "/db/app", "A"}, {"prod", "/db/root/admin", "R"}, {"prod", "/web", "W"}, {"dev", "/app/cfg", "C"},
		} {
			must(e.create(t, e.admin, s.env, s.path, s.key, "value-"+s.key))(t)
		}
		reader := e.member(t, "reader", "no-access", []api.MembershipRole{{RoleSlug: "db-reader"}, {RoleSlug: "no-root"}})
		writer := e.member(t, "writer", "no-access", []api.MembershipRole{{RoleSlug: "app-writer"}, {RoleSlug: "no-root"}})
		rc := srv.Client(t, api.WithToken(e.login(t, reader.ID, api.UniversalAuthInput{})))
		wc := srv.Client(t, api.WithToken(e.login(t, writer.ID, api.UniversalAuthInput{})))

		// refused checks that the call is a 403 whose detail holds the
		// decision endpoint's reason for the same identity and question.
		refused := func(t *testing.T, err error, identityID, env, path, action, reason string) {
			t.Helper()
			p := wantProblem(t, err, http.StatusForbidden, api.CodeForbidden)
			d := must(e.checker.CheckAuthz(ctx, api.AuthzCheck{IdentityID: identityID, Project: "shop", Environment: env, SecretPath: path, Action: action}))(t)
			if d.Allowed || !strings.Contains(p.Detail, d.Reason) || !strings.Contains(d.Reason, reason) {
				t.Errorf("refusal %q; the decision endpoint says allowed=%v %q; want it to mention %q", p.Detail, d.Allowed, d.Reason, reason)
			}
		}

		if got := must(e.get(t, rc, "prod", "/db/app", "A", 0))(t); got.SecretValue != "value-A" {
			t.Fatalf("reader reads %+v", got)
		}
		_, err := e.get(t, rc, "prod", "/db/root/admin", "R", 0)
		refused(t, err, reader.ID, "prod", "/db/root/admin", api.ActionRead, `a deny rule of project role "no-root" refuses read on secrets at prod:/db/root/admin`)
		_, err = e.get(t, rc, "prod", "/web", "W", 0)
		refused(t, err, reader.ID, "prod", "/web", api.ActionRead, "no rule grants read on secrets at prod:/web")
		_, err = e.get(t, rc, "dev", "/db/app", "NO_SUCH_KEY", 0)
		refused(t, err, reader.ID, "dev", "/db/app", api.ActionRead, "no rule grants read on secrets at dev:/db/app")
		_, err = e.create(t, rc, "prod", "/db/app", "NEW", "v")
		refused(t, err, reader.ID, "prod", "/db/app", api.ActionCreate, "no rule grants create on secrets at prod:/db/app")
		_, err = rc.ListSecrets(ctx, api.SecretListQuery{WorkspaceID: e.project.ID, Environment: "prod", SecretPath: "/web"})
		refused(t, err, reader.ID, "prod", "/web", api.ActionRead, "no rule grants read")
		// A recursive listing shows exactly what the reader may read.
		l := must(rc.ListSecrets(ctx, api.SecretListQuery{WorkspaceSlug: "shop", Environment: "prod", SecretPath: "/", Recursive: true}))(t)
		if len(l.Secrets) != 1 || l.Secrets[0].SecretKey != "A" {
			t.Fatalf("reader's recursive list %+v, want only /db/app A (not /db/root/admin R, not /web W)", l.Secrets)
		}
		_, err = rc.ListSecrets(ctx, api.SecretListQuery{WorkspaceSlug: "shop", Environment: "dev", SecretPath: "/", Recursive: true})
		refused(t, err, reader.ID, "dev", "/", api.ActionRead, "no rule grants read")

		// The writer: create, edit and read at dev and staging-* under /app/*,
		// nothing in prod, no delete, and no read of /app/secret.
		must(e.create(t, wc, "staging-eu", "/app/cfg", "NEW", "v1"))(t)
		must(wc.UpdateSecret(ctx, "C", 0, api.SecretUpdate{WorkspaceID: e.project.ID, Environment: "dev", SecretPath: "/app/cfg", SecretValue: ptr("v2")}))(t)
		if got := must(e.get(t, wc, "dev", "/app/cfg", "C", 0))(t); got.SecretValue != "v2" || got.Version != 2 {
			t.Fatalf("writer reads %+v", got)
		}
		_, err = e.create(t, wc, "prod", "/app/cfg", "NEW", "v")
		refused(t, err, writer.ID, "prod", "/app/cfg", api.ActionCreate, "no rule grants create on secrets at prod:/app/cfg")
		err = wc.DeleteSecret(ctx, "C", 0, api.SecretDelete{WorkspaceID: e.project.ID, Environment: "dev", SecretPath: "/app/cfg"})
		refused(t, err, writer.ID, "dev", "/app/cfg", api.ActionDelete, "no rule grants delete")
		must(e.create(t, wc, "dev", "/app/secret", "S", "v"))(t)
		_, err = e.get(t, wc, "dev", "/app/secret", "S", 0)
		refused(t, err, writer.ID, "dev", "/app/secret", api.ActionRead, `a deny rule of project role "no-root" refuses read`)
		if got := must(e.get(t, e.admin, "dev", "/app/cfg", "C", 0))(t); got.Version != 2 {
			t.Fatalf("after the refused delete: %+v", got)
		}

		// Refusals are audited, with the reason and without a value.
		var found, foundEdit bool
		for _, ev := range e.secretEvents(t) {
			if ev.Outcome == api.OutcomeFailure && ev.Actor.ID == reader.ID && ev.Action == "secret.read" &&
				ev.Metadata["secretPath"] == "/db/root/admin" && ev.Metadata["secretKey"] == "R" && strings.Contains(ev.Reason, `"no-root"`) {
				found = true
			}
			if ev.Outcome == api.OutcomeFailure && ev.Actor.ID == writer.ID && ev.Action == "secret.delete" && ev.Metadata["secretKey"] == "C" {
				foundEdit = true
			}
		}
		if !found || !foundEdit {
			t.Errorf("audit events for the refused read of /db/root/admin (%v) and the refused delete of C (%v)", found, foundEdit)
		}
	})
}

// Values are encrypted at rest: after creating, updating, reading and
// listing secrets (and being refused), neither the SQLite database files
// nor a pg_dump of the PostgreSQL database hold any value, in the clear,
// hex (as pg_dump writes bytea) or base64.
func TestSecretsEncryptedAtRest(t *testing.T) {
	backends(t, func(t *testing.T, srv *servertest.Server) {
		e := newSecretsEnv(t, srv)
		ctx := t.Context()
		canary := func(i int) string { return fmt.Sprintf("at-rest-canary-%d-%s", i, rand.Text()) }
		values := []string{canary(1), canary(2), canary(3)}
		must(e.create(t, e.admin, "prod", "/db", "PASSWORD", values[0]))(t)
		must(e.admin.UpdateSecret(ctx, "PASSWORD", 0, api.SecretUpdate{WorkspaceID: e.project.ID, Environment: "prod", SecretPath: "/db", SecretValue: &values[1]}))(t)
		must(e.create(t, e.admin, "dev", "/", "OTHER", values[2]))(t)
		must(e.get(t, e.admin, "prod", "/db", "PASSWORD", 1))(t)
		must(e.admin.ListSecrets(ctx, api.SecretListQuery{WorkspaceID: e.project.ID, Environment: "prod", SecretPath: "/", Recursive: true}))(t)
		reader := e.member(t, "reader", "no-access", []api.MembershipRole{{RoleSlug: "db-reader"}})
		rc := srv.Client(t, api.WithToken(e.login(t, reader.ID, api.UniversalAuthInput{})))
		values = append(values, canary(4))
		_, err := e.create(t, rc, "prod", "/db", "REFUSED", values[3])
		wantProblem(t, err, http.StatusForbidden, api.CodeForbidden)

		var dump []byte
		if strings.HasPrefix(srv.DatabaseURL, "postgres") {
			out, err := exec.CommandContext(ctx, "/usr/lib/postgresql/15/bin/pg_dump", "--data-only", "--dbname="+srv.DatabaseURL).Output()
			if err != nil {
				t.Fatalf("pg_dump: %v", err)
			}
			dump = out
			if !bytes.Contains(dump, []byte("COPY public.secret_versions")) && !bytes.Contains(dump, []byte("COPY secret_versions")) {
				t.Fatalf("the dump has no secret_versions table: %.300s", dump)
			}
		} else {
			files, err := filepath.Glob(srv.DatabaseURL + "*")
			if err != nil || len(files) == 0 {
				t.Fatalf("database files of %s: %v", srv.DatabaseURL, err)
			}
			for _, f := range files {
				dump = append(dump, must(os.ReadFile(f))(t)...)
			}
		}
		if !bytes.Contains(dump, []byte("PASSWORD")) {
			t.Fatal("the database does not even hold the secret's key: the search looks in the wrong place")
		}
		for _, v := range values {
			for _, form := range []string{v, hex.EncodeToString([]byte(v)), base64.StdEncoding.EncodeToString([]byte(v))[:len(v)]} {
				if bytes.Contains(dump, []byte(form)) {
					t.Errorf("the database holds a secret value (%q, as %q)", v, form)
				}
			}
		}
	})
}

// Request bodies are capped at 1 MiB, and at 8 MiB on the secrets API, so
// that a 1 MiB value fits however it is escaped.
func TestSecretsBodyLimits(t *testing.T) {
	srv := servertest.Start(t, servertest.Options{Backend: servertest.SQLite})
	e := newSecretsEnv(t, srv)
	body := func(n int) string {
		return `{"workspaceId":"` + e.project.ID + `","environment":"dev","secretValue":"` + strings.Repeat("a", n) + `"}`
	}
	e.a.raw(t, http.MethodPost, "/api/v1/projects", "", `{"name":"x","slug":"x","description":"`+strings.Repeat("a", 2<<20)+`"}`).
		problem(t, http.StatusRequestEntityTooLarge, api.CodeValidation)
	e.a.raw(t, http.MethodPost, "/api/v3/secrets/raw/HUGE", "", body(9<<20)).problem(t, http.StatusRequestEntityTooLarge, api.CodeValidation)
	p := e.a.raw(t, http.MethodPost, "/api/v3/secrets/raw/BIG", "", body(2<<20)).problem(t, http.StatusRequestEntityTooLarge, api.CodeValidation)
	if !strings.Contains(p.Detail, "at most 1048576 bytes") {
		t.Errorf("a 2 MiB value: %s", p.Detail)
	}
	if r := e.a.raw(t, http.MethodPost, "/api/v3/secrets/raw/FITS", "", body(api.MaxSecretValueBytes)); r.status != http.StatusCreated {
		t.Fatalf("a 1 MiB value: %d %s", r.status, r.body)
	}
}

// The secrets API and the decision endpoint agree on a generated matrix of
// role grants (allow and deny rules, environment and path globs, temporary
// grants before, inside and after their window) × environments × paths ×
// actions: a refusal is exactly a deny, with the same reason.
func TestSecretsAgreeWithDecisions(t *testing.T) {
	backends(t, func(t *testing.T, srv *servertest.Server) { testSecretsAgreeWithDecisions(t, srv) })
}

func testSecretsAgreeWithDecisions(t *testing.T, srv *servertest.Server) {
	e := newSecretsEnv(t, srv)
	ctx := t.Context()
	now := time.Now().UTC().Truncate(time.Second)
	choices := []api.MembershipRole{
		{RoleSlug: "db-reader"},
		{RoleSlug: "app-writer", TemporaryAccess: window(now.Add(-3*time.Hour), time.Hour)},
		{RoleSlug: "app-writer", TemporaryAccess: window(now.Add(-time.Hour), 3*time.Hour)},
		{RoleSlug: "no-root"},
		{RoleSlug: "viewer"},
		{RoleSlug: "member"},
	}
	rng := mrand.New(mrand.NewPCG(15, 1))
	n := 0
	seen := map[string]int{} // how each case was decided, so the matrix is known to hold every kind
	for i := range 8 {
		var grants []api.MembershipRole
		for _, c := range choices {
			if rng.IntN(3) == 0 {
				grants = append(grants, c)
			}
		}
		if len(grants) == 0 {
			grants = choices[i%len(choices) : i%len(choices)+1]
		}
		id := e.member(t, fmt.Sprintf("agree-%d", i), "no-access", grants)
		c := srv.Client(t, api.WithToken(e.login(t, id.ID, api.UniversalAuthInput{})))
		for _, env := range []string{"dev", "staging-eu", "prod"} {
			for _, p := range []string{"/", "/db/app", "/db/root/admin", "/app/cfg", "/app/secret"} {
				for _, action := range []string{api.ActionRead, api.ActionCreate} {
					d := must(e.checker.CheckAuthz(ctx, api.AuthzCheck{IdentityID: id.ID, Project: "shop", Environment: env, SecretPath: p, Action: action}))(t)
					var err error
					if action == api.ActionRead {
						_, err = e.get(t, c, env, p, "ABSENT", 0)
					} else {
						n++
						_, err = e.create(t, c, env, p, fmt.Sprintf("K%d", n), "v")
					}
					seen[d.DecidedBy]++
					var pr *api.Problem
					refused := errors.As(err, &pr) && pr.Status == http.StatusForbidden
					if refused == d.Allowed || (refused && !strings.Contains(pr.Detail, d.Reason)) ||
						(!refused && action == api.ActionRead && (pr == nil || pr.Status != http.StatusNotFound)) ||
						(!refused && action == api.ActionCreate && err != nil) {
						t.Errorf("%v %s at %s:%s: the API answers %v, the decision endpoint %v %q", grants, action, env, p, err, d.Allowed, d.Reason)
					}
				}
			}
		}
	}
	for _, by := range []string{api.DecidedByAllowRule, api.DecidedByDenyRule, api.DecidedByNoRule} {
		if seen[by] == 0 {
			t.Errorf("no case decided by %s: %v", by, seen)
		}
	}
}

// A project's first writes, concurrent and on two replicas, agree on one
// data key: every value is readable from either replica afterwards.
func TestSecretsFirstWritesShareADataKey(t *testing.T) {
	srv := servertest.Start(t, servertest.Options{Backend: servertest.Postgres})
	replica := servertest.Start(t, servertest.Options{DatabaseURL: srv.DatabaseURL, MasterKey: srv.MasterKey})
	e := newSecretsEnv(t, srv)
	clients := []*api.Client{e.admin, replica.Client(t, api.WithToken(e.a.token))}
	var wg sync.WaitGroup
	errs := make([]error, 16)
	for i := range errs {
		wg.Go(func() {
			_, errs[i] = clients[i%2].CreateSecret(context.Background(), fmt.Sprintf("K%d", i),
				api.SecretCreate{WorkspaceID: e.project.ID, Environment: "dev", SecretValue: fmt.Sprintf("v%d", i)})
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("create K%d: %v", i, err)
		}
	}
	for _, c := range clients {
		l := must(c.ListSecrets(t.Context(), api.SecretListQuery{WorkspaceID: e.project.ID, Environment: "dev"}))(t)
		if len(l.Secrets) != len(errs) {
			t.Fatalf("listed %d secrets, want %d", len(l.Secrets), len(errs))
		}
		for _, s := range l.Secrets {
			if s.SecretValue != "v"+strings.TrimPrefix(s.SecretKey, "K") {
				t.Errorf("%s = %q", s.SecretKey, s.SecretValue)
			}
		}
	}
}
