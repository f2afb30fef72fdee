package httpapi_test

import (
	"testing"

	"github.com/idplane/idplane/server/servertest"
)

func TestMain(m *testing.M) { servertest.Main(m) }

// backends runs fn once against a server on PostgreSQL and once on SQLite:
// the store contract holds on both.
func backends(t *testing.T, fn func(t *testing.T, srv *servertest.Server)) {
	for _, b := range []servertest.Backend{servertest.Postgres, servertest.SQLite} {
		t.Run(string(b), func(t *testing.T) {
			fn(t, servertest.Start(t, servertest.Options{Backend: b}))
		})
	}
}
