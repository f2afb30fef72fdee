package httpapi_test

import (
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/idplane/idplane/server/api"
	"github.com/idplane/idplane/server/servertest"
)

// Three replicas on one PostgreSQL share revocations, use limits and
// lockouts through the database.
func TestReplicasShareOneDatabase(t *testing.T) {
	first := servertest.Start(t, servertest.Options{Backend: servertest.Postgres, TrustedProxies: secLoopback})
	replicas := []*servertest.Server{first}
	for range 2 {
		replicas = append(replicas, servertest.Start(t, servertest.Options{DatabaseURL: first.DatabaseURL,
			MasterKey: first.MasterKey, TrustedProxies: secLoopback}))
	}
	admin := first.Admin(t)

	t.Run("revocation reaches every replica within a second", func(t *testing.T) {
		identityID, clientID := secIdentity(t, admin, api.UniversalAuthInput{})
		cs := secSecret(t, admin, identityID, 0)
		token := secMustLogin(t, replicas[0].Client(t), clientID, cs.ClientSecret).AccessToken
		for i, r := range replicas {
			if _, err := r.Client(t, api.WithToken(token)).TokenSelf(t.Context()); err != nil {
				t.Fatalf("replica %d before the revocation: %v", i, err)
			}
		}
		if err := replicas[1].Client(t).RevokeToken(t.Context(), token); err != nil {
			t.Fatal(err)
		}
		revoked := time.Now()
		for _, i := range []int{0, 2} {
			c := replicas[i].Client(t, api.WithToken(token))
			for {
				_, err := c.TokenSelf(t.Context())
				if err != nil {
					secWant(t, err, http.StatusUnauthorized, api.CodeUnauthenticated)
					break
				}
				if time.Since(revoked) > time.Second {
					t.Fatalf("replica %d still accepts the token %s after its revocation elsewhere", i, time.Since(revoked))
				}
				time.Sleep(20 * time.Millisecond)
			}
		}
	})

	t.Run("a permission change takes effect on its replica at once and on every other within a second", func(t *testing.T) {
		identityID, clientID := secIdentity(t, admin, api.UniversalAuthInput{})
		cs := secSecret(t, admin, identityID, 0)
		proj, err := admin.CreateProject(t.Context(), api.ProjectInput{Name: "Replicated grants", Slug: "replicated-grants"})
		if err != nil {
			t.Fatal(err)
		}
		m, err := admin.CreateMembership(t.Context(), proj.ID, identityID, api.ProjectMembershipInput{Roles: []api.MembershipRole{{RoleSlug: "viewer"}}})
		if err != nil {
			t.Fatal(err)
		}
		token := secMustLogin(t, replicas[0].Client(t), clientID, cs.ClientSecret).AccessToken
		workloads := make([]*api.Client, len(replicas))
		for i, r := range replicas {
			workloads[i] = r.Client(t, api.WithToken(token))
			// Twice: the second answer comes from the replica's cache.
			for range 2 {
				if _, err := workloads[i].ListEnvironments(t.Context(), proj.ID); err != nil {
					t.Fatalf("replica %d before the change: %v", i, err)
				}
			}
		}
		if err := replicas[1].Client(t, api.WithUniversalAuth(first.Bootstrap.ClientID, first.Bootstrap.ClientSecret)).DeleteMembership(t.Context(), proj.ID, identityID, m.Version); err != nil {
			t.Fatal(err)
		}
		changed := time.Now()
		_, err = workloads[1].ListEnvironments(t.Context(), proj.ID)
		secWant(t, err, http.StatusForbidden, api.CodeForbidden)
		for _, i := range []int{0, 2} {
			for {
				_, err := workloads[i].ListEnvironments(t.Context(), proj.ID)
				if err != nil {
					secWant(t, err, http.StatusForbidden, api.CodeForbidden)
					break
				}
				// A second of freshness plus the time one request may take here.
				if time.Since(changed) > 1500*time.Millisecond {
					t.Fatalf("replica %d still grants what was taken away elsewhere %s ago", i, time.Since(changed))
				}
				time.Sleep(20 * time.Millisecond)
			}
		}
	})

	t.Run("a single-use secret gives one token to 1000 logins over three replicas", func(t *testing.T) {
		const n = 1000
		identityID, clientID := secIdentity(t, admin, api.UniversalAuthInput{})
		cs := secSecret(t, admin, identityID, 1)
		tr := &http.Transport{MaxIdleConns: n + 10, MaxIdleConnsPerHost: n + 10, IdleConnTimeout: time.Minute}
		t.Cleanup(tr.CloseIdleConnections)
		clients := make([]*api.Client, len(replicas))
		for i, r := range replicas {
			clients[i] = r.Client(t, api.WithHTTPClient(&http.Client{Transport: tr, Timeout: 2 * time.Minute}))
		}
		var (
			wg    sync.WaitGroup
			start = make(chan struct{})
			errs  = make([]error, n)
		)
		for i := range n {
			wg.Go(func() {
				<-start
				_, errs[i] = secLogin(t, clients[i%len(clients)], clientID, cs.ClientSecret)
			})
		}
		close(start)
		wg.Wait()
		won := 0
		for i, err := range errs {
			var p *api.Problem
			switch {
			case err == nil:
				won++
			case !errors.As(err, &p) || p.Status != http.StatusUnauthorized:
				t.Errorf("login %d on replica %d: %v, want a token or 401", i, i%len(clients), err)
			}
		}
		if won != 1 {
			t.Fatalf("%d logins got a token, want exactly 1", won)
		}
	})

	t.Run("lockout counts failures made on every replica", func(t *testing.T) {
		identityID, clientID := secIdentity(t, admin, secLockoutInput)
		cs := secSecret(t, admin, identityID, 0)
		wrong := "idp_cs_" + strings.Repeat("A", 43)
		for _, r := range replicas {
			_, err := secLogin(t, secClient(t, r, "10.0.0.5"), clientID, wrong)
			secWant(t, err, http.StatusUnauthorized, api.CodeLoginFailed)
		}
		rows := secLockouts(t, first, clientID)
		if len(rows) != 1 || rows[0].SourceKey != "10.0.0.5" || rows[0].LockedUntil == nil {
			t.Fatalf("lockouts after one failure on each replica: %+v, want 10.0.0.5 locked", rows)
		}
		for i, r := range replicas {
			_, err := secLogin(t, secClient(t, r, "10.0.0.5"), clientID, cs.ClientSecret)
			if err == nil {
				t.Errorf("replica %d let the locked-out source log in", i)
			}
		}
		secMustLogin(t, secClient(t, replicas[2], "10.0.0.6"), clientID, cs.ClientSecret)
	})
}
