package httpapi_test

// Helpers of the security baseline tests (security_login_test.go,
// security_token_test.go). Every name starts with sec: other files of this
// package are written by others at the same time.

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/netip"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/idplane/idplane/server/api"
	"github.com/idplane/idplane/server/servertest"
)

// secLoopback makes the test client (always 127.0.0.1) a trusted proxy, so
// that X-Forwarded-For can stand for different source addresses.
var secLoopback = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}

// secXFF is a transport that sends X-Forwarded-For: ip on every request.
type secXFF struct{ ip string }

func (x secXFF) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("X-Forwarded-For", x.ip)
	return http.DefaultTransport.RoundTrip(r)
}

// secClient is an API client whose requests claim to be forwarded for xff
// (none when empty).
func secClient(t *testing.T, srv *servertest.Server, xff string, opts ...api.Option) *api.Client {
	t.Helper()
	if xff != "" {
		opts = append([]api.Option{api.WithHTTPClient(&http.Client{Timeout: time.Minute, Transport: secXFF{ip: xff}})}, opts...)
	}
	return srv.Client(t, opts...)
}

var secSeq atomic.Int64

// secIdentity creates an identity with universal auth configured by ua and
// returns the identity ID and the client ID.
func secIdentity(t *testing.T, admin *api.Client, ua api.UniversalAuthInput) (string, string) {
	t.Helper()
	ident, err := admin.CreateIdentity(t.Context(), api.IdentityInput{Name: fmt.Sprintf("security-%d", secSeq.Add(1)), Role: "member"})
	if err != nil {
		t.Fatalf("create identity: %v", err)
	}
	u, err := admin.PutUniversalAuth(t.Context(), ident.ID, 0, ua)
	if err != nil {
		t.Fatalf("attach universal auth: %v", err)
	}
	return ident.ID, u.ClientID
}

func secSecret(t *testing.T, admin *api.Client, identityID string, numUses int) *api.ClientSecretCreated {
	t.Helper()
	cs, err := admin.CreateClientSecret(t.Context(), identityID, api.ClientSecretInput{Description: "security test", NumUsesLimit: numUses})
	if err != nil {
		t.Fatalf("create client secret: %v", err)
	}
	return cs
}

func secLogin(t *testing.T, c *api.Client, clientID, clientSecret string) (*api.LoginResponse, error) {
	t.Helper()
	return c.Login(t.Context(), api.UniversalAuthLoginRequest{ClientID: clientID, ClientSecret: clientSecret})
}

// secMustLogin logs in and fails the test unless a token comes back.
func secMustLogin(t *testing.T, c *api.Client, clientID, clientSecret string) *api.LoginResponse {
	t.Helper()
	res, err := secLogin(t, c, clientID, clientSecret)
	if err != nil {
		t.Fatalf("login: %v", err)
	}
	if res.AccessToken == "" {
		t.Fatal("login returned no access token")
	}
	return res
}

// secWant fails unless err is a problem with status and code.
func secWant(t *testing.T, err error, status int, code string) *api.Problem {
	t.Helper()
	var p *api.Problem
	if !errors.As(err, &p) {
		t.Fatalf("got error %v, want a %d %s problem", err, status, code)
	}
	if p.Status != status || p.Code != code {
		t.Fatalf("got %d %s (%s), want %d %s", p.Status, p.Code, p.Detail, status, code)
	}
	return p
}

// secRaw sends one request with plain net/http and returns status, headers and body.
func secRaw(t *testing.T, method, url, xff, bearer, body string) (int, http.Header, []byte) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if xff != "" {
		req.Header.Set("X-Forwarded-For", xff)
	}
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer res.Body.Close()
	var buf bytes.Buffer
	if _, err := buf.ReadFrom(res.Body); err != nil {
		t.Fatal(err)
	}
	return res.StatusCode, res.Header, buf.Bytes()
}

func secLoginBody(clientID, clientSecret string) string {
	b, _ := json.Marshal(map[string]string{"clientId": clientID, "clientSecret": clientSecret})
	return string(b)
}

// secFailedLogins returns the organization's failed-login audit events for an identity.
func secFailedLogins(t *testing.T, admin *api.Client, identityID string) []api.AuditEvent {
	t.Helper()
	list, err := admin.ListAuditEvents(t.Context(), api.AuditEventFilter{Outcome: api.OutcomeFailure,
		Action: "login.universal-auth", TargetID: identityID, Limit: 1000})
	if err != nil {
		t.Fatalf("list audit events: %v", err)
	}
	for _, e := range list.Events {
		if e.Outcome != api.OutcomeFailure || e.Reason == "" {
			t.Errorf("failed-login event %+v: want outcome failure with a reason", e)
		}
	}
	return list.Events
}

// secHasEvent reports whether one of events has the source IP and a reason containing reason.
func secHasEvent(events []api.AuditEvent, sourceIP, reason string) bool {
	return slices.ContainsFunc(events, func(e api.AuditEvent) bool {
		return e.SourceIP == sourceIP && strings.Contains(e.Reason, reason)
	})
}

func secUses(t *testing.T, admin *api.Client, identityID, secretID string) int {
	t.Helper()
	cs, err := admin.GetClientSecret(t.Context(), identityID, secretID)
	if err != nil {
		t.Fatalf("get client secret: %v", err)
	}
	return cs.NumUses
}

// secRow reads every column of one row by ID, as the driver returns them.
func secRow(t *testing.T, srv *servertest.Server, table, id string) map[string]any {
	t.Helper()
	rows, err := srv.App.Store.DB.Raw("SELECT * FROM "+table+" WHERE id = ?", id).Rows()
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		t.Fatal(err)
	}
	if !rows.Next() {
		t.Fatalf("no %s row %s", table, id)
	}
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	if err := rows.Scan(ptrs...); err != nil {
		t.Fatal(err)
	}
	out := map[string]any{}
	for i, c := range cols {
		out[c] = vals[i]
	}
	return out
}

// secBackends runs fn on a PostgreSQL and a SQLite server started with opts.
func secBackends(t *testing.T, opts servertest.Options, fn func(t *testing.T, srv *servertest.Server)) {
	for _, b := range []servertest.Backend{servertest.Postgres, servertest.SQLite} {
		t.Run(string(b), func(t *testing.T) {
			o := opts
			o.Backend = b
			fn(t, servertest.Start(t, o))
		})
	}
}

func secInt(v int) *int { return &v }

// secSelf calls TokenSelf with a bare token, forwarded for xff unless empty.
func secSelf(t *testing.T, srv *servertest.Server, token, xff string) (*api.TokenSelf, error) {
	t.Helper()
	return secClient(t, srv, xff, api.WithToken(token)).TokenSelf(t.Context())
}

func secSleepUntil(at time.Time) { time.Sleep(time.Until(at)) }
