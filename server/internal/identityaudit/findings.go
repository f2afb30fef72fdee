package identityaudit

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"time"

	"github.com/idplane/idplane/server/api"
	"github.com/idplane/idplane/server/internal/authz"
)

// Finding codes: stable, each documented (what, why, how to fix) in the
// audit findings guide, templates/guides/audit-findings.md.tmpl; a test
// fails when a code here is missing there.
const (
	// Who the identity is: organization-wide power.
	CodeOrgAdmin = "org-admin"
	// What it reaches.
	CodeAllSecretsInProduction = "all-secrets-in-production"
	CodeWildcardInProduction   = "wildcard-secret-path-in-production"
	CodeSpansProduction        = "spans-production-and-non-production"
	CodeSpansProjects          = "spans-projects"
	CodeNoAccess               = "no-access"
	// How it logs in: credentials and tokens.
	CodeNoAuthMethod        = "no-auth-method"
	CodeClientSecretIPsOpen = "client-secret-trusted-ips-open"
	CodeAccessTokenIPsOpen  = "access-token-trusted-ips-open"
	CodeClientSecretNoTTL   = "client-secret-no-ttl"
	CodeClientSecretInState = "client-secret-in-state"
	CodeLongLivedTokens     = "long-lived-access-tokens"
	// What an auth method's bindings accept (one finding per method kind
	// whose bindings are too wide).
	CodeKubernetesNamespaces = "kubernetes-several-namespaces"
	CodeAllowAnyPrincipal    = "allow-any-principal"
	// Whether it is used (live audit only).
	CodeUnusedIdentity     = "unused-identity"
	CodeUnusedClientSecret = "unused-client-secret"
	// Whether its secret grants are used (live audit only): use.go.
	CodeGrantUnused         = "grant-unused"
	CodeGrantBroaderThanUse = "grant-broader-than-use"
)

const (
	maxTokenLifetimeSeconds       = 24 * 60 * 60
	kindUniversal, kindKubernetes = "universal-auth", "kubernetes-auth"
)

// identityFindings lists one identity's findings.
func identityFindings(id *Identity, set permissionSet, prod production, opts Options) []api.AuditFinding {
	var out []api.AuditFinding
	add := func(sev, code, format string, args ...any) {
		out = append(out, api.AuditFinding{Severity: sev, Code: code, Identity: id.Name, Detail: fmt.Sprintf(format, args...)})
	}
	if len(id.AuthMethods) == 0 {
		add(api.SeverityLow, CodeNoAuthMethod, "no auth method is attached: no workload can log in as it")
	}
	if id.OrgRole == authz.RoleAdmin {
		orgAdminFinding(id, add)
	}
	for _, m := range id.AuthMethods {
		methodFindings(m, add, opts)
	}
	for _, addr := range id.SecretsInState {
		add(api.SeverityMedium, CodeClientSecretInState, "the value of client secret %s is stored in Terraform state: whoever reads the state can log in; use client_secret_wo or keep the state encrypted", addr)
	}
	accessFindings(set, prod, add)
	if unused(id.LastLoginKnown, id.LastLogin, id.CreatedAt, opts) {
		add(api.SeverityMedium, CodeUnusedIdentity, "%s", unusedDetail("no login", id.LastLogin, opts))
	}
	return out
}

type addFunc func(sev, code, format string, args ...any)

// orgAdminFinding: the organization role admin is high when a static
// credential (a universal auth client secret, or a method whose settings
// the audit cannot see) can log in as the identity, and medium when only
// federated proof can, as for the apply identity of a CI pipeline bound
// to one repository and branch.
func orgAdminFinding(id *Identity, add addFunc) {
	var static []string
	for _, m := range id.AuthMethods {
		if m.Kind == kindUniversal || m.Unmanaged {
			static = appendOnce(static, m.Kind)
		}
	}
	if len(static) > 0 {
		add(api.SeverityHigh, CodeOrgAdmin, "holds the organization role admin (full control of the organization and admin of every project) and can log in with %s",
			strings.Join(static, ", "))
		return
	}
	add(api.SeverityMedium, CodeOrgAdmin, "holds the organization role admin: full control of the organization and admin of every project")
}

func methodFindings(m AuthMethod, add addFunc, opts Options) {
	if m.Unmanaged {
		return
	}
	if m.Kind == kindUniversal && openToWorld(m.ClientSecretTrustedIPs) {
		add(api.SeverityMedium, CodeClientSecretIPsOpen, "universal-auth accepts client secrets from any address (%s)", ipList(m.ClientSecretTrustedIPs))
	}
	if openToWorld(m.AccessTokenTrustedIPs) {
		add(api.SeverityLow, CodeAccessTokenIPsOpen, "%s issues access tokens usable from any address (%s)", m.Kind, ipList(m.AccessTokenTrustedIPs))
	}
	if life := max(m.AccessTokenTTL, m.AccessTokenMaxTTL); life > maxTokenLifetimeSeconds {
		add(api.SeverityMedium, CodeLongLivedTokens, "%s access tokens live up to %s (over 24h)", m.Kind, seconds(life))
	}
	if m.AllowAnyPrincipal {
		add(api.SeverityHigh, CodeAllowAnyPrincipal, "%s binds no principal (allow_any_principal): any principal of its cloud in the world can log in", m.Kind)
	}
	if m.Kind == kindKubernetes {
		switch ns := m.AllowedNamespaces; {
		case len(ns) == 0:
			add(api.SeverityMedium, CodeKubernetesNamespaces, "kubernetes-auth allows service accounts of every namespace")
		case len(ns) > 1 || strings.ContainsAny(ns[0], "*?"):
			add(api.SeverityMedium, CodeKubernetesNamespaces, "kubernetes-auth allows several namespaces: %s", strings.Join(ns, ", "))
		}
	}
	for _, cs := range m.ClientSecrets {
		if cs.TTL == 0 {
			add(api.SeverityMedium, CodeClientSecretNoTTL, "client secret %s never expires", cs.Name)
		}
		if unused(cs.LastLoginKnown, cs.LastLogin, cs.CreatedAt, opts) {
			add(api.SeverityMedium, CodeUnusedClientSecret, "client secret %s: %s", cs.Name, unusedDetail("no login with it", cs.LastLogin, opts))
		}
	}
}

// accessFindings are the findings about what the permission set reaches.
// Reading or changing every secret of a production environment is high; a
// glob under a fixed prefix ("/app/**", the workload's own folder) is low;
// describing secrets (names and metadata, never values) is neither.
func accessFindings(set permissionSet, prod production, add addFunc) {
	var everything, wildcards, prodPlaces, otherPlaces []string
	projects := map[string]bool{}
	orgAllows := false
	for _, a := range set.Atoms {
		if a.Deny {
			continue
		}
		if a.Project == "" {
			orgAllows = true
			continue
		}
		projects[a.Project] = true
		if a.Environment == "" {
			continue
		}
		place := a.Project + "/" + a.Environment
		if prod.is(a.Project, a.Environment) {
			prodPlaces = appendOnce(prodPlaces, place)
			if reachesValues(a) {
				switch at := fmt.Sprintf("%s at %s", place, a.SecretPath) + untilText(parseUntil(a.Until)); {
				case isGlob(a.SecretPath) && !anchored(a.SecretPath):
					everything = appendOnce(everything, at)
				case isGlob(a.SecretPath):
					wildcards = appendOnce(wildcards, at)
				}
			}
		}
		if a.Environment == anyEnvironment || !prod.is(a.Project, a.Environment) {
			otherPlaces = appendOnce(otherPlaces, place)
		}
	}
	if len(everything) > 0 {
		add(api.SeverityHigh, CodeAllSecretsInProduction, "reads or changes every secret of a production environment: %s", strings.Join(everything, "; "))
	}
	if len(wildcards) > 0 {
		add(api.SeverityLow, CodeWildcardInProduction, "secret path globs in production: %s", strings.Join(wildcards, "; "))
	}
	if len(prodPlaces) > 0 && len(otherPlaces) > 0 {
		add(api.SeverityMedium, CodeSpansProduction, "reaches production (%s) and non-production (%s): split it at the trust boundary",
			strings.Join(prodPlaces, ", "), strings.Join(otherPlaces, ", "))
	}
	if len(projects) > 1 {
		names := make([]string, 0, len(projects))
		for p := range projects {
			names = append(names, p)
		}
		slices.Sort(names)
		add(api.SeverityLow, CodeSpansProjects, "reaches %d projects (%s): consider one identity per project", len(names), strings.Join(names, ", "))
	}
	if len(projects) == 0 && !orgAllows {
		add(api.SeverityLow, CodeNoAccess, "is in no project and holds no organization permission: it can do nothing")
	}
}

// reachesValues reports whether an atom reads or changes secret values or
// folders under its path: anything but describing secrets or reading the
// folder tree.
func reachesValues(a atom) bool {
	if a.SecretPath == "" || a.Action == api.ActionDescribe {
		return false
	}
	return a.Subject == api.SubjectSecrets || a.Action != api.ActionRead
}

func isGlob(path string) bool { return strings.ContainsAny(path, "*?[{") }

// anchored reports whether a secret path glob stays under a fixed first
// folder ("/app/**" does; "/**", "/*" and "/{a,b}/**" do not).
func anchored(path string) bool {
	first, _, _ := strings.Cut(strings.TrimPrefix(path, "/"), "/")
	return first != "" && !isGlob(first)
}

func appendOnce(s []string, v string) []string {
	if slices.Contains(s, v) {
		return s
	}
	return append(s, v)
}

// openToWorld reports whether a trusted-IP list admits every address: an
// empty list does, and so does any /0 block.
func openToWorld(cidrs []string) bool {
	if len(cidrs) == 0 {
		return true
	}
	for _, c := range cidrs {
		if p, err := netip.ParsePrefix(c); err == nil && p.Bits() == 0 {
			return true
		}
	}
	return false
}

func ipList(cidrs []string) string {
	if len(cidrs) == 0 {
		return "no restriction"
	}
	return strings.Join(cidrs, ", ")
}

func seconds(s int) string {
	d := time.Duration(s) * time.Second
	if d%(24*time.Hour) == 0 {
		return fmt.Sprintf("%dd", d/(24*time.Hour))
	}
	return d.String()
}

// unused reports whether a live object without a login in the last
// UnusedDays days is older than that.
func unused(known bool, last, created time.Time, opts Options) bool {
	if !known {
		return false
	}
	cutoff := opts.now().AddDate(0, 0, -opts.unusedDays())
	return last.Before(cutoff) && created.Before(cutoff)
}

func unusedDetail(what string, last time.Time, opts Options) string {
	if last.IsZero() {
		return fmt.Sprintf("%s ever, and older than %d days", what, opts.unusedDays())
	}
	return fmt.Sprintf("%s in %d days (last %s)", what, opts.unusedDays(), last.UTC().Format(time.DateOnly))
}
