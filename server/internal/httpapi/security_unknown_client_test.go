package httpapi_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/idplane/idplane/server/api"
	"github.com/idplane/idplane/server/servertest"
)

// An unknown client ID is refused exactly as a wrong secret is: 401
// login_failed, "login failed", so a guesser cannot tell which client IDs
// exist.
func TestSecurityUnknownClientLooksLikeAWrongSecret(t *testing.T) {
	secBackends(t, servertest.Options{}, func(t *testing.T, srv *servertest.Server) {
		admin := srv.Admin(t)
		identityID, clientID := secIdentity(t, admin, api.UniversalAuthInput{})
		secSecret(t, admin, identityID, 0)
		secret := "idp_cs_" + strings.Repeat("A", 43)
		for name, id := range map[string]string{"unknown client ID": "no-such-client", "wrong secret": clientID} {
			_, err := secLogin(t, secClient(t, srv, ""), id, secret)
			if p := secWant(t, err, http.StatusUnauthorized, api.CodeLoginFailed); p.Detail != "login failed" {
				t.Errorf("%s refused with %q, want just \"login failed\"", name, p.Detail)
			}
		}
	})
}
