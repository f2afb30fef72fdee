package api_test

import (
	"strings"
	"testing"

	"github.com/idplane/idplane/server/api"
)

// withoutClientLogin are the server's login routes the client does not log
// in through, and why: adding a method's client login removes its line.
var withoutClientLogin = map[*api.Route]string{
	api.RouteGCPAuthLogin:   "GCP workloads log in with their own tooling (Infisical's SDKs); no client login yet",
	api.RouteAzureAuthLogin: "Azure workloads log in with their own tooling (Infisical's SDKs); no client login yet",
}

// isLoginRoute reports whether r is an auth method's login route,
// POST /api/v1/auth/<kind>/login.
func isLoginRoute(r *api.Route) bool {
	rest, ok := strings.CutPrefix(r.Path, "/api/v1/auth/")
	kind, ok2 := strings.CutSuffix(rest, "/login")
	return ok && ok2 && !strings.Contains(kind, "/")
}

// The seam between the server's auth methods and the client's logins:
// every login route of the route table (the server serves exactly the
// table, TestRouterMatchesRouteTable, so these are its methods) has exactly
// one entry in api.Logins unless listed in withoutClientLogin, and every
// entry logs in through a login route of the table, or is the fixed token.
// A method added on the server without a client login fails here.
func TestLoginsCoverServerMethods(t *testing.T) {
	routes := map[*api.Route]bool{}
	logins := 0
	for _, r := range api.Routes {
		if isLoginRoute(r) {
			routes[r] = true
			logins++
		}
	}
	if logins < 8 {
		t.Fatalf("found %d login routes in the route table, want the 8 auth methods at least", logins)
	}
	names := map[string]bool{}
	entries := map[*api.Route][]string{}
	for _, l := range api.Logins {
		if names[l.Name] {
			t.Errorf("api.Logins holds %q twice", l.Name)
		}
		names[l.Name] = true
		if l.Setup == nil || len(l.Env) == 0 {
			t.Errorf("login %q has no Setup or no variables", l.Name)
		}
		if l.Route == nil {
			if l.Name != api.LoginToken {
				t.Errorf("login %q has no login route: only %q uses none", l.Name, api.LoginToken)
			}
			continue
		}
		if !routes[l.Route] {
			t.Errorf("login %q logs in through %s %s, not a login route of api.Routes", l.Name, l.Route.Method, l.Route.Path)
		}
		entries[l.Route] = append(entries[l.Route], l.Name)
	}
	for r := range routes {
		_, exempt := withoutClientLogin[r]
		switch n := len(entries[r]); {
		case exempt && n > 0:
			t.Errorf("%s has the client login %v: remove it from withoutClientLogin", r.Path, entries[r])
		case !exempt && n != 1:
			t.Errorf("%s: %d client logins %v, want exactly one entry in api.Logins", r.Path, n, entries[r])
		}
	}
	for r := range withoutClientLogin {
		if !routes[r] {
			t.Errorf("withoutClientLogin lists %s, not a login route", r.Path)
		}
	}
}

// The variables choose the first entry of api.Logins one of whose
// SelectedBy is set, in the order the documentation gives: a client ID or
// secret, then a token, then an identity ID (OIDC).
func TestLoginsSelectedByOrder(t *testing.T) {
	var got []string
	for _, l := range api.Logins {
		if len(l.SelectedBy) > 0 {
			got = append(got, l.Name+":"+strings.Join(l.SelectedBy, ","))
		}
	}
	want := []string{"universal:IDPLANE_CLIENT_ID,IDPLANE_CLIENT_SECRET", "token:IDPLANE_TOKEN", "oidc:IDPLANE_IDENTITY_ID"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("selection order %v, want %v", got, want)
	}
}
