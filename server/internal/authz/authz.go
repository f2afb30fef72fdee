package authz

import (
	"slices"

	"github.com/idplane/idplane/server/api"
)

// Permissions are a caller's effective rules: Org holds the rules of its
// organization role, Projects maps a project ID to the union of the rules of
// the caller's active project roles there.
//
// An OrgRole of the built-in "admin" implies the built-in project admin role
// in every project of the organization: it is unioned with the rules in
// Projects, so an explicit deny rule there still wins. Likewise an
// organization rule allowing read on "all-projects" implies reading the
// subjects AllProjectsReads lists in every project. Callers resolve the
// project within the caller's organization first; Permissions knows nothing
// of tenancy.
//
// Grants holds, per project, the active role grants Projects was merged
// from, for decisions that say which grant decided (Effective fills it).
//
// In every decision a matching deny (inverted) rule wins over any allow.
type Permissions struct {
	OrgRole  string
	Org      []api.PermissionRule
	Projects map[string][]api.PermissionRule
	Grants   map[string][]Grant
}

// Can reports whether the caller may perform action on an organization
// subject.
func (p *Permissions) Can(subject, action string) bool {
	if p == nil {
		return false
	}
	return decideAnywhere(p.Org, subject, action, false)
}

// CanProject reports whether the caller may perform action on subject
// somewhere in the project: a rule with conditions grants it, while a deny
// rule with conditions does not refuse it, since it denies only some places.
// Use CanSecret or CanPath once environment and path are known.
func (p *Permissions) CanProject(projectID, subject, action string) bool {
	if p == nil {
		return false
	}
	return decideAnywhere(p.Projects[projectID], subject, action, p.impliedByOrgRole(subject, action))
}

// CanSecret reports whether the caller may perform action on the secrets
// under secretPath in environment of the project.
func (p *Permissions) CanSecret(projectID, action, environment, secretPath string) bool {
	return p.CanPath(projectID, api.SubjectSecrets, action, environment, secretPath)
}

// CanPath is CanSecret for any project subject, e.g. secret folders: the
// Allowed of DecidePath, which says why.
func (p *Permissions) CanPath(projectID, subject, action, environment, secretPath string) bool {
	return p.DecidePath(projectID, subject, action, environment, secretPath).Allowed
}

// impliedByOrgRole reports whether the organization role alone grants
// action on the project subject in every project: the built-in admin role
// grants everything, and "all-projects: read" grants reading the subjects
// AllProjectsReads lists.
func (p *Permissions) impliedByOrgRole(subject, action string) bool {
	if p.OrgRole == RoleAdmin && api.HasAction(api.ScopeProject, subject, action) {
		return true
	}
	return action == api.ActionRead && slices.Contains(AllProjectsReads, subject) &&
		decideAnywhere(p.Org, api.SubjectAllProjects, api.ActionRead, false)
}

// AllProjectsReads lists the project subjects that the organization subject
// "all-projects" with action read lets a caller read in every project:
// everything Terraform manages in a project, never secrets or secret
// folders.
var AllProjectsReads = []string{api.SubjectProject, api.SubjectEnvironments, api.SubjectRoles, api.SubjectIdentities}

// decideAnywhere evaluates rules ignoring conditions: a conditional allow
// grants, only an unconditional deny refuses.
func decideAnywhere(rules []api.PermissionRule, subject, action string, allowed bool) bool {
	for _, r := range rules {
		if r.Subject != subject || !slices.Contains(r.Actions, action) {
			continue
		}
		if r.Inverted {
			if r.Conditions.IsEmpty() {
				return false
			}
			continue
		}
		allowed = true
	}
	return allowed
}

func conditionsMatch(c *api.PermissionConditions, environment, secretPath string) bool {
	if c == nil {
		return true
	}
	return matchAny(c.Environments, environment) && matchAny(c.SecretPaths, secretPath)
}

// matchAny reports whether s matches one of patterns; an empty list places
// no restriction.
func matchAny(patterns []string, s string) bool {
	if len(patterns) == 0 {
		return true
	}
	for _, pat := range patterns {
		if matchGlob(pat, s) {
			return true
		}
	}
	return false
}
