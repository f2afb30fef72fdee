package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/idplane/idplane/server/api"
	"github.com/idplane/idplane/server/internal/httpapi"
	"github.com/idplane/idplane/server/internal/store"
	"github.com/idplane/idplane/server/servertest"
)

// post sends a create with an Idempotency-Key as the tenant.
func (tn *tenant) post(t *testing.T, path, key, body string) rawResponse {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, tn.srv.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+tn.token)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(api.HeaderIdempotencyKey, key)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("POST %s: %v", path, err)
	}
	defer res.Body.Close()
	var b bytes.Buffer
	if _, err := b.ReadFrom(res.Body); err != nil {
		t.Fatal(err)
	}
	return rawResponse{status: res.StatusCode, header: res.Header, body: b.Bytes()}
}

func TestIdempotentCreates(t *testing.T) {
	backends(t, func(t *testing.T, srv *servertest.Server) {
		ctx := t.Context()
		a := firstTenant(t, srv)
		const body = `{"name":"Web","slug":"web","description":"shop"}`

		first := a.post(t, "/api/v1/projects", "key-1", body)
		first.wantETag(t, http.StatusCreated)
		if first.header.Get(api.HeaderIdempotentReplayed) != "" {
			t.Errorf("first answer marked as replayed")
		}
		again := a.post(t, "/api/v1/projects", "key-1", body)
		again.wantETag(t, http.StatusCreated)
		if !bytes.Equal(again.body, first.body) || again.header.Get(api.HeaderIdempotentReplayed) != "true" {
			t.Errorf("replay: %s (replayed %q), want the first answer %s", again.body, again.header.Get(api.HeaderIdempotentReplayed), first.body)
		}
		if l := must(a.c.ListProjects(ctx))(t); len(l.Projects) != 1 {
			t.Errorf("projects after a replay: %+v, want one", l.Projects)
		}

		// The same key with another body, or on another path, is refused.
		p := a.post(t, "/api/v1/projects", "key-1", `{"name":"Web","slug":"web2"}`).problem(t, http.StatusUnprocessableEntity, api.CodeIdempotencyKeyReused)
		if !strings.Contains(p.Detail, "Idempotency-Key") {
			t.Errorf("422 detail %q does not name the header", p.Detail)
		}
		a.post(t, "/api/v1/org-roles", "key-1", `{"slug":"ops","name":"Ops","permissions":[]}`).problem(t, http.StatusUnprocessableEntity, api.CodeIdempotencyKeyReused)

		// An error answer is not kept: a retry runs again.
		a.post(t, "/api/v1/projects", "key-2", body).problem(t, http.StatusConflict, api.CodeConflict)
		if err := a.c.DeleteProject(ctx, decodeID(t, first.body), 0); err != nil {
			t.Fatal(err)
		}
		a.post(t, "/api/v1/projects", "key-2", body).wantETag(t, http.StatusCreated)

		// A bad key names the header and what is allowed.
		bad := a.post(t, "/api/v1/projects", "has space", `{"name":"X","slug":"x"}`).problem(t, http.StatusBadRequest, api.CodeValidation)
		wantFieldError(t, bad, api.HeaderIdempotencyKey, "printable ASCII")

		// Another organization using the same key gets its own object.
		b := otherTenant(t, srv, "globex")
		other := b.post(t, "/api/v1/projects", "key-1", body)
		other.wantETag(t, http.StatusCreated)
		if decodeID(t, other.body) == decodeID(t, first.body) || other.header.Get(api.HeaderIdempotentReplayed) != "" {
			t.Errorf("other organization got %s, want a project of its own", other.body)
		}
	})
}

func decodeID(t *testing.T, body []byte) string {
	t.Helper()
	var obj struct {
		ID string `json:"id"`
	}
	if err := json.Unmarshal(body, &obj); err != nil || obj.ID == "" {
		t.Fatalf("body %s has no id (%v)", body, err)
	}
	return obj.ID
}

// A client secret's answer is replayed with the same secret, which logs in,
// and is kept encrypted: the secret is not in the database.
func TestIdempotentClientSecret(t *testing.T) {
	backends(t, func(t *testing.T, srv *servertest.Server) {
		ctx := t.Context()
		a := firstTenant(t, srv)
		ident := must(a.c.CreateIdentity(ctx, api.IdentityInput{Name: "ci", Role: "member"}))(t)
		ua := must(a.c.PutUniversalAuth(ctx, ident.ID, 0, api.UniversalAuthInput{}))(t)
		path := "/api/v1/identities/" + ident.ID + "/universal-auth/client-secrets"

		var first, again api.ClientSecretCreated
		r1 := a.post(t, path, "cs-1", `{"description":"ci"}`)
		r2 := a.post(t, path, "cs-1", `{"description":"ci"}`)
		if r1.status != http.StatusCreated || r2.status != http.StatusCreated {
			t.Fatalf("statuses %d, %d: %s %s", r1.status, r2.status, r1.body, r2.body)
		}
		_ = json.Unmarshal(r1.body, &first)
		_ = json.Unmarshal(r2.body, &again)
		if first.ClientSecret == "" || again.ClientSecret != first.ClientSecret || again.ClientSecretData.ID != first.ClientSecretData.ID {
			t.Fatalf("replayed secret %q (%s), want %q (%s)", again.ClientSecret, again.ClientSecretData.ID, first.ClientSecret, first.ClientSecretData.ID)
		}
		if l := must(a.c.ListClientSecrets(ctx, ident.ID))(t); len(l.ClientSecrets) != 1 {
			t.Errorf("client secrets: %d, want one", len(l.ClientSecrets))
		}
		if _, err := srv.Client(t).Login(ctx, api.UniversalAuthLoginRequest{ClientID: ua.ClientID, ClientSecret: again.ClientSecret}); err != nil {
			t.Errorf("login with the replayed secret: %v", err)
		}
		var rows []store.IdempotencyKey
		if err := srv.App.Store.DB.Find(&rows).Error; err != nil {
			t.Fatal(err)
		}
		for _, r := range rows {
			if bytes.Contains(r.Response, []byte(first.ClientSecret)) || bytes.Contains(r.Response, []byte(first.ClientSecretData.ID)) {
				t.Errorf("stored answer for %s holds the answer in clear", r.Key)
			}
		}
	})
}

// Concurrent duplicates, on PostgreSQL where they truly run at once: each
// runs, the first to commit keeps its object and its answer, and every
// other rolls back and answers that answer. One object, one answer.
func TestIdempotentConcurrentDuplicates(t *testing.T) {
	srv := servertest.Start(t, servertest.Options{Backend: servertest.Postgres})
	a := firstTenant(t, srv)
	for _, tc := range []struct{ path, body string }{
		{"/api/v1/identities", `{"name":"ci","role":"member"}`},
		// No unique name: the losers get as far as storing the answer.
		{"/api/v1/identities/" + srv.Bootstrap.IdentityID + "/universal-auth/client-secrets", `{"description":"ci"}`},
	} {
		var (
			wg      sync.WaitGroup
			mu      sync.Mutex
			answers []rawResponse
		)
		for range 8 {
			wg.Go(func() {
				r := a.post(t, tc.path, "same", tc.body)
				mu.Lock()
				answers = append(answers, r)
				mu.Unlock()
			})
		}
		wg.Wait()
		replayed := 0
		for _, r := range answers {
			if r.status != http.StatusCreated {
				t.Fatalf("%s: answer %d %s, want 201", tc.path, r.status, r.body)
			}
			if !bytes.Equal(r.body, answers[0].body) {
				t.Errorf("%s: two different answers: %s and %s", tc.path, answers[0].body, r.body)
			}
			if r.header.Get(api.HeaderIdempotentReplayed) == "true" {
				replayed++
			}
		}
		if replayed != len(answers)-1 {
			t.Errorf("%s: %d answers replayed, want all but the first (%d)", tc.path, replayed, len(answers)-1)
		}
		// The key answered that request: another request under it is refused.
		a.post(t, "/api/v1/projects", "same", `{"name":"X","slug":"x"}`).problem(t, http.StatusUnprocessableEntity, api.CodeIdempotencyKeyReused)
		if err := srv.App.Store.DB.Where("idempotency_key = ?", "same").Delete(&store.IdempotencyKey{}).Error; err != nil {
			t.Fatal(err)
		}
	}
	if got := identityNames(must(a.c.ListIdentities(t.Context()))(t)); len(got) != 2 {
		t.Errorf("identities %v, want admin and one ci", got)
	}
	if l := must(a.c.ListClientSecrets(t.Context(), srv.Bootstrap.IdentityID))(t); len(l.ClientSecrets) != 2 {
		t.Errorf("client secrets: %d, want the admin's and one more", len(l.ClientSecrets))
	}
}

// The scenario: the answer to POST /api/v1/identities is lost after
// the server created the identity. The Go client retries with the same key
// and gets the first answer: one identity, no 409.
func TestLostAnswerToCreateIsRetriedIdempotently(t *testing.T) {
	srv := servertest.Start(t, servertest.Options{Backend: servertest.Postgres})
	proxy := servertest.StartDroppingProxy(t, srv.URL, http.MethodPost, "/api/v1/identities")
	c, err := api.NewClient(proxy.URL, api.WithUniversalAuth(srv.Bootstrap.ClientID, srv.Bootstrap.ClientSecret),
		api.WithRetry(api.RetryPolicy{MaxAttempts: 3, MinWait: 10 * time.Millisecond, MaxWait: 50 * time.Millisecond}))
	if err != nil {
		t.Fatal(err)
	}
	got, err := c.CreateIdentity(t.Context(), api.IdentityInput{Name: "ci", Role: "member"})
	if err != nil {
		t.Fatalf("create through the dropping proxy: %v", err)
	}
	if proxy.Dropped() != 1 {
		t.Fatalf("the proxy dropped %d answers, want 1", proxy.Dropped())
	}
	l := must(srv.Admin(t).ListIdentities(t.Context()))(t)
	var ids []string
	for _, i := range l.Identities {
		if i.Name == "ci" {
			ids = append(ids, i.ID)
		}
	}
	if len(ids) != 1 || ids[0] != got.ID {
		t.Errorf("identities named ci: %v, want exactly the one answered (%s)", ids, got.ID)
	}
}

// The server dies after a create committed and before anything was
// answered (the hook aborts the handler there, as a crash would; the
// client's connection is closed without an answer). The answer was
// committed with the change, so the retry with the same key replays it at
// once, for every kind of create, the client secret's with its secret: one
// object, and no claim left on the key to wait out.
func TestCrashBetweenCommitAndAnswer(t *testing.T) {
	backends(t, func(t *testing.T, srv *servertest.Server) {
		ctx := t.Context()
		a := firstTenant(t, srv)
		project := must(a.c.CreateProject(ctx, api.ProjectInput{Name: "Shop", Slug: "shop"}))(t)
		ident := must(a.c.CreateIdentity(ctx, api.IdentityInput{Name: "ci", Role: "member"}))(t)
		ua := must(a.c.PutUniversalAuth(ctx, ident.ID, 0, api.UniversalAuthInput{}))(t)
		var crash atomic.Bool
		httpapi.SetAfterCommitHook(t, func() {
			if crash.CompareAndSwap(true, false) {
				panic(http.ErrAbortHandler)
			}
		})
		for _, tc := range []struct {
			name, path, body string
			table            any
		}{
			{"project", "/api/v1/projects", `{"name":"Web","slug":"web"}`, &store.Project{}},
			{"environment", "/api/v1/projects/" + project.ID + "/environments", `{"name":"QA","slug":"qa"}`, &store.Environment{}},
			{"identity", "/api/v1/identities", `{"name":"deployer","role":"member"}`, &store.Identity{}},
			{"org role", "/api/v1/org-roles", `{"slug":"ops","name":"Ops","permissions":[]}`, &store.Role{}},
			{"project role", "/api/v1/projects/" + project.ID + "/roles", `{"slug":"dev","name":"Dev","permissions":[]}`, &store.Role{}},
			{"membership", "/api/v1/projects/" + project.ID + "/identity-memberships/" + ident.ID, `{"roles":[{"roleSlug":"viewer"}]}`, &store.Membership{}},
			{"client secret", "/api/v1/identities/" + ident.ID + "/universal-auth/client-secrets", `{"description":"ci"}`, &store.ClientSecret{}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				before := countRows(t, srv, tc.table)
				key := "crash-" + strings.ReplaceAll(tc.name, " ", "-")
				crash.Store(true)
				if r, err := a.send(ctx, tc.path, key, tc.body); err == nil {
					t.Fatalf("the crashed request was answered: %d %s", r.status, r.body)
				}
				if crash.Load() {
					t.Fatal("the request never reached its commit")
				}
				again := a.post(t, tc.path, key, tc.body)
				if again.status != http.StatusCreated || again.header.Get(api.HeaderIdempotentReplayed) != "true" {
					t.Fatalf("retry: %d %s (replayed %q), want the first answer replayed", again.status, again.body, again.header.Get(api.HeaderIdempotentReplayed))
				}
				if got := countRows(t, srv, tc.table); got != before+1 {
					t.Errorf("%d rows after the crash and the retry, want %d", got, before+1)
				}
				if tc.name == "client secret" {
					var cs api.ClientSecretCreated
					if err := json.Unmarshal(again.body, &cs); err != nil || cs.ClientSecret == "" {
						t.Fatalf("replayed client secret %s (%v) holds no secret", again.body, err)
					}
					if _, err := srv.Client(t).Login(ctx, api.UniversalAuthLoginRequest{ClientID: ua.ClientID, ClientSecret: cs.ClientSecret}); err != nil {
						t.Errorf("login with the replayed secret: %v", err)
					}
				}
			})
		}
	})
}

func countRows(t *testing.T, srv *servertest.Server, table any) int64 {
	t.Helper()
	var n int64
	if err := srv.App.Store.DB.Model(table).Count(&n).Error; err != nil {
		t.Fatal(err)
	}
	return n
}

// send is post that returns a transport error instead of failing the test.
// Each request has a connection of its own: net/http resends a request
// carrying an Idempotency-Key by itself when a reused connection closes
// without an answer, which would hide the crash.
func (tn *tenant) send(ctx context.Context, path, key, body string) (rawResponse, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, tn.srv.URL+path, strings.NewReader(body))
	if err != nil {
		return rawResponse{}, err
	}
	req.Header.Set("Authorization", "Bearer "+tn.token)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(api.HeaderIdempotencyKey, key)
	res, err := (&http.Client{Transport: &http.Transport{DisableKeepAlives: true}}).Do(req)
	if err != nil {
		return rawResponse{}, err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	return rawResponse{status: res.StatusCode, header: res.Header, body: b}, err
}
