package api

import (
	"context"
	"fmt"
	"os"
	"strings"
)

// LoginMethod is one way a client logs in: universal auth, a fixed access
// token, or a workload's proof for one of the server's auth methods.
// Logins lists them; Credentials.Resolve picks one by name, or by the
// variables set, and sets it up, for the provider and `idplane audit`
// alike. A new method is one file here declaring its entry (and the
// variables it reads), a line in Logins, and its block in the provider
// (provider/internal/provider's authBlocks); TestLoginsCoverServerMethods
// fails until the server's method has its entry.
type LoginMethod struct {
	// Name is the method as IDPLANE_AUTH_METHOD names it, and as the
	// provider's auth block does.
	Name string
	// Route is the login route of the server's auth method it logs in
	// with; nil for a method that logs in with none (a fixed token).
	Route *Route
	// Env are the variables it reads, besides IDPLANE_AUTH_METHOD: its
	// settings, each of which a caller (the provider's auth block) may
	// override.
	Env []string
	// SelectedBy are variables any of which, set, choose the method when
	// IDPLANE_AUTH_METHOD is not: the first entry of Logins with one set
	// wins.
	SelectedBy []string
	// Setup checks the settings and returns how to log in; what is missing
	// or wrong is a *CredentialsError (several joined with errors.Join).
	Setup func(ctx context.Context, s Settings) (Login, error)
}

// Logins are the methods a client logs in with, in the order in which
// their SelectedBy variables are tried.
var Logins = []LoginMethod{
	universalLogin,
	tokenLogin,
	oidcLogin,
	jwtLogin,
	kubernetesLogin,
	awsLogin,
	tlsCertLogin,
}

// LookupLogin returns the entry of Logins named name.
func LookupLogin(name string) (LoginMethod, bool) {
	for _, l := range Logins {
		if l.Name == name {
			return l, true
		}
	}
	return LoginMethod{}, false
}

// loginNames lists the names of Logins, "a, b or c".
func loginNames() string {
	names := make([]string, len(Logins))
	for i, l := range Logins {
		names[i] = l.Name
	}
	return JoinList(names, "or")
}

// JoinList joins items as "a, b <last> c", for messages that list
// choices.
func JoinList(items []string, last string) string {
	if len(items) < 2 {
		return strings.Join(items, "")
	}
	return strings.Join(items[:len(items)-1], ", ") + " " + last + " " + items[len(items)-1]
}

// Settings are the settings of a login keyed by the variable each one
// overrides: a setting absent or empty takes its variable's value.
type Settings map[string]string

// Get is the setting of variable name, or the variable's value.
func (s Settings) Get(name string) string {
	if v := s[name]; v != "" {
		return v
	}
	return os.Getenv(name)
}

// credsProblem is a *CredentialsError of method, its message msg, about vars.
func credsProblem(method string, p CredentialsProblem, msg string, vars ...string) *CredentialsError {
	return &CredentialsError{Method: method, Problem: p, Vars: vars, msg: msg}
}

// credsInvalid is a *CredentialsError of method caused by err, about vars.
func credsInvalid(method string, p CredentialsProblem, err error, vars ...string) *CredentialsError {
	return &CredentialsError{Method: method, Problem: p, Vars: vars, Err: err}
}

// workloadIdentity is the identity ID a workload login of method logs in
// as, or why there is none.
func workloadIdentity(method string, s Settings) (string, error) {
	id := s.Get(EnvIdentityID)
	if id == "" {
		return "", credsProblem(method, MissingIdentity, fmt.Sprintf("%s is required to log in with %s auth", EnvIdentityID, method), EnvIdentityID)
	}
	return id, nil
}
