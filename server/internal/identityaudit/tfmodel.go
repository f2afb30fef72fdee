package identityaudit

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/idplane/idplane/server/api"
)

// Resource types the audit reads.
const (
	tfIdentity     = "idplane_identity"
	tfProject      = "idplane_project"
	tfEnvironment  = "idplane_project_environment"
	tfOrgRole      = "idplane_org_role"
	tfProjectRole  = "idplane_project_role"
	tfMembership   = "idplane_project_identity"
	tfUniversal    = "idplane_identity_universal_auth"
	tfClientSecret = "idplane_identity_universal_auth_client_secret"
	tfAuthPrefix   = "idplane_identity_"
	tfAuthSuffix   = "_auth"
)

// modelBuilder turns resource instances into a Model. refs resolves the
// IDs a plan knows only after apply; nil for a state.
type modelBuilder struct {
	refs *references
	m    Model
	// identities by ID, to attach auth methods and secrets.
	identities map[string]*Identity
	projects   map[string]*Project
}

func buildModel(resources []tfResource, refs *references) (*Model, error) {
	b := &modelBuilder{refs: refs, identities: map[string]*Identity{}, projects: map[string]*Project{}}
	// Identities and projects first: the rest points at them.
	for i := range resources {
		r := &resources[i]
		switch r.Type {
		case tfIdentity:
			b.m.Identities = append(b.m.Identities, Identity{ID: b.str(r, "id"), Name: b.str(r, "name"), OrgRole: b.str(r, "role")})
		case tfProject:
			b.m.Projects = append(b.m.Projects, Project{ID: b.str(r, "id"), Slug: b.str(r, "slug"), Name: b.str(r, "name")})
		}
	}
	for i := range b.m.Identities {
		b.identities[b.m.Identities[i].ID] = &b.m.Identities[i]
	}
	for i := range b.m.Projects {
		b.projects[b.m.Projects[i].ID] = &b.m.Projects[i]
	}
	managed := map[string]map[string]bool{} // identity ID → kinds with a resource
	for i := range resources {
		if err := b.add(&resources[i], managed); err != nil {
			return nil, fmt.Errorf("%s: %w", resources[i].Address, err)
		}
	}
	// Methods attached outside this configuration still count as methods.
	for i := range resources {
		r := &resources[i]
		if r.Type != tfIdentity {
			continue
		}
		id := b.identities[b.str(r, "id")]
		for _, kind := range strList(r.Values["auth_methods"]) {
			if !managed[id.ID][kind] {
				id.AuthMethods = append(id.AuthMethods, AuthMethod{Kind: kind, Unmanaged: true})
			}
		}
	}
	return &b.m, nil
}

func (b *modelBuilder) add(r *tfResource, managed map[string]map[string]bool) error {
	switch {
	case r.Type == tfEnvironment:
		if p := b.projects[b.str(r, "project_id")]; p != nil {
			p.Environments = append(p.Environments, Environment{Slug: b.str(r, "slug"), Name: b.str(r, "name")})
		}
	case r.Type == tfOrgRole || r.Type == tfProjectRole:
		rules, err := tfRules(r.Values["permissions"])
		if err != nil {
			return err
		}
		role := Role{Slug: b.str(r, "slug"), Rules: rules}
		if r.Type == tfProjectRole {
			role.ProjectID = b.str(r, "project_id")
		}
		b.m.Roles = append(b.m.Roles, role)
	case r.Type == tfMembership:
		roles, err := tfGrants(r.Values["roles"])
		if err != nil {
			return err
		}
		b.m.Memberships = append(b.m.Memberships, Membership{ProjectID: b.str(r, "project_id"), IdentityID: b.str(r, "identity_id"), Roles: roles})
	case r.Type == tfClientSecret:
		id := b.identities[b.str(r, "identity_id")]
		if id == nil {
			return nil
		}
		if s, _ := r.Values["client_secret"].(string); s != "" {
			id.SecretsInState = append(id.SecretsInState, r.Address)
		}
		m := b.method(id, "universal-auth", managed)
		m.ClientSecrets = append(m.ClientSecrets, ClientSecret{Name: r.Address, TTL: num(r.Values["ttl"])})
	case strings.HasPrefix(r.Type, tfAuthPrefix) && strings.HasSuffix(r.Type, tfAuthSuffix):
		id := b.identities[b.str(r, "identity_id")]
		if id == nil {
			return nil
		}
		kind := strings.ReplaceAll(strings.TrimPrefix(r.Type, tfAuthPrefix), "_", "-")
		m := b.method(id, kind, managed)
		m.AccessTokenTTL, m.AccessTokenMaxTTL = num(r.Values["access_token_ttl"]), num(r.Values["access_token_max_ttl"])
		m.AccessTokenTrustedIPs = strList(r.Values["access_token_trusted_ips"])
		m.ClientSecretTrustedIPs = strList(r.Values["client_secret_trusted_ips"])
		m.AllowedNamespaces = strList(r.Values["allowed_namespaces"])
		m.AllowAnyPrincipal = r.Values["allow_any_principal"] == true
	}
	return nil
}

// method returns the identity's method of kind, adding it when new.
func (b *modelBuilder) method(id *Identity, kind string, managed map[string]map[string]bool) *AuthMethod {
	if managed[id.ID] == nil {
		managed[id.ID] = map[string]bool{}
	}
	managed[id.ID][kind] = true
	i := slices.IndexFunc(id.AuthMethods, func(m AuthMethod) bool { return m.Kind == kind })
	if i < 0 {
		id.AuthMethods = append(id.AuthMethods, AuthMethod{Kind: kind})
		i = len(id.AuthMethods) - 1
	}
	return &id.AuthMethods[i]
}

// str is a string attribute; one a plan knows only after apply is resolved
// through the configuration's references, and an unknown id is the
// resource's address.
func (b *modelBuilder) str(r *tfResource, name string) string {
	if s, ok := r.Values[name].(string); ok && s != "" {
		return s
	}
	if b.refs != nil && r.Unknown[name] == true {
		return b.refs.resolve(r, name)
	}
	return ""
}

func num(v any) int {
	if n, ok := v.(json.Number); ok {
		i, _ := n.Int64()
		return int(i)
	}
	return 0
}

// strList reads a list or set of strings, or a comma-separated string.
func strList(v any) []string {
	switch x := v.(type) {
	case string:
		return api.SplitList(x)
	case []any:
		out := make([]string, 0, len(x))
		for _, e := range x {
			if s, ok := e.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}

func tfRules(v any) ([]api.PermissionRule, error) {
	list, _ := v.([]any)
	out := make([]api.PermissionRule, 0, len(list))
	for _, e := range list {
		o, ok := e.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("permissions: rule is %T, not an object", e)
		}
		r := api.PermissionRule{Subject: fmt.Sprint(o["subject"]), Actions: strList(o["actions"])}
		r.Inverted, _ = o["inverted"].(bool)
		if c, ok := o["conditions"].(map[string]any); ok {
			r.Conditions = &api.PermissionConditions{Environments: strList(c["environments"]), SecretPaths: strList(c["secret_paths"])}
		}
		out = append(out, r)
	}
	return out, nil
}

func tfGrants(v any) ([]api.MembershipRole, error) {
	list, _ := v.([]any)
	out := make([]api.MembershipRole, 0, len(list))
	for _, e := range list {
		o, ok := e.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("roles: grant is %T, not an object", e)
		}
		g := api.MembershipRole{RoleSlug: fmt.Sprint(o["role_slug"])}
		if t, ok := o["temporary_access"].(map[string]any); ok {
			start, err := time.Parse(time.RFC3339, fmt.Sprint(t["start_time"]))
			if err != nil {
				return nil, fmt.Errorf("roles: temporary_access.start_time: %w", err)
			}
			d, err := time.ParseDuration(fmt.Sprint(t["duration"]))
			if err != nil {
				return nil, fmt.Errorf("roles: temporary_access.duration: %w", err)
			}
			g.TemporaryAccess = &api.TemporaryAccess{StartTime: start, DurationSeconds: int(d / time.Second)}
		}
		out = append(out, g)
	}
	return out, nil
}
