package authz

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/idplane/idplane/server/api"
)

func mustOrg(t testing.TB, slug string) Role {
	t.Helper()
	r, ok := BuiltinOrgRole(slug)
	if !ok {
		t.Fatalf("no built-in org role %q", slug)
	}
	return r
}

func mustProject(t testing.TB, slug string) Role {
	t.Helper()
	r, ok := BuiltinProjectRole(slug)
	if !ok {
		t.Fatalf("no built-in project role %q", slug)
	}
	return r
}

func TestBuiltinRolesValidate(t *testing.T) {
	for _, r := range append(BuiltinOrgRoles(), BuiltinProjectRoles()...) {
		var errs api.FieldErrors
		api.ValidateRules(r.Scope, "rules", r.Rules, &errs)
		if err := errs.Err(); err != nil {
			t.Errorf("%s %s: %v", r.Scope, r.Slug, err)
		}
		if !slices.EqualFunc(r.Rules, api.NormalizeRules(r.Rules), sameRule) {
			t.Errorf("%s %s: rules not normalized", r.Scope, r.Slug)
		}
	}
	if _, ok := BuiltinOrgRole(RoleViewer); ok {
		t.Error("viewer is not an org role")
	}
	a, _ := BuiltinOrgRole(RoleAdmin)
	a.Rules[0].Actions[0] = "mutated"
	if b, _ := BuiltinOrgRole(RoleAdmin); b.Rules[0].Actions[0] == "mutated" {
		t.Error("built-in roles share state between calls")
	}
}

func TestCan(t *testing.T) {
	admin := &Permissions{OrgRole: RoleAdmin, Org: mustOrg(t, RoleAdmin).Rules}
	member := &Permissions{OrgRole: RoleMember, Org: mustOrg(t, RoleMember).Rules}
	none := &Permissions{OrgRole: RoleNoAccess, Org: mustOrg(t, RoleNoAccess).Rules}
	denyDelete := &Permissions{Org: Merge(mustOrg(t, RoleAdmin).Rules, []api.PermissionRule{
		{Subject: api.SubjectIdentities, Actions: []string{api.ActionDelete}, Inverted: true},
	})}
	tests := []struct {
		name            string
		p               *Permissions
		subject, action string
		want            bool
	}{
		{"admin deletes identities", admin, "identities", "delete", true},
		{"admin edits settings", admin, "settings", "edit", true},
		{"admin unknown action", admin, "identities", "frobnicate", false},
		{"member reads identities", member, "identities", "read", true},
		{"member can't delete identities", member, "identities", "delete", false},
		{"member creates projects", member, "projects", "create", true},
		{"member reads no audit logs", member, "audit-logs", "read", false},
		{"no-access nothing", none, "identities", "read", false},
		{"deny wins", denyDelete, "identities", "delete", false},
		{"deny is narrow", denyDelete, "identities", "edit", true},
		{"nil permissions", nil, "identities", "read", false},
	}
	for _, tt := range tests {
		if got := tt.p.Can(tt.subject, tt.action); got != tt.want {
			t.Errorf("%s: Can(%s, %s) = %v, want %v", tt.name, tt.subject, tt.action, got, tt.want)
		}
	}
}

func TestCanProject(t *testing.T) {
	orgAdmin := &Permissions{OrgRole: RoleAdmin}
	orgAdminDenied := &Permissions{OrgRole: RoleAdmin, Projects: map[string][]api.PermissionRule{
		"p1": {{Subject: "project", Actions: []string{"delete"}, Inverted: true}},
	}}
	viewer := &Permissions{OrgRole: RoleMember, Projects: map[string][]api.PermissionRule{"p1": mustProject(t, RoleViewer).Rules}}
	member := &Permissions{OrgRole: RoleMember, Projects: map[string][]api.PermissionRule{"p1": mustProject(t, RoleMember).Rules}}
	none := &Permissions{OrgRole: RoleMember, Projects: map[string][]api.PermissionRule{"p1": mustProject(t, RoleNoAccess).Rules}}
	conditional := &Permissions{Projects: map[string][]api.PermissionRule{"p1": {
		{Subject: "secrets", Actions: []string{"read", "edit"}, Conditions: &api.PermissionConditions{SecretPaths: []string{"/app/**"}}},
		{Subject: "secrets", Actions: []string{"edit"}, Inverted: true, Conditions: &api.PermissionConditions{Environments: []string{"prod"}}},
		{Subject: "secrets", Actions: []string{"delete"}},
		{Subject: "secrets", Actions: []string{"delete"}, Inverted: true},
	}}}
	tests := []struct {
		name                     string
		p                        *Permissions
		project, subject, action string
		want                     bool
	}{
		{"org admin implies project admin", orgAdmin, "any", "project", "delete", true},
		{"org admin reads secrets", orgAdmin, "any", "secrets", "read", true},
		{"org admin unknown action", orgAdmin, "any", "secrets", "frobnicate", false},
		{"deny wins over org admin", orgAdminDenied, "p1", "project", "delete", false},
		{"org admin deny is per project", orgAdminDenied, "p2", "project", "delete", true},
		{"viewer reads", viewer, "p1", "environments", "read", true},
		{"viewer describes secrets", viewer, "p1", "secrets", "describe", true},
		{"viewer can't edit secrets", viewer, "p1", "secrets", "edit", false},
		{"viewer other project", viewer, "p2", "project", "read", false},
		{"member edits secrets", member, "p1", "secret-folders", "delete", true},
		{"member can't delete identities", member, "p1", "identities", "delete", false},
		{"no-access nothing", none, "p1", "project", "read", false},
		{"conditional allow grants somewhere", conditional, "p1", "secrets", "read", true},
		{"conditional deny doesn't refuse everywhere", conditional, "p1", "secrets", "edit", true},
		{"unconditional deny wins", conditional, "p1", "secrets", "delete", false},
	}
	for _, tt := range tests {
		if got := tt.p.CanProject(tt.project, tt.subject, tt.action); got != tt.want {
			t.Errorf("%s: CanProject(%s, %s, %s) = %v, want %v", tt.name, tt.project, tt.subject, tt.action, got, tt.want)
		}
	}
}

func TestCanSecret(t *testing.T) {
	cond := func(envs, paths []string) *api.PermissionConditions {
		return &api.PermissionConditions{Environments: envs, SecretPaths: paths}
	}
	p := &Permissions{Projects: map[string][]api.PermissionRule{
		"p1": {
			{Subject: "secrets", Actions: []string{"describe", "read"}, Conditions: cond(nil, []string{"/database/**"})},
			{Subject: "secrets", Actions: []string{"read", "edit"}, Conditions: cond([]string{"dev", "staging-*"}, []string{"/app/*"})},
			{Subject: "secrets", Actions: []string{"read"}, Inverted: true, Conditions: cond([]string{"prod"}, []string{"/database/root/**"})},
			{Subject: "secret-folders", Actions: []string{"create"}, Conditions: cond([]string{"dev"}, nil)},
			{Subject: "secrets", Actions: []string{"delete"}, Conditions: cond([]string{"qa?"}, nil)},
		},
		"p2": {
			{Subject: "secrets", Actions: []string{"read"}},
			{Subject: "secrets", Actions: []string{"read"}, Inverted: true, Conditions: cond(nil, []string{"/[", "/x"})},
		},
	}}
	orgAdmin := &Permissions{OrgRole: RoleAdmin, Projects: p.Projects}
	tests := []struct {
		name                 string
		p                    *Permissions
		project, action, env string
		path                 string
		want                 bool
	}{
		{"database glob one level", p, "p1", "read", "prod", "/database/pg", true},
		{"database glob deep", p, "p1", "describe", "prod", "/database/pg/replica", true},
		{"database glob not the parent", p, "p1", "read", "prod", "/databases", false},
		{"action not granted", p, "p1", "edit", "prod", "/database/pg", false},
		{"app star one segment", p, "p1", "read", "dev", "/app/a", true},
		{"app star not two segments", p, "p1", "read", "dev", "/app/a/b", false},
		{"environment glob", p, "p1", "edit", "staging-eu", "/app/a", true},
		{"environment glob needs the prefix", p, "p1", "edit", "staging", "/app/a", false},
		{"environment not listed", p, "p1", "edit", "prod", "/app/a", false},
		{"question mark", p, "p1", "delete", "qa1", "/anything", true},
		{"question mark is one char", p, "p1", "delete", "qa12", "/anything", false},
		{"deny wins in its environment", p, "p1", "read", "prod", "/database/root/pw", false},
		{"deny is narrow", p, "p1", "read", "dev", "/database/root/pw", true},
		{"deny only for its action", p, "p1", "describe", "prod", "/database/root/pw", true},
		{"subject is secrets", p, "p1", "create", "dev", "/x", false},
		{"unclean path refused", p, "p1", "read", "prod", "/database/../app/a", false},
		{"relative path refused", p, "p1", "read", "prod", "database/pg", false},
		{"trailing slash refused", p, "p1", "read", "prod", "/database/pg/", false},
		{"bad pattern never matches", p, "p2", "read", "prod", "/[", true},
		{"good pattern in same list", p, "p2", "read", "prod", "/x", false},
		{"unknown project", p, "p3", "read", "prod", "/database/pg", false},
		{"org admin allowed", orgAdmin, "p3", "delete", "prod", "/any/thing", true},
		{"org admin denied by deny rule", orgAdmin, "p1", "read", "prod", "/database/root/pw", false},
		{"nil permissions", nil, "p1", "read", "prod", "/database/pg", false},
	}
	for _, tt := range tests {
		if got := tt.p.CanSecret(tt.project, tt.action, tt.env, tt.path); got != tt.want {
			t.Errorf("%s: CanSecret(%s, %s, %s, %s) = %v, want %v", tt.name, tt.project, tt.action, tt.env, tt.path, got, tt.want)
		}
	}
	if !p.CanPath("p1", "secret-folders", "create", "dev", "/new") || p.CanPath("p1", "secret-folders", "create", "prod", "/new") {
		t.Error("CanPath does not apply secret-folders conditions")
	}
}

func TestMerge(t *testing.T) {
	viewer, member := mustProject(t, RoleViewer), mustProject(t, RoleMember)
	got := Merge(viewer.Rules, member.Rules, viewer.Rules)
	for _, r := range append(viewer.Rules, member.Rules...) {
		if !slices.ContainsFunc(got, func(g api.PermissionRule) bool { return sameRule(g, r) }) {
			t.Errorf("Merge lost %+v", r)
		}
	}
	if len(got) != 8 {
		t.Errorf("Merge kept duplicates: %d rules, want 8", len(got))
	}
	if len(Merge()) != 0 || len(Merge(mustProject(t, RoleNoAccess).Rules)) != 0 {
		t.Error("Merge of nothing is not empty")
	}
}

// gobwas/glob's matcher takes minutes on this pair; evaluation must not
// depend on it.
func TestGlobMatchIsLinear(t *testing.T) {
	pattern, path := "/*x*a*a*a*a*a*a*a", "/"+strings.Repeat("a", 10000)
	start := time.Now()
	if matchGlob(pattern, path) {
		t.Fatal("matched")
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("matching took %v", d)
	}
}

func TestNextChange(t *testing.T) {
	at := time.Date(2026, 12, 4, 10, 0, 0, 0, time.UTC)
	grant := func(start time.Time, seconds int) api.MembershipRole {
		return api.MembershipRole{RoleSlug: "admin", TemporaryAccess: &api.TemporaryAccess{StartTime: start, DurationSeconds: seconds}}
	}
	for _, tc := range []struct {
		name  string
		roles []api.MembershipRole
		want  time.Time
	}{
		{"permanent grants never change", []api.MembershipRole{{RoleSlug: "viewer"}}, time.Time{}},
		{"an active grant changes at its end", []api.MembershipRole{grant(at.Add(-time.Hour), 7200)}, at.Add(time.Hour)},
		{"a future grant changes at its start", []api.MembershipRole{grant(at.Add(time.Minute), 60)}, at.Add(time.Minute)},
		{"an ended grant never changes", []api.MembershipRole{grant(at.Add(-time.Hour), 60)}, time.Time{}},
		{"a grant ending at at has changed already", []api.MembershipRole{grant(at.Add(-time.Minute), 60)}, time.Time{}},
		{"the earliest edge wins", []api.MembershipRole{grant(at.Add(-time.Hour), 7200), grant(at.Add(time.Minute), 60)}, at.Add(time.Minute)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := NextChange([]Membership{{ProjectID: "p", Roles: tc.roles}}, at)
			if !got.Equal(tc.want) {
				t.Fatalf("NextChange = %v, want %v", got, tc.want)
			}
		})
	}
}

// The auditor reads every object of every project without a membership and
// nothing else: no change anywhere, no secret value, no secret folder, no
// token introspection.
func TestAuditorReadsEverythingChangesNothing(t *testing.T) {
	auditor := &Permissions{OrgRole: RoleAuditor, Org: mustOrg(t, RoleAuditor).Rules}
	for _, scope := range []api.Scope{api.ScopeOrganization, api.ScopeProject} {
		for _, subject := range api.Subjects(scope) {
			for _, action := range api.Actions(scope, subject) {
				var got bool
				if scope == api.ScopeOrganization {
					got = auditor.Can(subject, action)
				} else {
					got = auditor.CanProject("any-project", subject, action)
				}
				// Introspecting tokens is a service's job, not a reader's.
				want := action == api.ActionRead && !slices.Contains([]string{api.SubjectSecrets, api.SubjectSecretFolders, api.SubjectTokenIntrospection}, subject)
				if got != want {
					t.Errorf("auditor %s %s on %s = %v, want %v", scope, action, subject, got, want)
				}
			}
		}
	}
	if auditor.CanSecret("any-project", api.ActionRead, "prod", "/app/db") || auditor.CanSecret("any-project", api.ActionDescribe, "prod", "/app/db") {
		t.Error("the auditor reads secrets")
	}
	if auditor.CanPath("any-project", api.SubjectSecretFolders, api.ActionRead, "prod", "/app") {
		t.Error("the auditor reads secret folders")
	}
	if !auditor.Covers("any-project", api.PermissionRule{Subject: api.SubjectEnvironments, Actions: []string{api.ActionRead}}) ||
		auditor.Covers("any-project", api.PermissionRule{Subject: api.SubjectEnvironments, Actions: []string{api.ActionEdit}}) {
		t.Error("Covers disagrees with CanProject for the auditor")
	}
}

// "all-projects: read" works in any organization role, not only the
// built-in auditor; a deny in the organization role or in a project wins.
func TestAllProjectsRead(t *testing.T) {
	read := []string{api.ActionRead}
	custom := &Permissions{OrgRole: "planner", Org: []api.PermissionRule{{Subject: api.SubjectAllProjects, Actions: read}},
		Projects: map[string][]api.PermissionRule{"p1": {{Subject: api.SubjectRoles, Actions: read, Inverted: true}}}}
	denied := &Permissions{OrgRole: "planner", Org: []api.PermissionRule{
		{Subject: api.SubjectAllProjects, Actions: read},
		{Subject: api.SubjectAllProjects, Actions: read, Inverted: true},
	}}
	tests := []struct {
		name                     string
		p                        *Permissions
		project, subject, action string
		want                     bool
	}{
		{"custom role reads environments", custom, "p2", api.SubjectEnvironments, api.ActionRead, true},
		{"custom role reads memberships", custom, "p2", api.SubjectIdentities, api.ActionRead, true},
		{"custom role edits nothing", custom, "p2", api.SubjectIdentities, api.ActionEdit, false},
		{"project deny wins", custom, "p1", api.SubjectRoles, api.ActionRead, false},
		{"project deny is per project", custom, "p2", api.SubjectRoles, api.ActionRead, true},
		{"org deny wins", denied, "p1", api.SubjectProject, api.ActionRead, false},
	}
	for _, tt := range tests {
		if got := tt.p.CanProject(tt.project, tt.subject, tt.action); got != tt.want {
			t.Errorf("%s: CanProject(%s, %s, %s) = %v, want %v", tt.name, tt.project, tt.subject, tt.action, got, tt.want)
		}
	}
}
