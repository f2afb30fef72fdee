package httpapi_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/idplane/idplane/server/api"
	"github.com/idplane/idplane/server/idptest"
	"github.com/idplane/idplane/server/internal/authmethod/outbound"
	"github.com/idplane/idplane/server/internal/authmethod/signedtoken"
	"github.com/idplane/idplane/server/servertest"
)

func benchClient(b *testing.B, srv *servertest.Server, opts ...api.Option) *api.Client {
	hc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	return srv.Client(b, append([]api.Option{api.WithHTTPClient(hc)}, opts...)...)
}

// BenchmarkLogin is a universal-auth login over HTTP on PostgreSQL, token
// signing and the durable audit event included.
func BenchmarkLogin(b *testing.B) {
	srv := servertest.Start(b, servertest.Options{Backend: servertest.Postgres})
	c := benchClient(b, srv)
	in := api.UniversalAuthLoginRequest{ClientID: srv.Bootstrap.ClientID, ClientSecret: srv.Bootstrap.ClientSecret}
	b.SetParallelism(16) // 32 concurrent clients on this 2-core machine, as make bench
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := c.Login(context.Background(), in); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// BenchmarkLoginWrongSecret is a failed login over HTTP: it costs a lookup
// and an audit event, never a slow hash.
func BenchmarkLoginWrongSecret(b *testing.B) {
	srv := servertest.Start(b, servertest.Options{Backend: servertest.Postgres})
	c := benchClient(b, srv)
	ctx := context.Background()
	admin := srv.Admin(b)
	if _, err := admin.PatchUniversalAuth(ctx, srv.Bootstrap.IdentityID, 0, api.UniversalAuthInput{Lockout: &api.Lockout{Enabled: false, Threshold: 3, DurationSeconds: 300, CounterResetSeconds: 30}}); err != nil {
		b.Fatal(err)
	}
	in := api.UniversalAuthLoginRequest{ClientID: srv.Bootstrap.ClientID, ClientSecret: "idp_cs_wrongwrongwrongwrongwrongwrongwrongwrong000"}
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := c.Login(ctx, in); !api.IsStatus(err, http.StatusUnauthorized) {
				b.Errorf("want 401, got %v", err)
				return
			}
		}
	})
}

// BenchmarkLoginUnknownClient is a login with a client ID nobody has: a
// lookup and an audit event in a group commit, like a wrong secret.
func BenchmarkLoginUnknownClient(b *testing.B) {
	srv := servertest.Start(b, servertest.Options{Backend: servertest.Postgres})
	c := benchClient(b, srv)
	ctx := context.Background()
	in := api.UniversalAuthLoginRequest{ClientID: "no-such-client", ClientSecret: "idp_cs_wrongwrongwrongwrongwrongwrongwrongwrong000"}
	b.SetParallelism(16) // 32 concurrent clients on this 2-core machine, as make bench
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := c.Login(ctx, in); !api.IsStatus(err, http.StatusUnauthorized) {
				b.Errorf("want 401, got %v", err)
				return
			}
		}
	})
}

// BenchmarkTokenSelf is an authenticated read: signature check and an
// in-memory revocation check, no database round trip.
func BenchmarkTokenSelf(b *testing.B) {
	srv := servertest.Start(b, servertest.Options{Backend: servertest.Postgres})
	c := benchClient(b, srv, api.WithUniversalAuth(srv.Bootstrap.ClientID, srv.Bootstrap.ClientSecret))
	ctx := context.Background()
	if err := c.Authenticate(ctx); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := c.TokenSelf(ctx); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// BenchmarkAuthzCheck is a decision over HTTP on PostgreSQL: the caller's
// authorization, then the project, the environment, the identity, its
// memberships and custom roles read, and authz deciding.
func BenchmarkAuthzCheck(b *testing.B) {
	srv := servertest.Start(b, servertest.Options{Backend: servertest.Postgres})
	admin := srv.Admin(b)
	ctx := context.Background()
	p, err := admin.CreateProject(ctx, api.ProjectInput{Name: "Bench", Slug: "bench"})
	if err != nil {
		b.Fatal(err)
	}
	if _, err := admin.CreateEnvironment(ctx, p.ID, api.EnvironmentInput{Name: "prod", Slug: "prod"}); err != nil {
		b.Fatal(err)
	}
	if _, err := admin.CreateProjectRole(ctx, p.ID, api.RoleInput{Slug: "db-reader", Name: "DB reader", Permissions: []api.PermissionRule{
		{Subject: api.SubjectSecrets, Actions: []string{api.ActionRead}, Conditions: &api.PermissionConditions{SecretPaths: []string{"/db/**"}}}}}); err != nil {
		b.Fatal(err)
	}
	id, err := admin.CreateIdentity(ctx, api.IdentityInput{Name: "workload", Role: "no-access"})
	if err != nil {
		b.Fatal(err)
	}
	if _, err := admin.CreateMembership(ctx, p.ID, id.ID, api.ProjectMembershipInput{Roles: []api.MembershipRole{{RoleSlug: "viewer"}, {RoleSlug: "db-reader"}}}); err != nil {
		b.Fatal(err)
	}
	c := benchClient(b, srv, api.WithUniversalAuth(srv.Bootstrap.ClientID, srv.Bootstrap.ClientSecret))
	in := api.AuthzCheck{IdentityID: id.ID, Project: "bench", Environment: "prod", SecretPath: "/db/orders", Action: api.ActionRead}
	b.SetParallelism(16)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if d, err := c.CheckAuthz(ctx, in); err != nil || !d.Allowed {
				b.Errorf("decision %+v, error %v", d, err)
				return
			}
		}
	})
}

// BenchmarkSecretRead is a secret read over HTTP on PostgreSQL by a machine
// identity whose membership allows it: authentication, authorization (its
// permissions, the project and the environment from the replica's caches),
// the secret's row, decryption and the read's audit event in a group commit.
func BenchmarkSecretRead(b *testing.B) {
	srv := servertest.Start(b, servertest.Options{Backend: servertest.Postgres})
	admin := srv.Admin(b)
	ctx := context.Background()
	p, err := admin.CreateProject(ctx, api.ProjectInput{Name: "Bench", Slug: "bench"})
	if err != nil {
		b.Fatal(err)
	}
	if _, err := admin.CreateEnvironment(ctx, p.ID, api.EnvironmentInput{Name: "prod", Slug: "prod"}); err != nil {
		b.Fatal(err)
	}
	at := api.SecretScope{WorkspaceSlug: "bench", Environment: "prod", SecretPath: "/db/orders"}
	if _, err := admin.CreateSecret(ctx, "DB_URL", api.SecretCreate{WorkspaceSlug: at.WorkspaceSlug, Environment: at.Environment,
		SecretPath: at.SecretPath, SecretValue: "postgres://orders"}); err != nil {
		b.Fatal(err)
	}
	id, err := admin.CreateIdentity(ctx, api.IdentityInput{Name: "workload", Role: "no-access"})
	if err != nil {
		b.Fatal(err)
	}
	if _, err := admin.CreateMembership(ctx, p.ID, id.ID, api.ProjectMembershipInput{Roles: []api.MembershipRole{{RoleSlug: "viewer"}}}); err != nil {
		b.Fatal(err)
	}
	ua, err := admin.PutUniversalAuth(ctx, id.ID, 0, api.UniversalAuthInput{})
	if err != nil {
		b.Fatal(err)
	}
	cs, err := admin.CreateClientSecret(ctx, id.ID, api.ClientSecretInput{Description: "bench"})
	if err != nil {
		b.Fatal(err)
	}
	c := benchClient(b, srv, api.WithUniversalAuth(ua.ClientID, cs.ClientSecret))
	q := api.SecretGetQuery{WorkspaceSlug: at.WorkspaceSlug, Environment: at.Environment, SecretPath: at.SecretPath}
	b.SetParallelism(16)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if s, err := c.GetSecret(ctx, "DB_URL", q); err != nil || s.SecretValue != "postgres://orders" {
				b.Errorf("secret %+v, error %v", s, err)
				return
			}
		}
	})
}

// benchOIDCTokens publishes a key of each algorithm of the OIDC benchmarks
// and signs a token with it for identity-bound claims; it runs before the
// first fetch, so every key is in the cached JWKS.
func benchOIDCTokens(idp *idptest.IdP) map[jose.SignatureAlgorithm]string {
	out := map[jose.SignatureAlgorithm]string{}
	for _, alg := range []jose.SignatureAlgorithm{jose.RS256, jose.ES256} {
		out[alg] = idptest.Sign(idp.AddKey(alg), idptest.Claims(idp.URL, "repo:acme/infra", []string{"idplane"}, time.Hour,
			map[string]any{"repository": "acme/infra", "ref": "refs/heads/main"}))
	}
	return out
}

var benchOIDCBindings = api.TokenBindings{BoundAudiences: []string{"idplane"},
	BoundClaims: map[string][]string{"repository": {"acme/*"}}, ClaimMetadata: map[string]string{"repo": "repository", "ref": "ref"}}

// BenchmarkOIDCVerifyCached is the verification of an OIDC login once the
// discovery document and the JWKS are cached: the cached lookups, the
// signature, times, issuer, audience and a bound claim; no HTTP, no database.
func BenchmarkOIDCVerifyCached(b *testing.B) {
	idp := idptest.New(b)
	tokens := benchOIDCTokens(idp)
	v := signedtoken.New(signedtoken.Options{Policy: outbound.Policy{AllowInternal: true}})
	verify := func(raw string) error {
		p, ks, err := v.Discover(context.Background(), idp.URL+signedtoken.WellKnown, idp.CAPEM)
		if err != nil {
			return err
		}
		t, err := v.Verify(context.Background(), raw, ks, signedtoken.Expect{Issuers: []string{p.Issuer}, Audiences: benchOIDCBindings.BoundAudiences})
		if err != nil {
			return err
		}
		if err := signedtoken.CheckBindings(t, benchOIDCBindings); err != nil {
			return err
		}
		_ = signedtoken.Metadata(t.Raw, benchOIDCBindings.ClaimMetadata)
		return nil
	}
	for _, alg := range []jose.SignatureAlgorithm{jose.RS256, jose.ES256} {
		if err := verify(tokens[alg]); err != nil {
			b.Fatal(err)
		}
	}
	fetches := idp.Fetches("/jwks")
	for _, alg := range []jose.SignatureAlgorithm{jose.RS256, jose.ES256} {
		b.Run(string(alg), func(b *testing.B) {
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if err := verify(tokens[alg]); err != nil {
						b.Error(err)
						return
					}
				}
			})
		})
	}
	if n := idp.Fetches("/jwks"); n != fetches {
		b.Fatalf("the JWKS was fetched %d times during the benchmark", n-fetches)
	}
}

// BenchmarkOIDCLogin is an OIDC login over HTTP on PostgreSQL, the JWKS
// cached: verification, token signing and the durable audit event.
func BenchmarkOIDCLogin(b *testing.B) {
	idp := idptest.New(b)
	tokens := benchOIDCTokens(idp)
	srv := servertest.Start(b, servertest.Options{Backend: servertest.Postgres, AllowInternalOutbound: true})
	admin := srv.Admin(b)
	ctx := context.Background()
	id, err := admin.CreateIdentity(ctx, api.IdentityInput{Name: "bench-oidc", Role: "member"})
	if err != nil {
		b.Fatal(err)
	}
	if _, err := admin.PutOIDCAuth(ctx, id.ID, 0, api.OIDCAuthInput{OIDCAuthConfig: api.OIDCAuthConfig{OIDCDiscoveryURL: idp.URL,
		OIDCCACertificate: idp.CAPEM, TokenBindings: benchOIDCBindings}}); err != nil {
		b.Fatal(err)
	}
	c := benchClient(b, srv)
	for _, alg := range []jose.SignatureAlgorithm{jose.RS256, jose.ES256} {
		if _, err := c.OIDCAuthLogin(ctx, api.TokenAuthLoginRequest{IdentityID: id.ID, JWT: tokens[alg]}); err != nil {
			b.Fatal(err)
		}
	}
	fetches := idp.Fetches("/jwks")
	for _, alg := range []jose.SignatureAlgorithm{jose.RS256, jose.ES256} {
		b.Run(string(alg), func(b *testing.B) {
			in := api.TokenAuthLoginRequest{IdentityID: id.ID, JWT: tokens[alg]}
			b.SetParallelism(16) // 32 concurrent clients on this 2-core machine, as make bench
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if _, err := c.OIDCAuthLogin(ctx, in); err != nil {
						b.Error(err)
						return
					}
				}
			})
		})
	}
	if n := idp.Fetches("/jwks"); n != fetches {
		b.Fatalf("the JWKS was fetched %d times during the benchmark", n-fetches)
	}
}
