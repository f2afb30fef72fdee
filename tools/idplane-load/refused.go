package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/idplane/idplane/server/api"
)

// refusedLogins are universal-auth logins the server must refuse: a wrong
// secret for an identity of the load tool's own (lockout disabled, so that
// every attempt is checked against the secret rather than refused as
// locked out, and the admin is never locked out), and a client ID nobody has.
type refusedLogins struct {
	wrongSecret, unknownClient func() error
}

func startRefused(ctx context.Context, host string, hc *http.Client, lc *loadClient, clientID, clientSecret string) (*refusedLogins, error) {
	admin, err := api.NewClient(host, api.WithHTTPClient(hc), api.WithUniversalAuth(clientID, clientSecret))
	if err != nil {
		return nil, err
	}
	ident, err := admin.CreateIdentity(ctx, api.IdentityInput{Name: fmt.Sprintf("load-refused-%d", time.Now().UnixNano()), Role: "member"})
	if err != nil {
		return nil, err
	}
	ua, err := admin.PutUniversalAuth(ctx, ident.ID, 0, api.UniversalAuthInput{
		Lockout: &api.Lockout{Enabled: false, Threshold: 3, DurationSeconds: 300, CounterResetSeconds: 30}})
	if err != nil {
		return nil, err
	}
	random := func() string {
		b := make([]byte, 16)
		_, _ = rand.Read(b)
		return hex.EncodeToString(b)
	}
	wrong, _ := json.Marshal(api.UniversalAuthLoginRequest{ClientID: ua.ClientID, ClientSecret: "idp_cs_" + random() + random()[:11]})
	unknown, _ := json.Marshal(api.UniversalAuthLoginRequest{ClientID: random(), ClientSecret: "idp_cs_" + random() + random()[:11]})
	refused := func(body []byte) func() error {
		return lc.phaseOf(call{method: http.MethodPost, path: api.RouteUniversalAuthLogin.Path, body: body,
			status: http.StatusUnauthorized, want: []byte(api.CodeLoginFailed)})
	}
	return &refusedLogins{wrongSecret: refused(wrong), unknownClient: refused(unknown)}, nil
}
