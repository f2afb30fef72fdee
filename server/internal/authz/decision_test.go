package authz

import (
	"testing"
	"time"

	"github.com/idplane/idplane/server/api"
)

func TestDecidePath(t *testing.T) {
	at := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	readProd := api.PermissionRule{Subject: api.SubjectSecrets, Actions: []string{api.ActionRead},
		Conditions: &api.PermissionConditions{Environments: []string{"prod"}, SecretPaths: []string{"/db/**"}}}
	denyRoot := api.PermissionRule{Subject: api.SubjectSecrets, Actions: []string{api.ActionRead}, Inverted: true,
		Conditions: &api.PermissionConditions{SecretPaths: []string{"/db/root"}}}
	custom := map[string][]api.PermissionRule{"reader": {readProd}, "no-root": {denyRoot}}
	lookup := func(_, slug string) ([]api.PermissionRule, error) { return custom[slug], nil }
	window := func(start time.Time, d time.Duration) *api.TemporaryAccess {
		return &api.TemporaryAccess{StartTime: start, DurationSeconds: int(d.Seconds())}
	}
	grants := []Membership{{ProjectID: "p", Roles: []api.MembershipRole{
		{RoleSlug: "reader", TemporaryAccess: window(at.Add(-time.Hour), 2*time.Hour)},
		{RoleSlug: "no-root"},
		{RoleSlug: "viewer", TemporaryAccess: window(at.Add(time.Hour), time.Hour)}, // not yet
	}}}
	p, _, err := Effective(RoleNoAccess, grants, at, lookup)
	if err != nil {
		t.Fatal(err)
	}
	admin, _, err := Effective(RoleAdmin, grants, at, lookup)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name                    string
		p                       *Permissions
		env, path, action, role string
		allowed                 bool
		why                     Why
		windowEnd               time.Time
	}{
		{"temporary grant allows", p, "prod", "/db/app", "read", "reader", true, WhyAllowRule, at.Add(time.Hour)},
		{"deny rule wins", p, "prod", "/db/root", "read", "no-root", false, WhyDenyRule, time.Time{}},
		{"other environment", p, "dev", "/db/app", "read", "", false, WhyNoRule, time.Time{}},
		{"future grant does not count", p, "prod", "/db/app", "describe", "", false, WhyNoRule, time.Time{}},
		{"unclean path", p, "prod", "/db/app/", "read", "", false, WhyInvalidPath, time.Time{}},
		{"org admin implies project admin", admin, "dev", "/x", "edit", "", true, WhyOrgAdmin, time.Time{}},
		{"a deny rule binds the org admin too", admin, "prod", "/db/root", "read", "no-root", false, WhyDenyRule, time.Time{}},
		{"an explicit allow is named before the org admin", admin, "prod", "/db/app", "read", "reader", true, WhyAllowRule, at.Add(time.Hour)},
	}
	for _, tt := range tests {
		d := tt.p.DecidePath("p", api.SubjectSecrets, tt.action, tt.env, tt.path)
		if d.Allowed != tt.allowed || d.Why != tt.why {
			t.Errorf("%s: allowed %v why %v, want %v %v", tt.name, d.Allowed, d.Why, tt.allowed, tt.why)
			continue
		}
		if d.Allowed != tt.p.CanPath("p", api.SubjectSecrets, tt.action, tt.env, tt.path) {
			t.Errorf("%s: CanPath disagrees with DecidePath", tt.name)
		}
		switch {
		case tt.role == "" && (d.Grant != nil || d.Rule != nil):
			t.Errorf("%s: grant %+v rule %+v, want none", tt.name, d.Grant, d.Rule)
		case tt.role == "":
		case d.Grant == nil || d.Rule == nil:
			t.Errorf("%s: no grant or rule, want role %s", tt.name, tt.role)
		case d.Grant.RoleSlug != tt.role || d.Rule.Inverted != (tt.why == WhyDenyRule):
			t.Errorf("%s: role %s rule %+v, want role %s", tt.name, d.Grant.RoleSlug, d.Rule, tt.role)
		case tt.windowEnd.IsZero() != (d.Grant.Window == nil):
			t.Errorf("%s: window %+v, want end %v", tt.name, d.Grant.Window, tt.windowEnd)
		case d.Grant.Window != nil && !d.Grant.Window.End.Equal(tt.windowEnd):
			t.Errorf("%s: window ends %v, want %v", tt.name, d.Grant.Window.End, tt.windowEnd)
		}
	}
}

// The same rule granted permanently and temporarily is reported as the
// permanent grant: it is the reason that lasts.
func TestDecidePathPrefersPermanentGrant(t *testing.T) {
	at := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	p, _, err := Effective(RoleNoAccess, []Membership{{ProjectID: "p", Roles: []api.MembershipRole{
		{RoleSlug: RoleViewer, TemporaryAccess: &api.TemporaryAccess{StartTime: at.Add(-time.Minute), DurationSeconds: 600}},
		{RoleSlug: RoleViewer},
	}}}, at, func(string, string) ([]api.PermissionRule, error) { return nil, nil })
	if err != nil {
		t.Fatal(err)
	}
	d := p.DecideSecret("p", api.ActionRead, "prod", "/a")
	if !d.Allowed || d.Grant == nil || d.Grant.RoleSlug != RoleViewer || d.Grant.Window != nil {
		t.Fatalf("decision %+v grant %+v, want the permanent viewer grant", d, d.Grant)
	}
}

func BenchmarkDecideSecret(b *testing.B) {
	at := time.Now()
	p, _, err := Effective(RoleMember, []Membership{{ProjectID: "p1", Roles: []api.MembershipRole{{RoleSlug: RoleViewer}, {RoleSlug: "custom"}}}}, at,
		func(string, string) ([]api.PermissionRule, error) {
			return []api.PermissionRule{{Subject: "secrets", Actions: []string{"read", "edit"},
				Conditions: &api.PermissionConditions{Environments: []string{"staging-*"}, SecretPaths: []string{"/database/**"}}}}, nil
		})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if d := p.DecideSecret("p1", "edit", "staging-eu", "/database/pg/replica"); !d.Allowed || d.Grant == nil {
			b.Fatal("denied")
		}
	}
}
