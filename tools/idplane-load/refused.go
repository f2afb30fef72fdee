package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/idplane/idplane/server/api"
)

// refusedLogins are universal-auth logins the server must refuse: a wrong
// secret for an identity of the load tool's own (lockout disabled, so that
// every attempt is checked against the secret rather than refused as
// locked out, and the admin is never locked out), and a client ID nobody has.
type refusedLogins struct {
	wrongSecret, unknownClient func(context.Context) error
}

func startRefused(ctx context.Context, host string, hc *http.Client, clientID, clientSecret string) (*refusedLogins, error) {
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
	return &refusedLogins{wrongSecret: refusedReq(host, hc, wrong), unknownClient: refusedReq(host, hc, unknown)}, nil
}

// refusedReq sends a login that must be answered 401 login_failed.
func refusedReq(host string, hc *http.Client, body []byte) func(context.Context) error {
	return func(ctx context.Context) error {
		req, _ := http.NewRequestWithContext(ctx, http.MethodPost, host+api.RouteUniversalAuthLogin.Path, bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		res, err := hc.Do(req)
		if err != nil {
			return err
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		if res.StatusCode != http.StatusUnauthorized || !bytes.Contains(b, []byte(api.CodeLoginFailed)) {
			return fmt.Errorf("refused login: HTTP %d: %s, want 401 %s", res.StatusCode, b, api.CodeLoginFailed)
		}
		return nil
	}
}
