package identityaudit_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"runtime"
	"testing"
	"time"

	"github.com/idplane/idplane/server/api"
	"github.com/idplane/idplane/server/internal/identityaudit"
	"github.com/idplane/idplane/server/internal/service"
	"github.com/idplane/idplane/server/internal/store"
	"github.com/idplane/idplane/server/servertest"
)

const (
	benchIdentities = 10000
	benchProjects   = 50
	benchRoles      = 20 // custom roles per project
	// benchSets: identity i holds role i%20 in project i%50, so the
	// distinct pairs repeat every lcm(50, 20) identities.
	benchSets = 100
)

// benchState is `terraform show -json` of a state with 10,000 identities,
// each with universal auth, a client secret and one membership in one of
// 50 projects (3 environments, 20 custom roles each).
func benchState(b *testing.B) []byte {
	b.Helper()
	var res []map[string]any
	add := func(typ, name string, values map[string]any) {
		res = append(res, map[string]any{"address": typ + "." + name, "mode": "managed", "type": typ, "name": name, "values": values})
	}
	for p := range benchProjects {
		pid := fmt.Sprintf("p%d", p)
		add("idplane_project", pid, map[string]any{"id": pid, "slug": fmt.Sprintf("project-%d", p), "name": pid})
		for _, e := range []string{"dev", "staging", "prod"} {
			add("idplane_project_environment", pid+e, map[string]any{"id": pid + e, "project_id": pid, "slug": e, "name": e})
		}
		for r := range benchRoles {
			add("idplane_project_role", fmt.Sprintf("%sr%d", pid, r), map[string]any{"project_id": pid, "slug": fmt.Sprintf("role-%d", r),
				"permissions": []any{map[string]any{"subject": "secrets", "actions": []any{"read", "describe"}, "inverted": false,
					"conditions": map[string]any{"environments": []any{[]string{"dev", "staging", "prod"}[r%3]}, "secret_paths": []any{fmt.Sprintf("/svc-%d/**", r)}}}}})
		}
	}
	for i := range benchIdentities {
		id := fmt.Sprintf("i%d", i)
		add("idplane_identity", id, map[string]any{"id": id, "name": fmt.Sprintf("workload-%05d", i), "role": "no-access"})
		add("idplane_identity_universal_auth", id, map[string]any{"identity_id": id, "access_token_ttl": json.Number("3600"),
			"access_token_max_ttl": json.Number("86400"), "access_token_trusted_ips": []any{"10.0.0.0/8"}, "client_secret_trusted_ips": []any{"10.0.0.0/8"}})
		add("idplane_identity_universal_auth_client_secret", id, map[string]any{"identity_id": id, "ttl": json.Number("86400")})
		add("idplane_project_identity", id, map[string]any{"project_id": fmt.Sprintf("p%d", i%benchProjects), "identity_id": id,
			"roles": []any{map[string]any{"role_slug": fmt.Sprintf("role-%d", i%benchRoles)}}})
	}
	data, err := json.Marshal(map[string]any{"format_version": "1.0", "values": map[string]any{"root_module": map[string]any{"resources": res}}})
	if err != nil {
		b.Fatal(err)
	}
	return data
}

// Auditing a 10,000-identity state must take under 2 s and 500 MiB.
func BenchmarkAuditState10k(b *testing.B) {
	data := benchState(b)
	b.ReportAllocs()
	b.ResetTimer()
	var peak uint64
	for b.Loop() {
		a, err := identityaudit.AuditTerraform(bytes.NewReader(data), identityaudit.Options{})
		if err != nil {
			b.Fatal(err)
		}
		if a.MachineIdentities != benchIdentities || a.DistinctPermissionSets != benchSets {
			b.Fatalf("%d identities, %d sets", a.MachineIdentities, a.DistinctPermissionSets)
		}
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		peak = max(peak, ms.HeapSys)
	}
	b.ReportMetric(float64(peak)/(1<<20), "heap-sys-MiB")
	b.ReportMetric(float64(len(data))/(1<<20), "input-MiB")
}

// The live endpoint on PostgreSQL for an organization of 10,000 identities
// must answer in under 2 s.
func BenchmarkLiveAudit10k(b *testing.B) {
	srv := servertest.Start(b, servertest.Options{Backend: servertest.Postgres})
	org := srv.Bootstrap.OrganizationID
	db := srv.App.Store.DB
	now := time.Now().UTC()
	var (
		projects []store.Project
		roles    []store.Role
		idents   []store.Identity
		uas      []store.UniversalAuth
		ms       []store.Membership
	)
	for p := range benchProjects {
		projects = append(projects, store.Project{ID: service.NewID(), OrganizationID: org, Name: fmt.Sprintf("P%d", p),
			Slug: fmt.Sprintf("project-%d", p), Version: 1, CreatedAt: now, UpdatedAt: now})
		for r := range benchRoles {
			roles = append(roles, store.Role{ID: service.NewID(), OrganizationID: org, ProjectID: projects[p].ID, Slug: fmt.Sprintf("role-%d", r),
				Name: "r", Version: 1, CreatedAt: now, UpdatedAt: now, Permissions: store.JSON[[]api.PermissionRule]{V: []api.PermissionRule{{
					Subject: "secrets", Actions: []string{"describe", "read"},
					Conditions: &api.PermissionConditions{SecretPaths: []string{fmt.Sprintf("/svc-%d/**", r)}}}}}})
		}
	}
	for i := range benchIdentities {
		id := service.NewID()
		idents = append(idents, store.Identity{ID: id, OrganizationID: org, Name: fmt.Sprintf("workload-%05d", i), Role: "no-access",
			Version: 1, CreatedAt: now, UpdatedAt: now})
		uas = append(uas, store.UniversalAuth{ID: service.NewID(), OrganizationID: org, IdentityID: id, ClientID: service.NewID(),
			AccessTokenTTL: 3600, AccessTokenMaxTTL: 86400, AccessTokenTrustedIPs: store.JSON[[]string]{V: []string{"10.0.0.0/8"}},
			ClientSecretTrustedIPs: store.JSON[[]string]{V: []string{"10.0.0.0/8"}}, Version: 1, CreatedAt: now, UpdatedAt: now})
		ms = append(ms, store.Membership{ID: service.NewID(), OrganizationID: org, ProjectID: projects[i%benchProjects].ID, IdentityID: id,
			Roles:   store.JSON[[]api.MembershipRole]{V: []api.MembershipRole{{RoleSlug: fmt.Sprintf("role-%d", i%benchRoles)}}},
			Version: 1, CreatedAt: now, UpdatedAt: now})
	}
	for _, rows := range []any{&projects, &roles, &idents, &uas, &ms} {
		if err := db.CreateInBatches(rows, 500).Error; err != nil {
			b.Fatal(err)
		}
	}
	client := srv.Admin(b)
	b.ResetTimer()
	for b.Loop() {
		a, err := client.IdentityAudit(b.Context(), api.IdentityAuditQuery{})
		if err != nil {
			b.Fatal(err)
		}
		if a.MachineIdentities != benchIdentities+1 {
			b.Fatalf("%d identities", a.MachineIdentities)
		}
	}
}
