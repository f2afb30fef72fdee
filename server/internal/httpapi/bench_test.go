package httpapi_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/idplane/idplane/server/api"
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
