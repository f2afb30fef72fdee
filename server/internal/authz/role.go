// Package authz evaluates permission rules: built-in roles, the caller's
// effective rules and the decisions made on every request.
package authz

import (
	"slices"

	"github.com/idplane/idplane/server/api"
)

// Slugs of the built-in roles.
const (
	RoleAdmin    = "admin"
	RoleMember   = "member"
	RoleViewer   = "viewer"
	RoleNoAccess = "no-access"
	RoleAuditor  = "auditor"
)

// Role is a named set of permission rules of one scope.
type Role struct {
	Slug        string
	Name        string
	Description string
	Scope       api.Scope
	Rules       []api.PermissionRule
}

// BuiltinOrgRoles returns the read-only organization roles admin, member,
// no-access and auditor. Each call returns fresh values.
func BuiltinOrgRoles() []Role {
	org := api.ScopeOrganization
	return []Role{
		{
			Slug: RoleAdmin, Name: "Admin", Scope: org,
			Description: "Full access to the organization and, through it, admin of every project.",
			Rules:       allActions(org),
		},
		{
			Slug: RoleMember, Name: "Member", Scope: org,
			Description: "Reads identities and roles; reads and creates projects.",
			Rules: api.NormalizeRules([]api.PermissionRule{
				{Subject: api.SubjectIdentities, Actions: []string{api.ActionRead}},
				{Subject: api.SubjectRoles, Actions: []string{api.ActionRead}},
				{Subject: api.SubjectProjects, Actions: []string{api.ActionRead, api.ActionCreate}},
			}),
		},
		{
			Slug: RoleNoAccess, Name: "No access", Scope: org,
			Description: "No access to organization objects.",
			Rules:       []api.PermissionRule{},
		},
		{
			Slug: RoleAuditor, Name: "Auditor", Scope: org,
			Description: "Reads every object of the organization and of every project (environments, roles, memberships) " +
				"without a membership, and the audit log; changes nothing, reads no secret value and mints no token. " +
				"For terraform plan in CI and for audits.",
			Rules: api.NormalizeRules([]api.PermissionRule{
				{Subject: api.SubjectIdentities, Actions: []string{api.ActionRead}},
				{Subject: api.SubjectRoles, Actions: []string{api.ActionRead}},
				{Subject: api.SubjectProjects, Actions: []string{api.ActionRead}},
				{Subject: api.SubjectAuditLogs, Actions: []string{api.ActionRead}},
				{Subject: api.SubjectSettings, Actions: []string{api.ActionRead}},
				{Subject: api.SubjectAllProjects, Actions: []string{api.ActionRead}},
			}),
		},
	}
}

// BuiltinProjectRoles returns the read-only project roles admin, member,
// viewer and no-access. Each call returns fresh values.
func BuiltinProjectRoles() []Role {
	proj := api.ScopeProject
	read := []string{api.ActionRead}
	return []Role{
		{
			Slug: RoleAdmin, Name: "Admin", Scope: proj,
			Description: "Full access to the project.",
			Rules:       allActions(proj),
		},
		{
			Slug: RoleMember, Name: "Member", Scope: proj,
			Description: "Manages secrets and secret folders; reads everything else.",
			Rules: api.NormalizeRules([]api.PermissionRule{
				{Subject: api.SubjectProject, Actions: read},
				{Subject: api.SubjectEnvironments, Actions: read},
				{Subject: api.SubjectRoles, Actions: read},
				{Subject: api.SubjectIdentities, Actions: read},
				{Subject: api.SubjectSecrets, Actions: api.Actions(proj, api.SubjectSecrets)},
				{Subject: api.SubjectSecretFolders, Actions: api.Actions(proj, api.SubjectSecretFolders)},
			}),
		},
		{
			Slug: RoleViewer, Name: "Viewer", Scope: proj,
			Description: "Reads everything in the project, secret values included.",
			Rules: api.NormalizeRules([]api.PermissionRule{
				{Subject: api.SubjectProject, Actions: read},
				{Subject: api.SubjectEnvironments, Actions: read},
				{Subject: api.SubjectRoles, Actions: read},
				{Subject: api.SubjectIdentities, Actions: read},
				{Subject: api.SubjectSecrets, Actions: []string{api.ActionDescribe, api.ActionRead}},
				{Subject: api.SubjectSecretFolders, Actions: read},
			}),
		},
		{
			Slug: RoleNoAccess, Name: "No access", Scope: proj,
			Description: "No access to the project.",
			Rules:       []api.PermissionRule{},
		},
	}
}

// BuiltinOrgRole returns the built-in organization role slug.
func BuiltinOrgRole(slug string) (Role, bool) {
	return findRole(BuiltinOrgRoles(), slug)
}

// BuiltinProjectRole returns the built-in project role slug.
func BuiltinProjectRole(slug string) (Role, bool) {
	return findRole(BuiltinProjectRoles(), slug)
}

func findRole(roles []Role, slug string) (Role, bool) {
	i := slices.IndexFunc(roles, func(r Role) bool { return r.Slug == slug })
	if i < 0 {
		return Role{}, false
	}
	return roles[i], true
}

func allActions(scope api.Scope) []api.PermissionRule {
	subjects := api.Subjects(scope)
	rules := make([]api.PermissionRule, len(subjects))
	for i, s := range subjects {
		rules[i] = api.PermissionRule{Subject: s, Actions: api.Actions(scope, s)}
	}
	return rules
}

// Merge returns the union of rule lists (e.g. of several roles) in
// canonical order, each distinct rule once.
func Merge(lists ...[]api.PermissionRule) []api.PermissionRule {
	var all []api.PermissionRule
	for _, l := range lists {
		all = append(all, l...)
	}
	return slices.CompactFunc(api.NormalizeRules(all), sameRule)
}

// sameRule reports whether two normalized rules are identical.
func sameRule(a, b api.PermissionRule) bool {
	if a.Subject != b.Subject || a.Inverted != b.Inverted || !slices.Equal(a.Actions, b.Actions) {
		return false
	}
	if a.Conditions == nil || b.Conditions == nil {
		return a.Conditions == nil && b.Conditions == nil
	}
	return slices.Equal(a.Conditions.Environments, b.Conditions.Environments) &&
		slices.Equal(a.Conditions.SecretPaths, b.Conditions.SecretPaths)
}
