package httpapi_test

import (
	"maps"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/idplane/idplane/server/api"
	"github.com/idplane/idplane/server/servertest"
)

func identityNames(l *api.IdentityList) []string {
	var out []string
	for _, i := range l.Identities {
		out = append(out, i.Name)
	}
	return out
}

func TestIdentitiesContract(t *testing.T) {
	backends(t, func(t *testing.T, srv *servertest.Server) {
		ctx := t.Context()
		a := firstTenant(t, srv)
		c := a.c

		in := api.IdentityInput{Name: "ci-runner", Role: "member", Description: "builds", Metadata: map[string]string{"team": "platform"}}
		created := must(c.CreateIdentity(ctx, in))(t)
		if created.ID == "" || created.Version != 1 || created.OrganizationID != a.boot.OrganizationID || created.Role != "member" {
			t.Fatalf("created identity %+v", created)
		}
		got := must(c.GetIdentity(ctx, created.ID))(t)
		if got.Name != "ci-runner" || got.Description != "builds" || !maps.Equal(got.Metadata, in.Metadata) ||
			got.DeleteProtection || len(got.AuthMethods) != 0 {
			t.Errorf("get identity = %+v, want what was created without auth methods", got)
		}
		a.raw(t, "GET", "/api/v1/identities/"+created.ID, "", "").wantETag(t, http.StatusOK)

		up := must(c.UpdateIdentity(ctx, created.ID, 1, api.IdentityInput{Name: "ci", Role: "no-access", Metadata: map[string]string{"team": "infra", "env": "ci"}}))(t)
		if up.Version != 2 || up.Name != "ci" || up.Role != "no-access" || up.Description != "" || up.Metadata["team"] != "infra" {
			t.Errorf("updated identity = %+v", up)
		}
		if v := a.raw(t, "GET", "/api/v1/identities/"+created.ID, "", "").wantETag(t, http.StatusOK); v != 2 {
			t.Errorf("GET after update: version %d, want 2", v)
		}
		_, err := c.UpdateIdentity(ctx, created.ID, 1, api.IdentityInput{Name: "lost", Role: "member"})
		wantProblem(t, err, http.StatusPreconditionFailed, api.CodeVersionMismatch)
		wantProblem(t, c.DeleteIdentity(ctx, created.ID, 1), http.StatusPreconditionFailed, api.CodeVersionMismatch)

		if got := identityNames(must(c.ListIdentities(ctx))(t)); !slices.Equal(got, []string{"admin", "ci"}) {
			t.Errorf("list identities = %v, want [admin ci]", got)
		}

		// duplicate name, unknown role
		_, err = c.CreateIdentity(ctx, api.IdentityInput{Name: "ci", Role: "member"})
		wantProblem(t, err, http.StatusConflict, api.CodeConflict)
		_, err = c.UpdateIdentity(ctx, created.ID, 0, api.IdentityInput{Name: "admin", Role: "member"})
		wantProblem(t, err, http.StatusConflict, api.CodeConflict)
		_, err = c.CreateIdentity(ctx, api.IdentityInput{Name: "ghost", Role: "superuser"})
		wantFieldError(t, wantProblem(t, err, http.StatusBadRequest, api.CodeValidation), "role", "admin, member, no-access")

		// delete protection
		guarded := must(c.CreateIdentity(ctx, api.IdentityInput{Name: "guarded", Role: "member", DeleteProtection: true}))(t)
		wantProblem(t, c.DeleteIdentity(ctx, guarded.ID, 0), http.StatusConflict, api.CodeDeleteProtected)
		a.raw(t, "DELETE", "/api/v1/identities/"+guarded.ID, "", "").problem(t, http.StatusConflict, api.CodeDeleteProtected)
		if got := must(c.GetIdentity(ctx, guarded.ID))(t); !got.DeleteProtection {
			t.Errorf("guarded identity = %+v, want it still there with delete protection", got)
		}
		off := must(c.UpdateIdentity(ctx, guarded.ID, guarded.Version, api.IdentityInput{Name: "guarded", Role: "member"}))(t)
		if err := c.DeleteIdentity(ctx, guarded.ID, off.Version); err != nil {
			t.Fatalf("delete after lifting protection: %v", err)
		}

		// delete → 404
		if err := c.DeleteIdentity(ctx, created.ID, 2); err != nil {
			t.Fatalf("delete identity: %v", err)
		}
		for _, id := range []string{created.ID, guarded.ID} {
			_, err = c.GetIdentity(ctx, id)
			wantNotFound(t, err)
		}
		wantNotFound(t, c.DeleteIdentity(ctx, created.ID, 0))
		if got := identityNames(must(c.ListIdentities(ctx))(t)); !slices.Equal(got, []string{"admin"}) {
			t.Errorf("list after delete = %v, want [admin]", got)
		}

		// tenant isolation
		victim := must(c.CreateIdentity(ctx, api.IdentityInput{Name: "victim", Role: "member"}))(t)
		must(c.PutUniversalAuth(ctx, victim.ID, 0, api.UniversalAuthInput{}))(t)
		b := otherTenant(t, srv, "tenant-b")
		_, err = b.c.GetIdentity(ctx, victim.ID)
		wantNotFound(t, err)
		_, err = b.c.UpdateIdentity(ctx, victim.ID, 0, api.IdentityInput{Name: "victim", Role: "admin"})
		wantNotFound(t, err)
		wantNotFound(t, b.c.DeleteIdentity(ctx, victim.ID, 0))
		_, err = b.c.EffectivePermissions(ctx, victim.ID)
		wantNotFound(t, err)
		_, err = b.c.GetUniversalAuth(ctx, victim.ID)
		wantNotFound(t, err)
		_, err = b.c.PatchUniversalAuth(ctx, victim.ID, 0, api.UniversalAuthInput{ClientSecretTrustedIPs: &[]string{"0.0.0.0/0"}})
		wantNotFound(t, err)
		_, err = b.c.CreateClientSecret(ctx, victim.ID, api.ClientSecretInput{})
		wantNotFound(t, err)
		_, err = b.c.ListClientSecrets(ctx, victim.ID)
		wantNotFound(t, err)
		wantNotFound(t, b.c.DeleteUniversalAuth(ctx, victim.ID, 0))
		// B's own identity of the same name does not collide with A's
		must(b.c.CreateIdentity(ctx, api.IdentityInput{Name: "victim", Role: "member"}))(t)
		if got := identityNames(must(b.c.ListIdentities(ctx))(t)); !slices.Equal(got, []string{"admin", "victim"}) {
			t.Errorf("B lists %v, want only its own [admin victim]", got)
		}
		if got := must(c.GetIdentity(ctx, victim.ID))(t); got.Role != "member" || !slices.Equal(got.AuthMethods, []string{"universal-auth"}) {
			t.Errorf("A's identity after B's attempts = %+v", got)
		}
	})
}

func TestUniversalAuthContract(t *testing.T) {
	backends(t, func(t *testing.T, srv *servertest.Server) {
		ctx := t.Context()
		a := firstTenant(t, srv)
		c := a.c
		ident := must(c.CreateIdentity(ctx, api.IdentityInput{Name: "worker", Role: "member"}))(t)
		_, err := c.GetUniversalAuth(ctx, ident.ID)
		wantNotFound(t, err)
		_, err = c.PatchUniversalAuth(ctx, ident.ID, 0, api.UniversalAuthInput{})
		wantNotFound(t, err)

		// PUT with nothing set: every default
		ua := must(c.PutUniversalAuth(ctx, ident.ID, 0, api.UniversalAuthInput{}))(t)
		wantDefaults := api.TokenSettings{AccessTokenTTL: 3600, AccessTokenMaxTTL: 86400, AccessTokenTrustedIPs: []string{"0.0.0.0/0", "::/0"}}
		if ua.ClientID == "" || ua.IdentityID != ident.ID || ua.Version != 1 || !sameSettings(ua.TokenSettings, wantDefaults) ||
			ua.Lockout != api.DefaultLockout() || !sameSet(ua.ClientSecretTrustedIPs, []string{"0.0.0.0/0", "::/0"}) {
			t.Fatalf("PUT {} = %+v, want the defaults", ua)
		}
		if got := must(c.GetIdentity(ctx, ident.ID))(t); !slices.Equal(got.AuthMethods, []string{"universal-auth"}) {
			t.Errorf("identity auth methods = %v, want [universal-auth]", got.AuthMethods)
		}
		a.raw(t, "GET", "/api/v1/identities/"+ident.ID+"/universal-auth", "", "").wantETag(t, http.StatusOK)

		// PATCH changes only what it names
		p := must(c.PatchUniversalAuth(ctx, ident.ID, 1, api.UniversalAuthInput{
			TokenSettingsInput: api.TokenSettingsInput{AccessTokenTTL: ptr(600), AccessTokenNumUsesLimit: ptr(5)},
		}))(t)
		if p.AccessTokenTTL != 600 || p.AccessTokenNumUsesLimit != 5 || p.AccessTokenMaxTTL != 86400 || p.Version != 2 ||
			p.ClientID != ua.ClientID || p.Lockout != api.DefaultLockout() {
			t.Errorf("PATCH ttl+uses = %+v, want ttl 600, 5 uses, the rest unchanged", p)
		}
		// an explicit zero is a value, not "unchanged"
		p = must(c.PatchUniversalAuth(ctx, ident.ID, 2, api.UniversalAuthInput{
			TokenSettingsInput: api.TokenSettingsInput{AccessTokenNumUsesLimit: ptr(0)},
		}))(t)
		if p.AccessTokenNumUsesLimit != 0 || p.AccessTokenTTL != 600 || p.Version != 3 {
			t.Errorf("PATCH numUsesLimit 0 = %+v, want 0 uses limit and ttl 600", p)
		}
		a.raw(t, "PATCH", "/api/v1/identities/"+ident.ID+"/universal-auth", `"3"`, `{"accessTokenTrustedIps":["10.0.0.0/8"],"lockout":{"enabled":false,"threshold":5,"durationSeconds":60,"counterResetSeconds":10}}`).
			wantETag(t, http.StatusOK)
		p = must(c.GetUniversalAuth(ctx, ident.ID))(t)
		if !slices.Equal(p.AccessTokenTrustedIPs, []string{"10.0.0.0/8"}) || p.Lockout.Enabled || p.Lockout.Threshold != 5 || p.AccessTokenTTL != 600 {
			t.Errorf("after raw PATCH = %+v", p)
		}

		// PUT replaces everything: what it omits goes back to the default
		p = must(c.PutUniversalAuth(ctx, ident.ID, 4, api.UniversalAuthInput{
			TokenSettingsInput: api.TokenSettingsInput{AccessTokenMaxTTL: ptr(7200)},
		}))(t)
		if p.AccessTokenTTL != 3600 || p.AccessTokenMaxTTL != 7200 || p.Lockout != api.DefaultLockout() ||
			!sameSet(p.AccessTokenTrustedIPs, []string{"0.0.0.0/0", "::/0"}) || p.Version != 5 || p.ClientID != ua.ClientID {
			t.Errorf("PUT maxTTL only = %+v, want defaults elsewhere and the same client ID", p)
		}

		// stale versions
		_, err = c.PatchUniversalAuth(ctx, ident.ID, 4, api.UniversalAuthInput{TokenSettingsInput: api.TokenSettingsInput{AccessTokenTTL: ptr(1)}})
		wantProblem(t, err, http.StatusPreconditionFailed, api.CodeVersionMismatch)
		_, err = c.PutUniversalAuth(ctx, ident.ID, 1, api.UniversalAuthInput{})
		wantProblem(t, err, http.StatusPreconditionFailed, api.CodeVersionMismatch)
		wantProblem(t, c.DeleteUniversalAuth(ctx, ident.ID, 2), http.StatusPreconditionFailed, api.CodeVersionMismatch)

		// validation names the field and leaves the settings alone
		path := "/api/v1/identities/" + ident.ID + "/universal-auth"
		pr := a.raw(t, "PATCH", path, "", `{"accessTokenTrustedIps":["10.0.0.0/8","10.0.0.300/8"]}`).problem(t, http.StatusBadRequest, api.CodeValidation)
		wantFieldError(t, pr, "accessTokenTrustedIps[1]", "10.0.0.300/8", "CIDR")
		pr = a.raw(t, "PATCH", path, "", `{"accessTokenTTL":90000}`).problem(t, http.StatusBadRequest, api.CodeValidation)
		wantFieldError(t, pr, "accessTokenTTL", "accessTokenMaxTTL")
		pr = a.raw(t, "PUT", path, "", `{"accessTokenTTL":100,"accessTokenMaxTTL":50}`).problem(t, http.StatusBadRequest, api.CodeValidation)
		wantFieldError(t, pr, "accessTokenTTL", "accessTokenMaxTTL (50)")
		pr = a.raw(t, "PATCH", path, "", `{"accessTokenTTL":"600"}`).problem(t, http.StatusBadRequest, api.CodeValidation)
		wantFieldError(t, pr, "accessTokenTTL", "number")
		pr = a.raw(t, "PATCH", path, "", `{"accessTokenTTLSeconds":600}`).problem(t, http.StatusBadRequest, api.CodeValidation)
		wantFieldError(t, pr, "accessTokenTTLSeconds", "not a field")
		pr = a.raw(t, "PATCH", path, "", `{"clientSecretTrustedIps":["::/0","nope"],"lockout":{"enabled":true,"threshold":0,"durationSeconds":60,"counterResetSeconds":10}}`).
			problem(t, http.StatusBadRequest, api.CodeValidation)
		wantFieldError(t, pr, "clientSecretTrustedIps[1]", "nope")
		wantFieldError(t, pr, "lockout.threshold", "between 1 and 30")
		if got := must(c.GetUniversalAuth(ctx, ident.ID))(t); got.Version != 5 || got.AccessTokenTTL != 3600 {
			t.Errorf("rejected requests changed universal auth: %+v", got)
		}

		// delete → 404, and the identity no longer lists the method
		if err := c.DeleteUniversalAuth(ctx, ident.ID, 5); err != nil {
			t.Fatalf("delete universal auth: %v", err)
		}
		_, err = c.GetUniversalAuth(ctx, ident.ID)
		wantNotFound(t, err)
		wantNotFound(t, c.DeleteUniversalAuth(ctx, ident.ID, 0))
		if got := must(c.GetIdentity(ctx, ident.ID))(t); len(got.AuthMethods) != 0 {
			t.Errorf("auth methods after detach = %v, want none", got.AuthMethods)
		}
		// attaching again gives a new client ID
		again := must(c.PutUniversalAuth(ctx, ident.ID, 0, api.UniversalAuthInput{}))(t)
		if again.ClientID == ua.ClientID || again.Version != 1 {
			t.Errorf("re-attached universal auth %+v, want a fresh client ID at version 1", again)
		}
	})
}

func sameSet(a, b []string) bool {
	return slices.Equal(slices.Sorted(slices.Values(a)), slices.Sorted(slices.Values(b)))
}

func sameSettings(a, b api.TokenSettings) bool {
	return a.AccessTokenTTL == b.AccessTokenTTL && a.AccessTokenMaxTTL == b.AccessTokenMaxTTL &&
		a.AccessTokenNumUsesLimit == b.AccessTokenNumUsesLimit && sameSet(a.AccessTokenTrustedIPs, b.AccessTokenTrustedIPs)
}

func TestClientSecretsContract(t *testing.T) {
	backends(t, func(t *testing.T, srv *servertest.Server) {
		ctx := t.Context()
		a := firstTenant(t, srv)
		c := a.c
		ident := must(c.CreateIdentity(ctx, api.IdentityInput{Name: "deployer", Role: "member"}))(t)
		_, err := c.CreateClientSecret(ctx, ident.ID, api.ClientSecretInput{})
		wantNotFound(t, err) // no universal auth yet
		ua := must(c.PutUniversalAuth(ctx, ident.ID, 0, api.UniversalAuthInput{}))(t)

		// the value is returned once, on creation
		cs := must(c.CreateClientSecret(ctx, ident.ID, api.ClientSecretInput{Description: "ci", TTL: 3600, NumUsesLimit: 10}))(t)
		d := cs.ClientSecretData
		if !strings.HasPrefix(cs.ClientSecret, "idp_cs_") || len(cs.ClientSecret) < 40 {
			t.Fatalf("client secret %q, want a long idp_cs_ value", cs.ClientSecret)
		}
		if d.ID == "" || d.IdentityID != ident.ID || d.Description != "ci" || d.TTL != 3600 || d.NumUsesLimit != 10 ||
			d.ExpiresAt == nil || d.Prefix == "" || !strings.HasPrefix(cs.ClientSecret, d.Prefix) || len(d.Prefix) >= len(cs.ClientSecret) {
			t.Errorf("client secret data %+v, want the input, an expiry and a proper prefix of the value", d)
		}
		forever := must(c.CreateClientSecret(ctx, ident.ID, api.ClientSecretInput{Description: "forever"}))(t)
		if forever.ClientSecretData.ExpiresAt != nil || forever.ClientSecret == cs.ClientSecret {
			t.Errorf("second secret %+v: want no expiry and a different value", forever.ClientSecretData)
		}

		// the secret works
		login := must(srv.Client(t).Login(ctx, api.UniversalAuthLoginRequest{ClientID: ua.ClientID, ClientSecret: cs.ClientSecret}))(t)
		if login.AccessToken == "" || login.TokenType != "Bearer" {
			t.Errorf("login = %+v", login)
		}

		// list and get show the prefix, never the value
		secretsPath := "/api/v1/identities/" + ident.ID + "/universal-auth/client-secrets"
		for _, r := range []rawResponse{
			a.raw(t, "GET", secretsPath, "", ""),
			a.raw(t, "GET", secretsPath+"/"+d.ID, "", ""),
		} {
			if r.status != http.StatusOK {
				t.Fatalf("status %d: %s", r.status, r.body)
			}
			if strings.Contains(string(r.body), cs.ClientSecret) || strings.Contains(string(r.body), forever.ClientSecret) {
				t.Errorf("response %s holds a client secret value", r.body)
			}
			if !strings.Contains(string(r.body), d.Prefix) {
				t.Errorf("response %s lacks the prefix %q", r.body, d.Prefix)
			}
		}
		list := must(c.ListClientSecrets(ctx, ident.ID))(t)
		if len(list.ClientSecrets) != 2 || list.ClientSecrets[0].ID != d.ID || list.ClientSecrets[1].ID != forever.ClientSecretData.ID {
			t.Fatalf("list = %+v, want both secrets in creation order", list)
		}
		if got := list.ClientSecrets[0]; got.NumUses != 1 || got.Prefix != d.Prefix {
			t.Errorf("listed secret %+v, want one use and prefix %q", got, d.Prefix)
		}
		got := must(c.GetClientSecret(ctx, ident.ID, d.ID))(t)
		if got.Description != "ci" || got.NumUsesLimit != 10 || got.Prefix != d.Prefix {
			t.Errorf("get client secret = %+v", got)
		}

		// validation
		_, err = c.CreateClientSecret(ctx, ident.ID, api.ClientSecretInput{TTL: -1, NumUsesLimit: api.MaxNumUsesLimit + 1})
		pr := wantProblem(t, err, http.StatusBadRequest, api.CodeValidation)
		wantFieldError(t, pr, "ttl", "between 0")
		wantFieldError(t, pr, "numUsesLimit", "between 0")

		// revoke → 404, gone from the list, no more logins
		if err := c.RevokeClientSecret(ctx, ident.ID, d.ID); err != nil {
			t.Fatalf("revoke: %v", err)
		}
		_, err = c.GetClientSecret(ctx, ident.ID, d.ID)
		wantNotFound(t, err)
		wantNotFound(t, c.RevokeClientSecret(ctx, ident.ID, d.ID))
		list = must(c.ListClientSecrets(ctx, ident.ID))(t)
		if len(list.ClientSecrets) != 1 || list.ClientSecrets[0].ID != forever.ClientSecretData.ID {
			t.Errorf("list after revoke = %+v, want only the other secret", list)
		}
		_, err = srv.Client(t).Login(ctx, api.UniversalAuthLoginRequest{ClientID: ua.ClientID, ClientSecret: cs.ClientSecret})
		wantProblem(t, err, http.StatusUnauthorized, api.CodeLoginFailed)
		must(srv.Client(t).Login(ctx, api.UniversalAuthLoginRequest{ClientID: ua.ClientID, ClientSecret: forever.ClientSecret}))(t)

		// another organization cannot see or revoke the secret
		b := otherTenant(t, srv, "tenant-b")
		_, err = b.c.GetClientSecret(ctx, ident.ID, forever.ClientSecretData.ID)
		wantNotFound(t, err)
		wantNotFound(t, b.c.RevokeClientSecret(ctx, ident.ID, forever.ClientSecretData.ID))
		must(c.GetClientSecret(ctx, ident.ID, forever.ClientSecretData.ID))(t)

		// a secret of another identity is not found under this one
		other := must(c.CreateIdentity(ctx, api.IdentityInput{Name: "other", Role: "member"}))(t)
		must(c.PutUniversalAuth(ctx, other.ID, 0, api.UniversalAuthInput{}))(t)
		_, err = c.GetClientSecret(ctx, other.ID, forever.ClientSecretData.ID)
		wantNotFound(t, err)
	})
}
