package httpapi_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/idplane/idplane/server/api"
	"github.com/idplane/idplane/server/idptest"
	"github.com/idplane/idplane/server/servertest"
)

// Every binding of OIDC auth accepts what it binds and refuses the rest;
// refusals name the check, never the configured value.
func TestOIDCAuthBindings(t *testing.T) {
	e := newSTEnv(t)
	id := e.identity(t, "ci")
	tok := func(sub string, aud []string, extra map[string]any) string { return e.idp.Token(sub, aud, extra) }

	t.Run("bound_issuer", func(t *testing.T) {
		e.putOIDC(t, id, api.TokenBindings{BoundIssuer: e.idp.URL})
		e.accept(t, "oidc-auth", id, tok("me", nil, nil))
		// A bound issuer replaces the discovery document's: tokens of the
		// provider's own issuer are then refused.
		e.putOIDC(t, id, api.TokenBindings{BoundIssuer: "https://tokens.acme.example"})
		e.accept(t, "oidc-auth", id, idptest.Sign(e.idp.Current(), idptest.Claims("https://tokens.acme.example", "me", nil, time.Minute, nil)))
		ev := e.refuse(t, "oidc-auth", id, tok("me", nil, nil), "issuer does not match", e.idp.URL)
		if strings.Contains(ev.Reason, "tokens.acme.example") {
			t.Errorf("the audit reason %q holds the configured issuer rather than the token's", ev.Reason)
		}
	})

	t.Run("bound_audiences", func(t *testing.T) {
		e.putOIDC(t, id, api.TokenBindings{BoundAudiences: []string{"idplane", "https://idplane.acme.example"}})
		e.accept(t, "oidc-auth", id, tok("me", []string{"https://idplane.acme.example"}, nil))
		e.accept(t, "oidc-auth", id, tok("me", []string{"sts.amazonaws.com", "idplane"}, nil))
		e.refuse(t, "oidc-auth", id, tok("me", []string{"sts.amazonaws.com"}, nil), "audience does not match", "sts.amazonaws.com")
		e.refuse(t, "oidc-auth", id, tok("me", nil, nil), "audience does not match")
		// None bound: only tokens without an audience (Vault's rule).
		e.putOIDC(t, id, api.TokenBindings{})
		e.accept(t, "oidc-auth", id, tok("me", nil, nil))
		e.refuse(t, "oidc-auth", id, tok("me", []string{"idplane"}, nil), "audience does not match", "binds none")
	})

	t.Run("bound_subject", func(t *testing.T) {
		e.putOIDC(t, id, api.TokenBindings{BoundSubject: "repo:acme/*:ref:refs/heads/main"})
		e.accept(t, "oidc-auth", id, tok("repo:acme/infra:ref:refs/heads/main", nil, nil))
		_, err := e.login(t, "oidc-auth", id, tok("repo:acme/infra:ref:refs/heads/feature", nil, nil))
		p := wantProblem(t, err, http.StatusUnauthorized, api.CodeLoginFailed)
		if !strings.Contains(p.Detail, "subject does not match") || strings.Contains(p.Detail, "repo:acme/*") {
			t.Fatalf("detail %q: want the check named and the glob kept secret", p.Detail)
		}
		if ev := e.lastLogin(t, "oidc-auth", id, api.OutcomeFailure); !strings.Contains(ev.Reason, "refs/heads/feature") {
			t.Fatalf("audit reason %q lacks the token's subject", ev.Reason)
		}
	})

	t.Run("bound_claims", func(t *testing.T) {
		e.putOIDC(t, id, api.TokenBindings{BoundClaims: map[string][]string{
			"repository":           {"acme/*"},               // glob
			"job_workflow_ref.env": {"prod", "staging"},      // nested object by dotted path
			"groups":               {"deployers"},            // list claim: any element
			"run_attempt":          {"1", "2"},               // a number claim, as JSON writes it
			"ref":                  {"refs/heads/main", "*"}, // any of the globs
		}})
		ok := map[string]any{"repository": "acme/infra", "job_workflow_ref": map[string]any{"env": "prod"},
			"groups": []string{"devs", "deployers"}, "run_attempt": 2, "ref": "refs/tags/v1"}
		e.accept(t, "oidc-auth", id, tok("me", nil, ok))
		for _, tc := range []struct {
			claim  string
			value  any
			public string
		}{
			{"repository", "evil/infra", "claim repository does not match"},
			{"job_workflow_ref", map[string]any{"env": "dev"}, "claim job_workflow_ref.env does not match"},
			{"job_workflow_ref", map[string]any{"region": "eu"}, "claim job_workflow_ref.env is missing"},
			{"job_workflow_ref", "prod", "claim job_workflow_ref.env is missing"},
			{"groups", []string{"devs", "readers"}, "claim groups does not match"},
			{"groups", []string{}, "claim groups does not match"},
			{"run_attempt", 3, "claim run_attempt does not match"},
			{"repository", nil, "claim repository is missing"},
		} {
			c := map[string]any{}
			for k, v := range ok {
				c[k] = v
			}
			if tc.value == nil {
				delete(c, tc.claim)
			} else {
				c[tc.claim] = tc.value
			}
			_, err := e.login(t, "oidc-auth", id, tok("me", nil, c))
			ev := e.wantRefused(t, err, "oidc-auth", id, tc.public)
			if strings.Contains(ev.Reason, "acme/*") || strings.Contains(ev.Reason, "deployers") {
				t.Errorf("audit reason %q echoes the binding rather than the token's claim", ev.Reason)
			}
		}
	})

	t.Run("claim_metadata", func(t *testing.T) {
		e.putOIDC(t, id, api.TokenBindings{ClaimMetadata: map[string]string{
			"repo": "repository", "workflow": "job_workflow_ref.workflow", "run": "run_number", "absent": "nope", "list": "groups"}})
		self, ev := e.accept(t, "oidc-auth", id, tok("repo:acme/infra", nil, map[string]any{
			"repository": "acme/infra", "job_workflow_ref": map[string]any{"workflow": "deploy.yml"}, "run_number": 42, "groups": []string{"a"}}))
		want := map[string]string{"repo": "acme/infra", "workflow": "deploy.yml", "run": "42"}
		if len(self.Metadata) != len(want) {
			t.Fatalf("token/self metadata %v, want %v", self.Metadata, want)
		}
		for k, v := range want {
			if self.Metadata[k] != v {
				t.Errorf("token/self metadata %s = %q, want %q", k, self.Metadata[k], v)
			}
			if ev.Metadata["claim."+k] != v {
				t.Errorf("audit metadata claim.%s = %q, want %q", k, ev.Metadata["claim."+k], v)
			}
		}
		if ev.Metadata["subject"] != "repo:acme/infra" {
			t.Errorf("audit metadata %v lacks the subject", ev.Metadata)
		}
		// The metadata survives renewal.
		renewed := must(e.anon.RenewToken(t.Context(), e.loginToken(t, id, tok("x", nil, map[string]any{"repository": "acme/two"}))))(t)
		if s := must(e.srv.Client(t, api.WithToken(renewed.AccessToken)).TokenSelf(t.Context()))(t); s.Metadata["repo"] != "acme/two" {
			t.Errorf("renewed token/self metadata %v", s.Metadata)
		}
	})

	t.Run("discovery URL with a path, with a slash the issuer lacks, and one without a document", func(t *testing.T) {
		tenantIssuer := e.idp.AzureIssuer("11111111-1111-1111-1111-111111111111")
		must(e.tn.c.PutOIDCAuth(t.Context(), id, 0, api.OIDCAuthInput{OIDCAuthConfig: api.OIDCAuthConfig{OIDCDiscoveryURL: tenantIssuer}}))(t)
		tenantToken := idptest.Sign(e.idp.Current(), idptest.Claims(tenantIssuer, "me", nil, time.Minute, nil))
		e.accept(t, "oidc-auth", id, tenantToken)
		e.refuse(t, "oidc-auth", id, tok("me", nil, nil), "issuer does not match")
		// The issuer is compared exactly: a slash it does not publish is
		// another issuer (OIDC Discovery 4.3).
		must(e.tn.c.PutOIDCAuth(t.Context(), id, 0, api.OIDCAuthInput{OIDCAuthConfig: api.OIDCAuthConfig{OIDCDiscoveryURL: tenantIssuer + "/"}}))(t)
		e.refuse(t, "oidc-auth", id, tenantToken, "the discovery document names another issuer")
		must(e.tn.c.PutOIDCAuth(t.Context(), id, 0, api.OIDCAuthInput{OIDCAuthConfig: api.OIDCAuthConfig{OIDCDiscoveryURL: e.idp.URL + "/nothing-here"}}))(t)
		e.refuse(t, "oidc-auth", id, tok("me", nil, nil), "the identity provider's discovery document could not be fetched", "HTTP 404")
	})
}

// loginToken logs in with OIDC auth and returns the access token.
func (e *stEnv) loginToken(t *testing.T, identityID, raw string) string {
	t.Helper()
	res, err := e.login(t, "oidc-auth", identityID, raw)
	if err != nil {
		t.Fatal(err)
	}
	return res.AccessToken
}

// The configuration API of the signed-token methods, on both backends:
// attach, replace (version, ETag), If-Match, 404 when not attached,
// validation naming fields, the identity's authMethods, tenant isolation,
// audit, and detaching revoking the method's tokens.
func TestSignedTokenAuthConfigContract(t *testing.T) {
	idp := idptest.New(t)
	for _, b := range []servertest.Backend{servertest.Postgres, servertest.SQLite} {
		t.Run(string(b), func(t *testing.T) {
			e := newSTEnvWith(t, idp, servertest.Options{Backend: b, AllowInternalOutbound: true, OutboundRoots: idp.CertPool()})
			stConfigContract(t, e)
		})
	}
}

type stKind struct {
	kind, path string
	valid      string // a PUT body
	replaced   string // another valid body
	invalid    []stInvalid
}

type stInvalid struct {
	body, field, says string
}

var stKinds = []stKind{
	{kind: "oidc-auth", path: "oidc-auth",
		valid:    `{"oidcDiscoveryUrl":"https://token.actions.githubusercontent.com","boundAudiences":["idplane"],"boundClaims":{"repository":["acme/*"]},"claimMetadata":{"repo":"repository"}}`,
		replaced: `{"oidcDiscoveryUrl":"https://gitlab.example.com","boundSubject":"project_path:acme/*","accessTokenTTL":600}`,
		invalid: []stInvalid{
			{`{"oidcDiscoveryUrl":"http://idp.example"}`, "oidcDiscoveryUrl", "https://"},
			{`{"oidcDiscoveryUrl":"https://idp.example","boundClaims":{"a..b":["x"]}}`, `boundClaims["a..b"]`, "single dots"},
			{`{"oidcDiscoveryUrl":"https://idp.example","boundClaims":{"repo":[]}}`, `boundClaims["repo"]`, "at least one glob"},
			{`{"oidcDiscoveryUrl":"https://idp.example","claimMetadata":{"1bad":"sub"}}`, `claimMetadata["1bad"]`, "start with a letter"},
			{`{"oidcDiscoveryUrl":"https://idp.example","oidcCaCertificate":"nope"}`, "oidcCaCertificate", "PEM"},
			{`{"oidcDiscoveryUrl":"https://idp.example","boundAudiences":["a","a"]}`, "boundAudiences[1]", "duplicate"},
			{`{"oidcDiscoveryUrl":"https://idp.example","accessTokenTTL":7200,"accessTokenMaxTTL":60}`, "accessTokenTTL", ""},
		}},
	{kind: "jwt-auth", path: "jwt-auth",
		valid:    `{"configurationType":"jwks","jwksUrl":"https://idp.example/jwks","boundSubject":"svc-*"}`,
		replaced: `{"configurationType":"static","publicKeys":["` + stPEMLine + `"]}`,
		invalid: []stInvalid{
			{`{"configurationType":"static","publicKeys":["-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n"]}`, "publicKeys[0]", "does not parse"},
			{`{"configurationType":"static","publicKeys":["-----BEGIN RSA PRIVATE KEY-----\nAAAA\n-----END RSA PRIVATE KEY-----\n"]}`, "publicKeys[0]", "never a private key"},
			{`{"configurationType":"static"}`, "publicKeys", "at least one"},
			{`{"configurationType":"jwks"}`, "jwksUrl", "https://"},
			{`{"configurationType":"oidc"}`, "configurationType", `"jwks" or "static"`},
		}},
	{kind: "gcp-auth", path: "gcp-auth",
		valid:    `{"type":"gce","allowedServiceAccountEmails":["vm@acme.iam.gserviceaccount.com"],"allowedProjects":["acme"],"allowedZones":["europe-west1-b"]}`,
		replaced: `{"type":"iam","allowedProjects":["acme"]}`,
		invalid: []stInvalid{
			{`{"type":"iam","allowedZones":["europe-west1-b"]}`, "allowedZones", `applies only to type "gce"`},
			{`{"type":"gke"}`, "type", `"gce" or "iam"`},
			{`{"type":"gce","allowedServiceAccountEmails":["nobody"]}`, "allowedServiceAccountEmails[0]", "service account email"},
			{`{"type":"gce"}`, "allowedServiceAccountEmails", "bind at least one of allowedServiceAccountEmails or allowedProjects, or set allowAnyPrincipal"},
			{`{"type":"gce","allowedZones":["europe-west1-b"]}`, "allowedServiceAccountEmails", "allowAnyPrincipal"},
			{`{"type":"iam","allowedProjects":["acme"],"allowAnyPrincipal":true}`, "allowAnyPrincipal", "must be false when allowedServiceAccountEmails or allowedProjects bind"},
		}},
	{kind: "azure-auth", path: "azure-auth",
		valid:    `{"tenantId":"72f988bf-86f1-41af-91ab-2d7cd011db47","resourceUrl":"https://management.azure.com/"}`,
		replaced: `{"tenantId":"72f988bf-86f1-41af-91ab-2d7cd011db47","resourceUrl":"https://vault.azure.net","allowedServicePrincipalIds":["8d7ce5a2-4a77-4b1d-8f6c-2f2f0d0b5e11"]}`,
		invalid: []stInvalid{
			{`{"tenantId":"acme","resourceUrl":"https://management.azure.com/"}`, "tenantId", "UUID"},
			{`{"tenantId":"72f988bf-86f1-41af-91ab-2d7cd011db47"}`, "resourceUrl", "is required"},
			{`{"tenantId":"72f988bf-86f1-41af-91ab-2d7cd011db47","resourceUrl":"https://management.azure.com/","allowedServicePrincipalIds":["x"]}`, "allowedServicePrincipalIds[0]", "UUID"},
		}},
}

// stPEMLine is an Ed25519 public key, JSON-escaped.
const stPEMLine = `-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEAGb9ECWmEzf6FQbrBZ9w7lshQhqowtrbLDFw4rXAxZuE=\n-----END PUBLIC KEY-----\n`

func stConfigContract(t *testing.T, e *stEnv) {
	tn := e.tn
	other := otherTenant(t, e.srv, "other")
	for _, k := range stKinds {
		t.Run(k.kind, func(t *testing.T) {
			id := e.identity(t, "cfg-"+k.kind)
			path := "/api/v1/identities/" + id + "/" + k.path

			tn.raw(t, "GET", path, "", "").problem(t, http.StatusNotFound, api.CodeNotFound)
			tn.raw(t, "DELETE", path, "", "").problem(t, http.StatusNotFound, api.CodeNotFound)
			// If-Match on a method not attached yet is stale.
			tn.raw(t, "PUT", path, api.ETag(3), k.valid).problem(t, http.StatusPreconditionFailed, api.CodeVersionMismatch)

			if v := tn.raw(t, "PUT", path, "", k.valid).wantETag(t, http.StatusOK); v != 1 {
				t.Fatalf("attach: version %d, want 1", v)
			}
			got := tn.raw(t, "GET", path, "", "")
			if got.wantETag(t, http.StatusOK) != 1 || !strings.Contains(string(got.body), fmt.Sprintf(`"accessTokenTTL":%d`, api.DefaultAccessTokenTTL)) ||
				!strings.Contains(string(got.body), `"identityId":"`+id+`"`) {
				t.Fatalf("GET after attach: %s", got.body)
			}
			ident := must(tn.c.GetIdentity(t.Context(), id))(t)
			if !containsString(ident.AuthMethods, k.kind) {
				t.Fatalf("identity authMethods %v lack %s", ident.AuthMethods, k.kind)
			}

			tn.raw(t, "PUT", path, api.ETag(7), k.replaced).problem(t, http.StatusPreconditionFailed, api.CodeVersionMismatch)
			if v := tn.raw(t, "PUT", path, api.ETag(1), k.replaced).wantETag(t, http.StatusOK); v != 2 {
				t.Fatalf("replace: version %d, want 2", v)
			}
			// A replace sets every field: what the first body had and the second lacks is gone.
			after := tn.raw(t, "GET", path, "", "")
			after.wantETag(t, http.StatusOK)
			if k.kind == "oidc-auth" && (strings.Contains(string(after.body), "repository") || !strings.Contains(string(after.body), `"accessTokenTTL":600`)) {
				t.Fatalf("replaced OIDC auth still holds the first body's settings: %s", after.body)
			}

			for _, bad := range k.invalid {
				r := tn.raw(t, "PUT", path, "", bad.body)
				p := r.problem(t, http.StatusBadRequest, api.CodeValidation)
				if bad.says != "" {
					wantFieldError(t, p, bad.field, bad.says)
				} else {
					wantFieldError(t, p, bad.field)
				}
			}
			if v := tn.raw(t, "GET", path, "", "").wantETag(t, http.StatusOK); v != 2 {
				t.Fatalf("invalid bodies changed the version to %d", v)
			}

			// Another organization sees nothing and changes nothing.
			other.raw(t, "GET", path, "", "").problem(t, http.StatusNotFound, api.CodeNotFound)
			other.raw(t, "PUT", path, "", k.valid).problem(t, http.StatusNotFound, api.CodeNotFound)
			other.raw(t, "DELETE", path, "", "").problem(t, http.StatusNotFound, api.CodeNotFound)

			tn.raw(t, "DELETE", path, api.ETag(1), "").problem(t, http.StatusPreconditionFailed, api.CodeVersionMismatch)
			if r := tn.raw(t, "DELETE", path, api.ETag(2), ""); r.status != http.StatusNoContent {
				t.Fatalf("detach: %d %s", r.status, r.body)
			}
			tn.raw(t, "GET", path, "", "").problem(t, http.StatusNotFound, api.CodeNotFound)
			if ident := must(tn.c.GetIdentity(t.Context(), id))(t); containsString(ident.AuthMethods, k.kind) {
				t.Fatalf("identity authMethods %v still list %s", ident.AuthMethods, k.kind)
			}

			for _, action := range []string{".attach", ".update", ".detach"} {
				list := must(tn.c.ListAuditEvents(t.Context(), api.AuditEventFilter{Action: k.kind + action, TargetID: id}))(t)
				if len(list.Events) != 1 || list.Events[0].Actor.ID != tn.boot.IdentityID || list.Events[0].Outcome != api.OutcomeSuccess {
					t.Fatalf("audit of %s%s: %+v", k.kind, action, list.Events)
				}
			}
		})
	}

	t.Run("detaching revokes the method's tokens", func(t *testing.T) {
		id := e.identity(t, "revoked")
		cfg := e.putOIDC(t, id, api.TokenBindings{})
		token := e.loginToken(t, id, e.idp.Token("me", nil, nil))
		self := e.srv.Client(t, api.WithToken(token))
		must(self.TokenSelf(t.Context()))(t)
		if err := tn.c.DeleteOIDCAuth(t.Context(), id, cfg.Version); err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(time.Second)
		for {
			_, err := self.TokenSelf(t.Context())
			if api.IsStatus(err, http.StatusUnauthorized) {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("the OIDC token still works a second after detaching: %v", err)
			}
			time.Sleep(50 * time.Millisecond)
		}
		e.refuse(t, "oidc-auth", id, e.idp.Token("me", nil, nil), "the identity has no OIDC auth")
	})
}

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// An issuer that ends with a slash (Auth0 and others publish
// https://tenant.example/) logs in: its discovery document is below the
// issuer without the slash, and names the issuer exactly as configured
// (OIDC Discovery 4.3); an issuer that differs by its slash does not.
func TestOIDCAuthIssuerWithTrailingSlash(t *testing.T) {
	e := newSTEnv(t)
	e.idp.SetIssuer(e.idp.URL + "/")
	put := func(t *testing.T, id, url string) {
		must(e.tn.c.PutOIDCAuth(t.Context(), id, 0, api.OIDCAuthInput{OIDCAuthConfig: api.OIDCAuthConfig{
			OIDCDiscoveryURL: url, OIDCCACertificate: e.idp.CAPEM}}))(t)
	}
	slash := e.identity(t, "slash")
	put(t, slash, e.idp.URL+"/")
	e.accept(t, "oidc-auth", slash, e.idp.Token("me", nil, nil))

	bare := e.identity(t, "bare")
	put(t, bare, e.idp.URL)
	e.refuse(t, "oidc-auth", bare, e.idp.Token("me", nil, nil), "the discovery document names another issuer", e.idp.URL+"/")
}
