package httpapi_test

import (
	"slices"
	"testing"

	"github.com/idplane/idplane/server/api"
	"github.com/idplane/idplane/server/servertest"
)

// The router serves exactly the route table: nothing more, nothing less.
func TestRouterMatchesRouteTable(t *testing.T) {
	srv := servertest.Start(t, servertest.Options{Backend: servertest.SQLite})
	got := srv.App.HTTP.Routes()
	var want []string
	for _, r := range api.Routes {
		want = append(want, r.Method+" "+r.Path)
	}
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Fatalf("router and route table differ\nrouter: %v\ntable:  %v", got, want)
	}
}
