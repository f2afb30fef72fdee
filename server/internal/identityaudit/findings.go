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

// Finding codes: stable, documented in the identity-audit guide.
const (
	CodeNoAuthMethod              = "no-auth-method"
	CodeClientSecretIPsOpen       = "client-secret-trusted-ips-open"
	CodeAccessTokenIPsOpen        = "access-token-trusted-ips-open"
	CodeClientSecretNoTTL         = "client-secret-no-ttl"
	CodeLongLivedTokens           = "long-lived-access-tokens"
	CodeOrgAdmin                  = "org-admin"
	CodeWildcardInProduction      = "wildcard-secret-path-in-production"
	CodeSpansProduction           = "spans-production-and-non-production"
	CodeSpansProjects             = "spans-projects"
	CodeKubernetesNamespaces      = "kubernetes-several-namespaces"
	CodeNoAccess                  = "no-access"
	CodeClientSecretInState       = "client-secret-in-state"
	CodeUnusedIdentity            = "unused-identity"
	CodeUnusedClientSecret        = "unused-client-secret"
	CodeAllowAnyPrincipal         = "allow-any-principal"
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
		add(api.SeverityHigh, CodeOrgAdmin, "holds the organization role admin: full control of the organization and admin of every project")
	}
	for _, m := range id.AuthMethods {
		methodFindings(m, add, opts)
	}
	for _, addr := range id.SecretsInState {
		add(api.SeverityHigh, CodeClientSecretInState, "the value of client secret %s is stored in Terraform state; use client_secret_wo or keep the state encrypted", addr)
	}
	accessFindings(set, prod, add)
	if unused(id.LastLoginKnown, id.LastLogin, id.CreatedAt, opts) {
		add(api.SeverityMedium, CodeUnusedIdentity, "%s", unusedDetail("no login", id.LastLogin, opts))
	}
	return out
}

type addFunc func(sev, code, format string, args ...any)

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
func accessFindings(set permissionSet, prod production, add addFunc) {
	var wildcards, prodPlaces, otherPlaces []string
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
			if strings.ContainsAny(a.SecretPath, "*?[{") {
				wildcards = appendOnce(wildcards, fmt.Sprintf("%s at %s", place, a.SecretPath))
			}
		}
		if a.Environment == anyEnvironment || !prod.is(a.Project, a.Environment) {
			otherPlaces = appendOnce(otherPlaces, place)
		}
	}
	if len(wildcards) > 0 {
		add(api.SeverityHigh, CodeWildcardInProduction, "wildcard secret paths in production: %s", strings.Join(wildcards, "; "))
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
