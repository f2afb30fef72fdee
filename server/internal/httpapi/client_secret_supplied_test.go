package httpapi_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/idplane/idplane/server/api"
	"github.com/idplane/idplane/server/servertest"
)

// A client secret whose value the caller supplies (Terraform's write-only
// client_secret_wo): stored as a keyed hash like a generated one, never
// returned, refused when weak.
func TestSuppliedClientSecret(t *testing.T) {
	backends(t, func(t *testing.T, srv *servertest.Server) {
		tn := firstTenant(t, srv)
		ctx := t.Context()
		id := must(tn.c.CreateIdentity(ctx, api.IdentityInput{Name: "consumer", Role: "no-access"}))(t)
		ua := must(tn.c.PutUniversalAuth(ctx, id.ID, 0, api.UniversalAuthInput{}))(t)
		value := "Zq8#kP2v!Lm9@xR4$tW7%nB3^cY6&hJ1*dF5"

		created := must(tn.c.CreateClientSecret(ctx, id.ID, api.ClientSecretInput{Description: "wo", ClientSecret: value}))(t)
		if created.ClientSecret != "" {
			t.Fatalf("a supplied secret was returned: %q", created.ClientSecret)
		}
		if p := created.ClientSecretData.Prefix; !strings.HasPrefix(p, "wo_") || strings.Contains(value, p[3:]) {
			t.Fatalf("prefix %q must be wo_ and a keyed hash, revealing nothing of the value", p)
		}
		login := srv.Client(t)
		if _, err := login.Login(ctx, api.UniversalAuthLoginRequest{ClientID: ua.ClientID, ClientSecret: value}); err != nil {
			t.Fatalf("login with the supplied secret: %v", err)
		}
		_, err := login.Login(ctx, api.UniversalAuthLoginRequest{ClientID: ua.ClientID, ClientSecret: value[:len(value)-1] + "!"})
		wantProblem(t, err, http.StatusUnauthorized, api.CodeLoginFailed)

		for _, tc := range []struct{ value, want string }{
			{"short-but-varied-0123456789", "it has 27"},
			{strings.Repeat("ab", 20), "it has 2 different characters"},
			{"with space " + value, "holds a space"},
			{"idp_cs_" + value, "must not start with idp_cs_"},
		} {
			_, err := tn.c.CreateClientSecret(ctx, id.ID, api.ClientSecretInput{ClientSecret: tc.value})
			p := wantProblem(t, err, http.StatusBadRequest, api.CodeValidation)
			wantFieldError(t, p, "clientSecret", tc.want)
			if strings.Contains(p.Errors[0].Message, tc.value) {
				t.Errorf("the error echoes the refused value: %q", p.Errors[0].Message)
			}
		}
	})
}
