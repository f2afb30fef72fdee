package httpapi_test

import (
	"errors"
	"net/http"
	"testing"

	"github.com/go-jose/go-jose/v4"
	infisical "github.com/infisical/go-sdk"
	sdkerrors "github.com/infisical/go-sdk/packages/errors"

	"github.com/idplane/idplane/server/api"
	"github.com/idplane/idplane/server/idptest"
)

// Infisical's Go SDK logs in unchanged through OidcAuthLogin and
// JwtAuthLogin, and the token it gets is an idplane token.
//
// Its GCP and Azure logins are not tried: GcpIdTokenAuthLogin and
// AzureAuthLogin fetch their token from the hard-coded metadata servers
// (metadata.google.internal, 169.254.169.254) through a client the SDK does
// not let a caller replace, and GcpIamAuthLogin has Google's IAM
// Credentials API sign the JWT; none of them can be pointed at a local fake.
func TestInfisicalSDKLogin(t *testing.T) {
	e := newSTEnv(t)
	sdk := func(t *testing.T) infisical.InfisicalClientInterface {
		off := false
		return infisical.NewInfisicalClient(t.Context(), infisical.Config{SiteUrl: e.srv.URL, AutoTokenRefresh: &off, SilentMode: true})
	}
	check := func(t *testing.T, kind, identityID, accessToken string, expiresIn int64) {
		t.Helper()
		if expiresIn != api.DefaultAccessTokenTTL {
			t.Errorf("the SDK read expiresIn %d", expiresIn)
		}
		self := must(e.srv.Client(t, api.WithToken(accessToken)).TokenSelf(t.Context()))(t)
		if self.AuthMethod != kind || self.IdentityID != identityID {
			t.Fatalf("token/self of the SDK's token: %+v", self)
		}
	}

	t.Run("OidcAuthLogin", func(t *testing.T) {
		id := e.identity(t, "sdk-oidc")
		e.putOIDC(t, id, api.TokenBindings{BoundAudiences: []string{"idplane"}, BoundClaims: map[string][]string{"repository": {"acme/*"}}})
		cred, err := sdk(t).Auth().OidcAuthLogin(id, e.idp.Token("repo:acme/infra", []string{"idplane"}, map[string]any{"repository": "acme/infra"}))
		if err != nil {
			t.Fatalf("OidcAuthLogin: %v", err)
		}
		check(t, "oidc-auth", id, cred.AccessToken, cred.ExpiresIn)
		if cred.TokenType != "Bearer" || cred.AccessTokenMaxTTL != api.DefaultAccessTokenMaxTTL {
			t.Errorf("credential %+v", cred)
		}
		// A refusal reaches the SDK as an API error with our status.
		_, err = sdk(t).Auth().OidcAuthLogin(id, e.idp.Token("repo:evil/infra", []string{"idplane"}, map[string]any{"repository": "evil/infra"}))
		var apiErr *sdkerrors.APIError
		if !errors.As(err, &apiErr) || apiErr.StatusCode != http.StatusUnauthorized {
			t.Fatalf("a refused OidcAuthLogin: %v", err)
		}
	})

	t.Run("JwtAuthLogin", func(t *testing.T) {
		id := e.identity(t, "sdk-jwt")
		k := idptest.NewKey(jose.ES256)
		e.putJWT(t, id, api.JWTAuthConfig{ConfigurationType: api.JWTConfigStatic, PublicKeys: []string{jwtPublicPEM(t, k)}})
		cred, err := sdk(t).Auth().JwtAuthLogin(id, idptest.Sign(k, jwtClaims("svc", nil, nil)))
		if err != nil {
			t.Fatalf("JwtAuthLogin: %v", err)
		}
		check(t, "jwt-auth", id, cred.AccessToken, cred.ExpiresIn)
	})
}
