package api

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func problem(w http.ResponseWriter, status int, code string) {
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(NewProblem(status, code, "test"))
}

// A rate limit and a database outage both say when to come back; the
// client waits that long even when its own backoff is shorter.
func TestClientRetriesHonouringRetryAfter(t *testing.T) {
	for _, tt := range []struct {
		status int
		code   string
	}{{http.StatusTooManyRequests, CodeRateLimited}, {http.StatusServiceUnavailable, CodeDatabaseUnavailable}} {
		t.Run(tt.code, func(t *testing.T) {
			var calls atomic.Int32
			var first, second time.Time
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				switch calls.Add(1) {
				case 1:
					first = time.Now()
					w.Header().Set("Retry-After", "1")
					problem(w, tt.status, tt.code)
				default:
					second = time.Now()
					_ = json.NewEncoder(w).Encode(Health{Status: "ok"})
				}
			}))
			defer srv.Close()
			c, err := NewClient(srv.URL, WithRetry(RetryPolicy{MaxAttempts: 3, MinWait: time.Millisecond, MaxWait: 5 * time.Millisecond}))
			if err != nil {
				t.Fatal(err)
			}
			var out Health
			if err := c.Call(context.Background(), RouteHealthz, nil, nil, 0, nil, &out); err != nil {
				t.Fatal(err)
			}
			if calls.Load() != 2 || out.Status != "ok" {
				t.Fatalf("calls=%d status=%q", calls.Load(), out.Status)
			}
			if gap := second.Sub(first); gap < 900*time.Millisecond {
				t.Fatalf("retried after %s, before Retry-After's 1s", gap)
			}
		})
	}
}

func TestClientGivesUpAfterMaxAttemptsOn5xx(t *testing.T) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		problem(w, http.StatusServiceUnavailable, CodeDatabaseUnavailable)
	}))
	defer srv.Close()
	c, _ := NewClient(srv.URL, WithRetry(RetryPolicy{MaxAttempts: 3, MinWait: time.Millisecond, MaxWait: 2 * time.Millisecond}))
	err := c.Call(context.Background(), RouteReadyz, nil, nil, 0, nil, &Health{})
	if !IsStatus(err, http.StatusServiceUnavailable) || calls.Load() != 3 {
		t.Fatalf("err=%v calls=%d, want a 503 problem after 3 calls", err, calls.Load())
	}
}

func TestClientDoesNotRetryClientErrors(t *testing.T) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		problem(w, http.StatusConflict, CodeConflict)
	}))
	defer srv.Close()
	c, _ := NewClient(srv.URL, WithToken("t"))
	_, err := c.CreateProject(context.Background(), ProjectInput{Name: "a", Slug: "a"})
	if !IsStatus(err, http.StatusConflict) || calls.Load() != 1 {
		t.Fatalf("err=%v calls=%d", err, calls.Load())
	}
}

// A token that stops working (revoked, server restarted with new keys) is
// replaced by logging in again, once.
func TestClientLogsInAgainOn401(t *testing.T) {
	var logins, gets atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.URL.Path == RouteUniversalAuthLogin.Path:
			n := logins.Add(1)
			_ = json.NewEncoder(w).Encode(LoginResponse{AccessToken: "tok" + string(rune('0'+n)), ExpiresIn: 3600, AccessTokenMaxTTL: 7200, TokenType: "Bearer"})
		case r.Header.Get("Authorization") == "Bearer tok2":
			gets.Add(1)
			_ = json.NewEncoder(w).Encode(TokenSelf{IdentityID: "i"})
		default:
			gets.Add(1)
			problem(w, http.StatusUnauthorized, CodeUnauthenticated)
		}
	}))
	defer srv.Close()
	c, _ := NewClient(srv.URL, WithUniversalAuth("id", "secret"), WithUserAgent("ua-test"))
	self, err := c.TokenSelf(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if self.IdentityID != "i" || logins.Load() != 2 || gets.Load() != 2 {
		t.Fatalf("identity=%q logins=%d gets=%d", self.IdentityID, logins.Load(), gets.Load())
	}
}

func TestClientSendsIfMatchAndUserAgent(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("If-Match") != `"7"` || r.Header.Get("User-Agent") != "ua/1" || r.URL.EscapedPath() != "/api/v1/projects/p%2F1" {
			problem(w, http.StatusBadRequest, CodeValidation)
			return
		}
		_ = json.NewEncoder(w).Encode(Project{ID: "p/1", Version: 8})
	}))
	defer srv.Close()
	c, _ := NewClient(srv.URL, WithToken("t"), WithUserAgent("ua/1"))
	p, err := c.UpdateProject(context.Background(), "p/1", 7, ProjectInput{})
	if err != nil || p.Version != 8 {
		t.Fatalf("p=%v err=%v", p, err)
	}
}

func TestFillPath(t *testing.T) {
	if _, err := fillPath("/a/{x}/b/{y}", []string{"1"}); err == nil || !strings.Contains(err.Error(), "{y}") {
		t.Fatalf("missing param not reported: %v", err)
	}
	if _, err := fillPath("/a/{x}", []string{""}); err == nil {
		t.Fatal("empty param accepted")
	}
	if _, err := fillPath("/a", []string{"1"}); err == nil {
		t.Fatal("extra param accepted")
	}
}

func TestNewClientRejectsBadHost(t *testing.T) {
	for _, h := range []string{"", "127.0.0.1:8080", "ftp://x", "http://"} {
		if _, err := NewClient(h); err == nil {
			t.Errorf("host %q accepted", h)
		}
	}
}

// Every create carries an Idempotency-Key of its own, the same on each of
// its retries; reads carry none.
func TestClientSendsOneIdempotencyKeyPerCreate(t *testing.T) {
	var keys []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		keys = append(keys, r.Method+" "+r.Header.Get(HeaderIdempotencyKey))
		if len(keys)%2 == 1 && r.Method == http.MethodPost {
			problem(w, http.StatusServiceUnavailable, CodeDatabaseUnavailable)
			return
		}
		w.WriteHeader(http.StatusCreated)
		_ = json.NewEncoder(w).Encode(Project{ID: "p"})
	}))
	defer srv.Close()
	c, _ := NewClient(srv.URL, WithToken("t"), WithRetry(RetryPolicy{MaxAttempts: 3, MinWait: time.Millisecond, MaxWait: 2 * time.Millisecond}))
	for range 2 {
		if _, err := c.CreateProject(context.Background(), ProjectInput{Name: "a", Slug: "a"}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := c.GetProject(context.Background(), "p"); err != nil {
		t.Fatal(err)
	}
	if len(keys) != 5 || keys[0] != keys[1] || keys[2] != keys[3] || keys[0] == keys[2] ||
		len(keys[0]) < len("POST ")+32 || keys[4] != "GET " {
		t.Errorf("requests %q: want each create's key on both its attempts, a new key per create, none on reads", keys)
	}
}
