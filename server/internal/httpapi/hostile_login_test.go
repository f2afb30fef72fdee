package httpapi_test

import (
	"errors"
	"maps"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/idplane/idplane/server/api"
	"github.com/idplane/idplane/server/internal/store"
	"github.com/idplane/idplane/server/servertest"
)

// One client's bad input never fails another client's login: while some
// clients log in with a User-Agent that is not UTF-8 or is cut inside a
// character, or name an identity that is, valid universal-auth logins of
// other clients all succeed (their audit rows share group commits with the
// hostile ones), every hostile request gets a 2xx or a 4xx, and every
// refusal is audited.
func TestHostileLoginsNeverFailOthers(t *testing.T) {
	srv := servertest.Start(t, servertest.Options{Backend: servertest.Postgres})
	ctx := t.Context()
	admin := srv.Admin(t)
	identityID, clientID := secIdentity(t, admin, api.UniversalAuthInput{})
	cs := secSecret(t, admin, identityID, 0)
	login := api.UniversalAuthLoginRequest{ClientID: clientID, ClientSecret: cs.ClientSecret}

	tr := &http.Transport{MaxIdleConnsPerHost: 64}
	t.Cleanup(tr.CloseIdleConnections)
	hc := api.WithHTTPClient(&http.Client{Transport: tr})
	valid := srv.Client(t, hc)
	badAgents := []string{"probe\xff", "a" + strings.Repeat("é", 200), "\xc3", "tab\t\xed\xa0\x80"}
	badIdentities := []string{"a" + strings.Repeat("é", 40), "probe\xff", "nul\x00byte", strings.Repeat("é", 3000)}

	const (
		validSenders, hostileSenders = 8, 8
		perSender                    = 40
	)
	var (
		wg       sync.WaitGroup
		start    = make(chan struct{})
		mu       sync.Mutex
		failures []string
		refused  int
		// validFailed counts the valid logins among failures.
		validFailed int
	)
	fail := func(what string, err error) {
		mu.Lock()
		defer mu.Unlock()
		failures = append(failures, what+": "+err.Error())
		if what == "valid login" {
			validFailed++
		}
	}
	for range validSenders {
		wg.Go(func() {
			<-start
			for range perSender {
				if _, err := valid.Login(ctx, login); err != nil {
					fail("valid login", err)
				}
			}
		})
	}
	for s := range hostileSenders {
		wg.Go(func() {
			<-start
			ua := badAgents[s%len(badAgents)]
			c := srv.Client(t, hc, api.WithUserAgent(ua))
			for i := range perSender {
				var err error
				if i%2 == 0 {
					// The right secret with a hostile User-Agent: a success.
					_, err = c.Login(ctx, login)
				} else {
					_, err = c.KubernetesAuthLogin(ctx, api.TokenAuthLoginRequest{IdentityID: badIdentities[i/2%len(badIdentities)], JWT: "x"})
					var p *api.Problem
					if errors.As(err, &p) && p.Status >= 400 && p.Status < 500 {
						mu.Lock()
						refused++
						mu.Unlock()
						continue
					}
					if err == nil {
						err = errors.New("a login of an identity that does not exist succeeded")
					}
				}
				if err != nil {
					fail("hostile login with User-Agent "+ua, err)
				}
			}
		})
	}
	close(start)
	wg.Wait()
	if len(failures) > 0 {
		t.Fatalf("%d requests failed (%d of %d valid logins), the first: %s", len(failures), validFailed, validSenders*perSender, failures[0])
	}
	if want := hostileSenders * perSender / 2; refused != want {
		t.Fatalf("%d hostile kubernetes-auth logins refused with a 4xx, want %d", refused, want)
	}

	// Every refusal is audited, with the identity it named made valid text.
	var audited int64
	srv.App.Store.DB.Model(&store.AuditEvent{}).Where("action = ? AND outcome = ?", "login.kubernetes-auth", api.OutcomeFailure).Count(&audited)
	if audited != int64(refused) {
		t.Errorf("%d refused logins audited, want %d", audited, refused)
	}
	var targets []string
	srv.App.Store.DB.Model(&store.AuditEvent{}).Where("action = ?", "login.kubernetes-auth").Distinct().Pluck("target_id", &targets)
	for _, id := range targets {
		if !validText(id) {
			t.Errorf("audited target %q is not valid UTF-8 without NUL", id)
		}
	}
	// The successful logins with a hostile User-Agent kept it, made valid
	// and bounded on a character boundary.
	var agents []string
	srv.App.Store.DB.Model(&store.AuditEvent{}).Where("action = ? AND outcome = ?", "login.universal-auth", api.OutcomeSuccess).
		Distinct().Pluck("user_agent", &agents)
	want := map[string]bool{"idplane-servertest": true, "probe\uFFFD": true, "a" + strings.Repeat("é", 127): true,
		"\uFFFD": true, "tab\t\uFFFD": true}
	for _, a := range agents {
		if !want[a] {
			t.Errorf("audited User-Agent %q, want one of %q", a, slices.Collect(maps.Keys(want)))
		}
	}
	if len(agents) != len(want) {
		t.Errorf("audited User-Agents %q, want %d distinct", agents, len(want))
	}
}

func validText(s string) bool {
	return strings.ToValidUTF8(s, "") == s && !strings.ContainsRune(s, 0)
}
