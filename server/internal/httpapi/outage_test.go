package httpapi_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/idplane/idplane/server/api"
	"github.com/idplane/idplane/server/internal/dbtest"
	"github.com/idplane/idplane/server/servertest"
)

// answer is what one login got.
type answer struct {
	status     int
	code       string
	retryAfter string
	at         time.Time
}

func loginOnce(t *testing.T, url string, body []byte) answer {
	res, err := http.Post(url+api.RouteUniversalAuthLogin.Path, "application/json", bytes.NewReader(body))
	if err != nil {
		t.Errorf("login: %v", err)
		return answer{at: time.Now()}
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	a := answer{status: res.StatusCode, retryAfter: res.Header.Get("Retry-After"), at: time.Now()}
	if res.StatusCode != http.StatusOK {
		var p api.Problem
		_ = json.Unmarshal(b, &p)
		a.code = p.Code
	}
	return a
}

// PostgreSQL stopped under a login load and started again: during the
// outage every answer is a 503 database_unavailable with Retry-After (never
// a 500, never a token), /readyz says the database is unavailable, and after
// the restart logins succeed again without restarting the server.
func TestDatabaseOutageAnswers503(t *testing.T) {
	cluster := dbtest.NewCluster(t)
	srv := servertest.Start(t, servertest.Options{DatabaseURL: cluster.DSN})
	boot := srv.NewOrganization(t, "outage")
	body, _ := json.Marshal(api.UniversalAuthLoginRequest{ClientID: boot.ClientID, ClientSecret: boot.ClientSecret})

	before, err := srv.Client(t).Login(t.Context(), api.UniversalAuthLoginRequest{ClientID: boot.ClientID, ClientSecret: boot.ClientSecret})
	if err != nil {
		t.Fatalf("login before the outage: %v", err)
	}
	holder := srv.Client(t, api.WithToken(before.AccessToken))

	var (
		mu       sync.Mutex
		answers  []answer
		stopLoad = make(chan struct{})
		wg       sync.WaitGroup
	)
	for range 4 {
		wg.Go(func() {
			for {
				select {
				case <-stopLoad:
					return
				default:
				}
				a := loginOnce(t, srv.URL, body)
				mu.Lock()
				answers = append(answers, a)
				mu.Unlock()
				time.Sleep(5 * time.Millisecond)
			}
		})
	}

	time.Sleep(300 * time.Millisecond)
	stoppedAt := time.Now()
	cluster.Stop(t)
	time.Sleep(time.Second)

	res, err := http.Get(srv.URL + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	var p api.Problem
	_ = json.NewDecoder(res.Body).Decode(&p)
	res.Body.Close()
	if res.StatusCode != http.StatusServiceUnavailable || p.Code != api.CodeDatabaseUnavailable || res.Header.Get("Retry-After") == "" {
		t.Errorf("/readyz during the outage: %d %q, Retry-After %q; want 503 %s with Retry-After",
			res.StatusCode, p.Code, res.Header.Get("Retry-After"), api.CodeDatabaseUnavailable)
	}

	// A token from before the outage still verifies where no database is
	// needed; a read of stored objects is a 503 like everything else.
	if self, err := holder.TokenSelf(t.Context()); err != nil || self.IdentityID != boot.IdentityID {
		t.Errorf("token/self during the outage: %+v, %v; want the caller", self, err)
	}
	_, err = holder.ListIdentities(t.Context())
	wantProblem(t, err, http.StatusServiceUnavailable, api.CodeDatabaseUnavailable)

	time.Sleep(2 * time.Second)
	startedAt := time.Now()
	cluster.Start(t)
	deadline := time.Now().Add(15 * time.Second)
	for {
		a := loginOnce(t, srv.URL, body)
		if a.status == http.StatusOK {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no successful login within 15s of the restart; last answer %+v", a)
		}
		time.Sleep(100 * time.Millisecond)
	}
	time.Sleep(500 * time.Millisecond)
	close(stopLoad)
	wg.Wait()

	counts := map[string]int{}
	for _, a := range answers {
		key := fmt.Sprintf("%d %s", a.status, a.code)
		counts[key]++
		switch {
		case a.status == http.StatusOK:
		case a.status == http.StatusServiceUnavailable && a.code == api.CodeDatabaseUnavailable && a.retryAfter != "":
			if a.at.Before(stoppedAt) {
				t.Errorf("503 before the database stopped")
			}
		default:
			t.Errorf("answer %d %q (Retry-After %q) at %s, want 200 or 503 %s with Retry-After",
				a.status, a.code, a.retryAfter, a.at.Sub(stoppedAt), api.CodeDatabaseUnavailable)
		}
		if a.status == http.StatusOK && a.at.After(stoppedAt.Add(500*time.Millisecond)) && a.at.Before(startedAt) {
			t.Errorf("a login succeeded %s into the outage: a token without its rows", a.at.Sub(stoppedAt))
		}
	}
	t.Logf("answers under load: %v", counts)
	if counts[fmt.Sprintf("%d %s", http.StatusServiceUnavailable, api.CodeDatabaseUnavailable)] == 0 {
		t.Error("no 503 during the outage: the load did not reach it")
	}
	last := answers[len(answers)-1]
	if last.status != http.StatusOK {
		t.Errorf("last login under load after the restart: %+v, want 200", last)
	}
	if res, err := http.Get(srv.URL + "/readyz"); err != nil || res.StatusCode != http.StatusOK {
		t.Errorf("/readyz after the restart: %v %v", res.StatusCode, err)
	}
}
