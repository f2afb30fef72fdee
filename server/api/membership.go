package api

import (
	"fmt"
	"time"
)

// MaxTemporaryAccessSeconds bounds a temporary grant (one year).
const MaxTemporaryAccessSeconds = 31536000

// TemporaryAccess limits a role grant to [StartTime, StartTime+DurationSeconds).
type TemporaryAccess struct {
	StartTime       time.Time `json:"startTime"`
	DurationSeconds int       `json:"durationSeconds"`
}

// MembershipRole is one project role granted to an identity.
type MembershipRole struct {
	RoleSlug        string           `json:"roleSlug"`
	TemporaryAccess *TemporaryAccess `json:"temporaryAccess,omitempty"`
}

// Active reports whether the grant counts at now.
func (r MembershipRole) Active(now time.Time) bool {
	t := r.TemporaryAccess
	if t == nil {
		return true
	}
	end := t.StartTime.Add(time.Duration(t.DurationSeconds) * time.Second)
	return !now.Before(t.StartTime) && now.Before(end)
}

// ProjectMembership places an identity in a project with one or more roles.
type ProjectMembership struct {
	ProjectID  string           `json:"projectId"`
	IdentityID string           `json:"identityId"`
	Roles      []MembershipRole `json:"roles"`
	Version    int64            `json:"version"`
	CreatedAt  time.Time        `json:"createdAt"`
	UpdatedAt  time.Time        `json:"updatedAt"`
}

// ProjectMembershipInput creates (POST) or replaces (PUT) a membership.
type ProjectMembershipInput struct {
	Roles []MembershipRole `json:"roles"`
}

// Validate checks the grants: at least one, no duplicate permanent grant,
// sane durations.
func (in *ProjectMembershipInput) Validate(errs *FieldErrors) {
	if len(in.Roles) == 0 {
		errs.Add("roles", "must hold at least one role grant")
	}
	if len(in.Roles) > 32 {
		errs.Add("roles", "must hold at most 32 role grants, got %d", len(in.Roles))
	}
	seen := map[string]bool{}
	for i, r := range in.Roles {
		f := fmt.Sprintf("roles[%d]", i)
		if err := ValidateSlug(r.RoleSlug); err != nil {
			errs.Add(f+".roleSlug", "%s", err)
		}
		if t := r.TemporaryAccess; t != nil {
			if t.StartTime.IsZero() {
				errs.Add(f+".temporaryAccess.startTime", "must be an RFC 3339 time")
			}
			validateRange(errs, f+".temporaryAccess.durationSeconds", t.DurationSeconds, 1, MaxTemporaryAccessSeconds)
			continue
		}
		if seen[r.RoleSlug] {
			errs.Add(f+".roleSlug", "role %q is granted permanently more than once", r.RoleSlug)
		}
		seen[r.RoleSlug] = true
	}
}

// ProjectMembershipList is the body of the membership listing.
type ProjectMembershipList struct {
	Memberships []ProjectMembership `json:"memberships"`
}

// ProjectPermissions are an identity's effective rules in one project.
type ProjectPermissions struct {
	ProjectID   string           `json:"projectId"`
	Roles       []string         `json:"roles"`
	Permissions []PermissionRule `json:"permissions"`
}

// EffectivePermissions is what an identity may do right now.
type EffectivePermissions struct {
	IdentityID       string               `json:"identityId"`
	OrganizationRole string               `json:"organizationRole"`
	Organization     []PermissionRule     `json:"organization"`
	Projects         []ProjectPermissions `json:"projects"`
}
