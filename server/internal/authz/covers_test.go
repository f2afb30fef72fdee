package authz

import (
	"testing"

	"github.com/idplane/idplane/server/api"
)

func secretsRule(envs, paths []string, actions ...string) api.PermissionRule {
	r := api.PermissionRule{Subject: api.SubjectSecrets, Actions: actions}
	if envs != nil || paths != nil {
		r.Conditions = &api.PermissionConditions{Environments: envs, SecretPaths: paths}
	}
	return r
}

func TestCovers(t *testing.T) {
	devApp := &Permissions{OrgRole: RoleNoAccess, Projects: map[string][]api.PermissionRule{
		"p": {secretsRule([]string{"dev"}, []string{"/app/**"}, "read", "describe")},
	}}
	everywhere := &Permissions{OrgRole: RoleNoAccess, Projects: map[string][]api.PermissionRule{
		"p": {secretsRule(nil, nil, "read")},
	}}
	withDeny := &Permissions{OrgRole: RoleAdmin, Projects: map[string][]api.PermissionRule{
		"p": {{Subject: api.SubjectSecrets, Actions: []string{"read"}, Inverted: true, Conditions: &api.PermissionConditions{SecretPaths: []string{"/ci/**"}}}},
	}}
	orgMember := &Permissions{OrgRole: "member", Org: []api.PermissionRule{{Subject: api.SubjectIdentities, Actions: []string{"read"}}}}
	for _, tc := range []struct {
		name    string
		p       *Permissions
		project string
		rule    api.PermissionRule
		want    bool
	}{
		{"same grant", devApp, "p", secretsRule([]string{"dev"}, []string{"/app/**"}, "read"), true},
		{"narrower path", devApp, "p", secretsRule([]string{"dev"}, []string{"/app/db/password"}, "read"), true},
		{"narrower glob is not provable", devApp, "p", secretsRule([]string{"dev"}, []string{"/app/db/*"}, "read"), false},
		{"other environment", devApp, "p", secretsRule([]string{"prod"}, []string{"/app/**"}, "read"), false},
		{"unconditioned is wider", devApp, "p", secretsRule(nil, nil, "read"), false},
		{"an action the caller lacks", devApp, "p", secretsRule([]string{"dev"}, []string{"/app/**"}, "edit"), false},
		{"another project", devApp, "q", secretsRule([]string{"dev"}, []string{"/app/**"}, "read"), false},
		{"unconditioned covers conditioned", everywhere, "p", secretsRule([]string{"prod"}, []string{"/x/**"}, "read"), true},
		{"a deny grants nothing", devApp, "p", api.PermissionRule{Subject: api.SubjectSecrets, Actions: []string{"delete"}, Inverted: true}, true},
		{"org admin covers project rules", &Permissions{OrgRole: RoleAdmin}, "p", secretsRule(nil, nil, "read", "delete"), true},
		{"a caller's deny may overlap", withDeny, "p", secretsRule(nil, []string{"/app/**"}, "read"), false},
		{"org scope", orgMember, "", api.PermissionRule{Subject: api.SubjectIdentities, Actions: []string{"read"}}, true},
		{"org scope, more", orgMember, "", api.PermissionRule{Subject: api.SubjectIdentities, Actions: []string{"read", "delete"}}, false},
	} {
		if got := tc.p.Covers(tc.project, tc.rule); got != tc.want {
			t.Errorf("%s: Covers = %v, want %v", tc.name, got, tc.want)
		}
	}
}
