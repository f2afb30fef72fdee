package httpapi_test

import (
	"context"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/idplane/idplane/server/api"
	"github.com/idplane/idplane/server/servertest"
)

var requestIDRE = regexp.MustCompile(`^[0-9a-f]{32}$`)

func get(t *testing.T, url string) (int, http.Header, string) {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, res.Header, string(b)
}

// /healthz, /readyz, /metrics, the JWKS and the OpenAPI document answer
// without a token; the metrics count requests by route template and status,
// latency, logins by outcome and issued tokens, with any method but the
// seven known ones counted as "other"; the group commit's batches (how many
// requests each carried, how long each took); every answer has a request ID.
func TestObservabilityEndpoints(t *testing.T) {
	srv := servertest.Start(t, servertest.Options{Backend: servertest.SQLite})
	ctx := context.Background()
	c := srv.Client(t)
	if _, err := c.Login(ctx, api.UniversalAuthLoginRequest{ClientID: srv.Bootstrap.ClientID, ClientSecret: srv.Bootstrap.ClientSecret}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Login(ctx, api.UniversalAuthLoginRequest{ClientID: srv.Bootstrap.ClientID, ClientSecret: "idp_cs_wrong"}); !api.IsStatus(err, http.StatusUnauthorized) {
		t.Fatalf("wrong secret: %v", err)
	}
	if _, err := srv.Admin(t).GetProject(ctx, "no-such-project"); !api.IsNotFound(err) {
		t.Fatalf("missing project: %v", err)
	}
	requestIDs := map[string]bool{}
	for path, want := range map[string]string{"/healthz": `"ok"`, "/readyz": `"ready"`, "/.well-known/jwks.json": `"EdDSA"`, "/api/openapi.json": `"openapi"`} {
		status, h, body := get(t, srv.URL+path)
		id := h.Get("X-Request-Id")
		if status != http.StatusOK || !strings.Contains(body, want) || !requestIDRE.MatchString(id) || requestIDs[id] {
			t.Errorf("%s: %d, request ID %q (want 32 hex digits, new each time), body lacks %s", path, status, id, want)
		}
		requestIDs[id] = true
	}
	// Any token is a method to net/http: each must not become a label set.
	for _, m := range []string{"BREW", "PROPFIND"} {
		for _, path := range []string{"/no-such-route", "/api/v1/projects"} {
			req, _ := http.NewRequest(m, srv.URL+path, nil)
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
		}
	}
	status, _, body := get(t, srv.URL+"/metrics")
	if status != http.StatusOK {
		t.Fatalf("/metrics: %d", status)
	}
	if strings.Contains(body, `method="BREW"`) || strings.Contains(body, `method="PROPFIND"`) || !strings.Contains(body, `method="other"`) {
		t.Errorf("/metrics labels unknown methods by name, or not as other")
	}
	for _, want := range []string{
		`idplane_http_requests_total{method="GET",route="/api/v1/projects/:projectId",status="404"} 1`,
		`idplane_http_request_duration_seconds_bucket{method="POST",route="/api/v1/auth/universal-auth/login"`,
		`idplane_logins_total{method="universal-auth",outcome="success"}`,
		`idplane_logins_total{method="universal-auth",outcome="failure"} 1`,
		`idplane_tokens_issued_total{method="universal-auth"}`,
		`go_goroutines`,
		"\ngo_gc_heap_live_bytes ",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	// The login's token and audit events, and the refused one's event,
	// were committed by the group commit, which reports each batch.
	for _, want := range []string{`(?m)^idplane_group_commit_requests_count [1-9]`, `(?m)^idplane_group_commit_requests_sum [1-9]`,
		`(?m)^idplane_group_commit_duration_seconds_count [1-9]`, `(?m)^idplane_group_commit_duration_seconds_bucket\{le="1"\} [1-9]`} {
		if !regexp.MustCompile(want).MatchString(body) {
			t.Errorf("/metrics lacks a committed batch: %s", want)
		}
	}
}
