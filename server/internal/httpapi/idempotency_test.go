package httpapi_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/idplane/idplane/server/api"
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

// Concurrent duplicates: while the first request runs, the others get 409
// idempotency_key_in_flight (or the first answer once it is stored); one
// object is created.
func TestIdempotentConcurrentDuplicates(t *testing.T) {
	srv := servertest.Start(t, servertest.Options{Backend: servertest.Postgres})
	a := firstTenant(t, srv)
	const body = `{"name":"ci","role":"member"}`
	var (
		wg      sync.WaitGroup
		mu      sync.Mutex
		answers []rawResponse
	)
	for range 8 {
		wg.Go(func() {
			r := a.post(t, "/api/v1/identities", "same", body)
			mu.Lock()
			answers = append(answers, r)
			mu.Unlock()
		})
	}
	wg.Wait()
	var created []byte
	for _, r := range answers {
		switch r.status {
		case http.StatusCreated:
			if created != nil && !bytes.Equal(created, r.body) {
				t.Errorf("two different answers: %s and %s", created, r.body)
			}
			created = r.body
		case http.StatusConflict:
			r.problem(t, http.StatusConflict, api.CodeIdempotencyKeyInFlight)
			if r.header.Get("Retry-After") == "" {
				t.Error("409 in flight without Retry-After")
			}
		default:
			t.Errorf("answer %d %s", r.status, r.body)
		}
	}
	if got := identityNames(must(a.c.ListIdentities(t.Context()))(t)); len(got) != 2 {
		t.Errorf("identities %v, want admin and one ci", got)
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
