package api

import "time"

// Role is a named set of permission rules, organization- or project-scoped.
// Built-in roles have Builtin set, their slug as ID, no timestamps, and
// cannot change.
type Role struct {
	ID          string           `json:"id"`
	ProjectID   string           `json:"projectId,omitempty"`
	Slug        string           `json:"slug"`
	Name        string           `json:"name"`
	Description string           `json:"description"`
	Permissions []PermissionRule `json:"permissions"`
	Builtin     bool             `json:"builtin"`
	Version     int64            `json:"version"`
	CreatedAt   *time.Time       `json:"createdAt,omitempty"`
	UpdatedAt   *time.Time       `json:"updatedAt,omitempty"`
}

// RoleInput creates a custom role (POST) or replaces it (PUT).
type RoleInput struct {
	Slug        string           `json:"slug"`
	Name        string           `json:"name"`
	Description string           `json:"description"`
	Permissions []PermissionRule `json:"permissions"`
}

// Validate checks the role in the given scope.
func (in *RoleInput) Validate(scope Scope, errs *FieldErrors) {
	if err := ValidateSlug(in.Slug); err != nil {
		errs.Add("slug", "%s", err)
	}
	validateName(errs, "name", in.Name)
	validateDescription(errs, "description", in.Description)
	ValidateRules(scope, "permissions", in.Permissions, errs)
}

// RoleList is the body of the role listings; built-in roles come first.
type RoleList struct {
	Roles []Role `json:"roles"`
}
