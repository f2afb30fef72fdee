package httpapi_test

import (
	"bufio"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/idplane/idplane/server/api"
	"github.com/idplane/idplane/server/servertest"
)

// authzInvalidations reads idplane_authz_cache_invalidations_total from the
// server's /metrics, by route.
func authzInvalidations(t *testing.T, srv *servertest.Server) map[string]float64 {
	t.Helper()
	res, err := http.Get(srv.URL + api.RouteMetrics.Path)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	out := map[string]float64{}
	const prefix = `idplane_authz_cache_invalidations_total{route="`
	sc := bufio.NewScanner(res.Body)
	for sc.Scan() {
		route, value, ok := strings.Cut(strings.TrimPrefix(sc.Text(), prefix), `"} `)
		if !ok || !strings.HasPrefix(sc.Text(), prefix) {
			continue
		}
		n, err := strconv.ParseFloat(value, 64)
		if err != nil {
			t.Fatalf("metric line %q: %v", sc.Text(), err)
		}
		out[route] = n
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// Secret and folder writes change nothing authorization reads: the replica
// keeps its authorization caches after them. A role write still makes it
// forget them before it answers, so the change applies to the very next
// request.
func TestSecretWritesKeepTheAuthorizationCache(t *testing.T) {
	backends(t, func(t *testing.T, srv *servertest.Server) {
		e := newSecretsEnv(t, srv)
		ctx := t.Context()
		c := e.admin
		reader := e.member(t, "reader", "no-access", []api.MembershipRole{{RoleSlug: "db-reader"}})
		rc := srv.Client(t, api.WithToken(e.login(t, reader.ID, api.UniversalAuthInput{})))
		_, err := e.get(t, rc, "dev", "/db", "K", 0)
		wantProblem(t, err, http.StatusForbidden, api.CodeForbidden) // db-reader reads prod only

		before := authzInvalidations(t, srv)
		must(e.create(t, c, "dev", "/db", "K", "v1"))(t)
		must(c.UpdateSecret(ctx, "K", 0, api.SecretUpdate{WorkspaceID: e.project.ID, Environment: "dev", SecretPath: "/db", SecretValue: ptr("v2")}))(t)
		must(c.CreateSecrets(ctx, api.SecretBatchCreate{WorkspaceID: e.project.ID, Environment: "dev", SecretPath: "/db",
			Secrets: []api.SecretBatchItem{{SecretKey: "L", SecretValue: "l"}}}))(t)
		must(c.UpdateSecrets(ctx, api.SecretBatchUpdate{WorkspaceID: e.project.ID, Environment: "dev", SecretPath: "/db",
			Secrets: []api.SecretBatchUpdateItem{{SecretKey: "L", SecretValue: ptr("l2")}}}))(t)
		must(c.DeleteSecrets(ctx, api.SecretBatchDelete{WorkspaceID: e.project.ID, Environment: "dev", SecretPath: "/db",
			Secrets: []api.SecretBatchDeleteItem{{SecretKey: "L"}}}))(t)
		f := must(c.CreateFolder(ctx, api.FolderCreate{WorkspaceID: e.project.ID, Environment: "dev", Path: "/", Name: "tmp"}))(t)
		must(c.RenameFolder(ctx, f.ID, 0, api.FolderUpdate{WorkspaceID: e.project.ID, Environment: "dev", Path: "/", Name: "tmp2"}))(t)
		must(struct{}{}, c.DeleteFolder(ctx, f.ID, 0, api.FolderDelete{WorkspaceID: e.project.ID, Environment: "dev", Path: "/"}))(t)
		must(struct{}{}, c.DeleteSecret(ctx, "K", 0, api.SecretDelete{WorkspaceID: e.project.ID, Environment: "dev", SecretPath: "/db"}))(t)
		must(e.create(t, c, "dev", "/db", "K", "v3"))(t)
		if after := authzInvalidations(t, srv); len(after) != len(before) || sum(after) != sum(before) {
			t.Fatalf("secret and folder writes invalidated the authorization cache: %v, then %v", before, after)
		}

		// A role write invalidates, and the reader may read dev at once.
		role := must(c.GetProjectRole(ctx, e.project.ID, "db-reader"))(t)
		rules := append(role.Permissions, api.PermissionRule{Subject: api.SubjectSecrets, Actions: []string{api.ActionRead},
			Conditions: &api.PermissionConditions{Environments: []string{"dev"}, SecretPaths: []string{"/db"}}})
		must(c.UpdateProjectRole(ctx, e.project.ID, role.ID, 0, api.RoleInput{Slug: role.Slug, Name: role.Name, Permissions: rules}))(t)
		if got := must(e.get(t, rc, "dev", "/db", "K", 0))(t); got.SecretValue != "v3" {
			t.Fatalf("after the role change: %+v", got)
		}
		if after := authzInvalidations(t, srv); after[api.RouteUpdateProjectRole.ID] != before[api.RouteUpdateProjectRole.ID]+1 {
			t.Fatalf("a role update did not invalidate once: %v, then %v", before, after)
		}
	})
}

func sum(m map[string]float64) float64 {
	var n float64
	for _, v := range m {
		n += v
	}
	return n
}

// KeepsAuthorization is set only where it is certain: on the writes of the
// secrets and folders APIs, which touch no identity, role, membership,
// project, environment or token. Marking any other route needs a reason
// written here.
func TestKeepsAuthorizationOnlyOnSecretWrites(t *testing.T) {
	n := 0
	for _, r := range api.Routes {
		if !r.KeepsAuthorization {
			continue
		}
		n++
		if !strings.HasPrefix(r.Path, "/api/v3/secrets/") && !strings.HasPrefix(r.Path, "/api/v1/folders") {
			t.Errorf("route %s (%s %s) keeps authorization: only secret and folder writes may", r.ID, r.Method, r.Path)
		}
	}
	if n != 9 {
		t.Errorf("%d routes keep authorization, want the 9 secret and folder writes", n)
	}
}

// A secret read finds its environment in the replica's fresh cache, as the
// decision endpoint does, not in the database: an environment renamed
// through another replica still answers here under its old slug until the
// cache entry is a second old (freshFor), then no longer.
func TestSecretReadsResolveTheEnvironmentFromTheCache(t *testing.T) {
	for _, b := range []servertest.Backend{servertest.Postgres, servertest.SQLite} {
		t.Run(string(b), func(t *testing.T) {
			var now atomic.Int64
			now.Store(time.Now().UnixNano())
			a := servertest.Start(t, servertest.Options{Backend: b, Now: func() time.Time { return time.Unix(0, now.Load()).UTC() }})
			other := servertest.Start(t, servertest.Options{DatabaseURL: a.DatabaseURL, MasterKey: a.MasterKey})
			ctx := t.Context()
			admin := a.Admin(t)
			p := must(admin.CreateProject(ctx, api.ProjectInput{Name: "Cache", Slug: "cache"}))(t)
			must(admin.CreateEnvironment(ctx, p.ID, api.EnvironmentInput{Name: "dev", Slug: "dev"}))(t)
			must(admin.CreateSecret(ctx, "K", api.SecretCreate{WorkspaceID: p.ID, Environment: "dev", SecretValue: "v"}))(t)
			read := func(env string) (*api.Secret, error) {
				return admin.GetSecret(ctx, "K", api.SecretGetQuery{WorkspaceID: p.ID, Environment: env})
			}
			must(read("dev"))(t)

			must(other.Client(t, api.WithUniversalAuth(a.Bootstrap.ClientID, a.Bootstrap.ClientSecret)).UpdateEnvironment(ctx, p.ID, "dev", 0, api.EnvironmentInput{Name: "dev", Slug: "renamed"}))(t)
			if got, err := read("dev"); err != nil || got.SecretValue != "v" {
				t.Fatalf("within a second of its rename elsewhere, dev answered %+v, %v: the read did not use the cached environment", got, err)
			}
			now.Add(int64(2 * time.Second))
			_, err := read("dev")
			if p := wantProblem(t, err, http.StatusNotFound, api.CodeNotFound); !strings.Contains(p.Detail, `environment "dev" in project "cache"`) {
				t.Errorf("after freshFor: %s", p.Detail)
			}
			must(read("renamed"))(t)
		})
	}
}
