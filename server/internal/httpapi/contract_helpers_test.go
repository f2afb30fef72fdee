package httpapi_test

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/idplane/idplane/server/api"
	"github.com/idplane/idplane/server/internal/service"
	"github.com/idplane/idplane/server/servertest"
)

// Helpers shared by the API contract tests (projects, identities, roles,
// memberships, audit).

// tenant is one organization's admin, logged in once so that the tests know
// its access token (to send raw requests and to look for it in audit events).
type tenant struct {
	srv   *servertest.Server
	boot  service.BootstrapResult
	token string
	c     *api.Client
}

func newTenant(t *testing.T, srv *servertest.Server, boot service.BootstrapResult) *tenant {
	t.Helper()
	res, err := srv.Client(t).Login(t.Context(), api.UniversalAuthLoginRequest{ClientID: boot.ClientID, ClientSecret: boot.ClientSecret})
	if err != nil {
		t.Fatalf("admin login: %v", err)
	}
	return &tenant{srv: srv, boot: boot, token: res.AccessToken, c: srv.Client(t, api.WithToken(res.AccessToken))}
}

// firstTenant is the organization the server bootstrapped.
func firstTenant(t *testing.T, srv *servertest.Server) *tenant {
	t.Helper()
	return newTenant(t, srv, srv.Bootstrap)
}

// otherTenant bootstraps another organization, for tenant isolation checks.
func otherTenant(t *testing.T, srv *servertest.Server, name string) *tenant {
	t.Helper()
	return newTenant(t, srv, srv.NewOrganization(t, name))
}

// rawResponse is an HTTP response read in full.
type rawResponse struct {
	status int
	header http.Header
	body   []byte
}

// raw sends a request with the tenant's token; ifMatch is sent when not empty.
func (tn *tenant) raw(t *testing.T, method, path, ifMatch, body string) rawResponse {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequestWithContext(t.Context(), method, tn.srv.URL+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+tn.token)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if ifMatch != "" {
		req.Header.Set("If-Match", ifMatch)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return rawResponse{status: res.StatusCode, header: res.Header, body: b}
}

// wantETag checks that a successful response carries its object's version
// as ETag, and returns that version.
func (r rawResponse) wantETag(t *testing.T, wantStatus int) int64 {
	t.Helper()
	if r.status != wantStatus {
		t.Fatalf("status %d, want %d; body %s", r.status, wantStatus, r.body)
	}
	var obj struct {
		Version int64 `json:"version"`
	}
	if err := json.Unmarshal(r.body, &obj); err != nil || obj.Version == 0 {
		t.Fatalf("body %s has no version (%v)", r.body, err)
	}
	if got, want := r.header.Get("ETag"), api.ETag(obj.Version); got != want {
		t.Errorf("ETag %q, want %q (the body's version)", got, want)
	}
	return obj.Version
}

// problem checks that r is an application/problem+json document with the
// given status and code, and returns it.
func (r rawResponse) problem(t *testing.T, status int, code string) *api.Problem {
	t.Helper()
	if r.status != status {
		t.Fatalf("status %d, want %d; body %s", r.status, status, r.body)
	}
	if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/problem+json") {
		t.Errorf("Content-Type %q, want application/problem+json", ct)
	}
	p := &api.Problem{}
	if err := json.Unmarshal(r.body, p); err != nil {
		t.Fatalf("problem body %s: %v", r.body, err)
	}
	if p.Status != status || p.Code != code {
		t.Fatalf("problem %d %q, want %d %q: %s", p.Status, p.Code, status, code, r.body)
	}
	return p
}

// wantProblem checks that err is an API problem with the given status and code.
func wantProblem(t *testing.T, err error, status int, code string) *api.Problem {
	t.Helper()
	var p *api.Problem
	if !errors.As(err, &p) {
		t.Fatalf("error %v, want a %d %s problem", err, status, code)
	}
	if p.Status != status || p.Code != code {
		t.Fatalf("problem %d %q (%s), want %d %q", p.Status, p.Code, p.Detail, status, code)
	}
	return p
}

// wantNotFound checks that err is a 404 not_found problem.
func wantNotFound(t *testing.T, err error) {
	t.Helper()
	wantProblem(t, err, http.StatusNotFound, api.CodeNotFound)
}

// wantFieldError checks that a validation problem names field, with a
// message holding every one of contains.
func wantFieldError(t *testing.T, p *api.Problem, field string, contains ...string) {
	t.Helper()
	if p.Code != api.CodeValidation || p.Status != http.StatusBadRequest {
		t.Fatalf("problem %d %q, want 400 %q", p.Status, p.Code, api.CodeValidation)
	}
	i := slices.IndexFunc(p.Errors, func(e api.FieldError) bool { return e.Field == field })
	if i < 0 {
		t.Fatalf("errors %+v do not name field %q", p.Errors, field)
	}
	for _, s := range contains {
		if !strings.Contains(p.Errors[i].Message, s) {
			t.Errorf("message for %s is %q, want it to mention %q", field, p.Errors[i].Message, s)
		}
	}
}

// must returns v, failing the test on err: must(c.GetProject(ctx, id))(t).
func must[T any](v T, err error) func(t *testing.T) T {
	return func(t *testing.T) T {
		t.Helper()
		if err != nil {
			t.Fatalf("unexpected error: %v", err)
		}
		return v
	}
}

func ptr[T any](v T) *T { return &v }
