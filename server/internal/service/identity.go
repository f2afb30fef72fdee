package service

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"gorm.io/gorm"

	"github.com/idplane/idplane/server/api"
	"github.com/idplane/idplane/server/internal/authz"
	"github.com/idplane/idplane/server/internal/store"
)

func identityToAPI(i store.Identity, methods []string) api.Identity {
	md := i.Metadata.V
	if md == nil {
		md = map[string]string{}
	}
	if methods == nil {
		methods = []string{}
	}
	return api.Identity{ID: i.ID, OrganizationID: i.OrganizationID, Name: i.Name, Role: i.Role, Description: i.Description,
		Metadata: md, DeleteProtection: i.DeleteProtection, AuthMethods: methods, Version: i.Version,
		CreatedAt: i.CreatedAt, UpdatedAt: i.UpdatedAt}
}

// authMethodsOf maps identity IDs to the kinds of auth method attached, in
// the order the methods are registered: universal auth from its own table,
// every other method from auth_method_configs, where each has its row.
func (s *Service) authMethodsOf(db *gorm.DB, ids []string) (map[string][]string, error) {
	var rows []struct{ IdentityID, Kind string }
	if err := db.Model(&store.AuthMethodConfig{}).Select("identity_id, kind").Where("identity_id IN ?", ids).Scan(&rows).Error; err != nil {
		return nil, fmt.Errorf("load auth methods: %w", err)
	}
	var universal []string
	if err := db.Model(&store.UniversalAuth{}).Where("identity_id IN ?", ids).Pluck("identity_id", &universal).Error; err != nil {
		return nil, fmt.Errorf("load auth methods: %w", err)
	}
	for _, id := range universal {
		rows = append(rows, struct{ IdentityID, Kind string }{id, universalAuthKind})
	}
	order := map[string]int{}
	for i, k := range s.methods.Kinds() {
		order[k] = i + 1
	}
	out := map[string][]string{}
	for _, r := range rows {
		if order[r.Kind] != 0 {
			out[r.IdentityID] = append(out[r.IdentityID], r.Kind)
		}
	}
	for _, kinds := range out {
		slices.SortFunc(kinds, func(a, b string) int { return order[a] - order[b] })
	}
	return out, nil
}

// ListIdentities lists the organization's identities by name.
func (s *Service) ListIdentities(ctx context.Context, c *Caller) (*api.IdentityList, error) {
	if err := s.require(ctx, c, api.SubjectIdentities, api.ActionRead); err != nil {
		return nil, err
	}
	db := s.db.WithContext(ctx)
	var rows []store.Identity
	if err := db.Where("organization_id = ?", c.OrgID()).Order("name").Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("list identities: %w", err)
	}
	ids := make([]string, len(rows))
	for i, r := range rows {
		ids[i] = r.ID
	}
	methods := map[string][]string{}
	if len(ids) > 0 {
		var err error
		if methods, err = s.authMethodsOf(db, ids); err != nil {
			return nil, err
		}
	}
	out := &api.IdentityList{Identities: make([]api.Identity, 0, len(rows))}
	for _, r := range rows {
		out.Identities = append(out.Identities, identityToAPI(r, methods[r.ID]))
	}
	return out, nil
}

func (s *Service) identity(ctx context.Context, c *Caller, id, action string) (store.Identity, error) {
	var i store.Identity
	if err := s.require(ctx, c, api.SubjectIdentities, action); err != nil {
		return i, err
	}
	err := s.db.WithContext(ctx).Where("id = ? AND organization_id = ?", id, c.OrgID()).Take(&i).Error
	if err != nil {
		return i, store.Translate(err, "identity "+id)
	}
	if action != api.ActionRead {
		if err := s.checkAtLeastAsPrivileged(ctx, c, i); err != nil {
			return i, err
		}
	}
	return i, nil
}

// checkAtLeastAsPrivileged refuses to let the caller change, delete or mint
// credentials for an identity that may do more than the caller: whoever
// controls an identity's auth methods can act as it (Infisical's "more
// privileged identity" rule). Like checkOrgRole and checkGrants it compares
// rules by subject and action.
func (s *Service) checkAtLeastAsPrivileged(ctx context.Context, c *Caller, target store.Identity) error {
	p, err := s.authorize(ctx, c)
	if err != nil {
		return err
	}
	tp, _, err := s.permissionsOf(s.db.WithContext(ctx), c.OrgID(), target.ID)
	if err != nil {
		return err
	}
	denied := forbidden("identity %q holds permissions the caller does not; only an identity at least as privileged may change it", target.Name)
	if tp.OrgRole == authz.RoleAdmin && p.OrgRole != authz.RoleAdmin {
		return denied
	}
	for _, r := range tp.Org {
		if !p.Covers("", r) {
			return denied
		}
	}
	for projectID, rules := range tp.Projects {
		for _, r := range rules {
			if !p.Covers(projectID, r) {
				return denied
			}
		}
	}
	return nil
}

// checkOrgRole makes sure role exists and that the caller holds every
// permission it grants, so no one can hand out more than they have.
func (s *Service) checkOrgRole(ctx context.Context, c *Caller, role string) error {
	db := s.db.WithContext(ctx)
	rules, err := s.roleRules(db, c.OrgID(), "", role)
	if err != nil {
		return err
	}
	if _, builtin := authz.BuiltinOrgRole(role); !builtin && rules == nil {
		var n int64
		if err := db.Model(&store.Role{}).Where("organization_id = ? AND project_id = '' AND slug = ?", c.OrgID(), role).Count(&n).Error; err != nil {
			return err
		}
		if n == 0 {
			return (&api.FieldErrors{{Field: "role", Message: fmt.Sprintf("organization role %q does not exist; use admin, member, no-access or a custom role's slug", role)}}).Err()
		}
	}
	p, err := s.authorize(ctx, c)
	if err != nil {
		return err
	}
	for _, r := range rules {
		if !p.Covers("", r) {
			return forbidden("role %q grants %s on %s beyond what the caller holds", role, strings.Join(r.Actions, ", "), r.Subject)
		}
	}
	return nil
}

// CreateIdentity creates an identity.
func (s *Service) CreateIdentity(ctx context.Context, c *Caller, in *api.IdentityInput) (*api.Identity, error) {
	if err := s.require(ctx, c, api.SubjectIdentities, api.ActionCreate); err != nil {
		return nil, err
	}
	if err := s.checkOrgRole(ctx, c, in.Role); err != nil {
		return nil, err
	}
	now := s.now()
	row := store.Identity{ID: NewID(), OrganizationID: c.OrgID(), Name: in.Name, Role: in.Role, Description: in.Description,
		Metadata: store.JSON[map[string]string]{V: in.Metadata}, DeleteProtection: in.DeleteProtection,
		Version: 1, CreatedAt: now, UpdatedAt: now}
	err := s.tx(ctx, func(tx *gorm.DB) error {
		if err := tx.Create(&row).Error; err != nil {
			return conflictOr(store.Translate(err, "create identity"), "identity name %q is already used in this organization", in.Name)
		}
		return s.record(tx, c, "identity.create", "identity", row.ID, map[string]string{"name": in.Name, "role": in.Role})
	})
	if err != nil {
		return nil, err
	}
	out := identityToAPI(row, nil)
	return &out, nil
}

// GetIdentity returns an identity.
func (s *Service) GetIdentity(ctx context.Context, c *Caller, id string) (*api.Identity, error) {
	i, err := s.identity(ctx, c, id, api.ActionRead)
	if err != nil {
		return nil, err
	}
	methods, err := s.authMethodsOf(s.db.WithContext(ctx), []string{id})
	if err != nil {
		return nil, err
	}
	out := identityToAPI(i, methods[id])
	return &out, nil
}

// UpdateIdentity replaces an identity's settings.
func (s *Service) UpdateIdentity(ctx context.Context, c *Caller, id string, version int64, in *api.IdentityInput) (*api.Identity, error) {
	i, err := s.identity(ctx, c, id, api.ActionEdit)
	if err != nil {
		return nil, err
	}
	if in.Role != i.Role {
		if err := s.checkOrgRole(ctx, c, in.Role); err != nil {
			return nil, err
		}
	}
	now := s.now()
	md := store.JSON[map[string]string]{V: in.Metadata}
	err = s.tx(ctx, func(tx *gorm.DB) error {
		v, err := updateVersioned(tx, &store.Identity{}, id, version, i.Version, map[string]any{
			"name": in.Name, "role": in.Role, "description": in.Description, "metadata": md, "delete_protection": in.DeleteProtection,
		}, now)
		if err != nil {
			return conflictOr(err, "identity name %q is already used in this organization", in.Name)
		}
		i.Name, i.Role, i.Description, i.Metadata, i.DeleteProtection, i.Version, i.UpdatedAt = in.Name, in.Role, in.Description, md, in.DeleteProtection, v, now
		return s.record(tx, c, "identity.update", "identity", id, map[string]string{"name": in.Name, "role": in.Role})
	})
	if err != nil {
		return nil, err
	}
	methods, err := s.authMethodsOf(s.db.WithContext(ctx), []string{id})
	if err != nil {
		return nil, err
	}
	out := identityToAPI(i, methods[id])
	return &out, nil
}

// DeleteIdentity deletes an identity, its auth methods and memberships, and
// revokes its tokens on every replica.
func (s *Service) DeleteIdentity(ctx context.Context, c *Caller, id string, version int64) error {
	i, err := s.identity(ctx, c, id, api.ActionDelete)
	if err != nil {
		return err
	}
	if i.DeleteProtection {
		return fmt.Errorf("identity %q has delete protection; set deleteProtection to false first: %w", i.Name, ErrDeleteProtected)
	}
	if version != 0 && version != i.Version {
		return StaleError(version, i.Version)
	}
	if id == c.Claims.IdentityID {
		return conflict("an identity cannot delete itself")
	}
	return s.revokeAfter(ctx, store.Revocation{Kind: store.RevokeIdentity, RefID: id}, func(tx *gorm.DB) error {
		if err := tx.Delete(&store.Identity{}, "id = ?", id).Error; err != nil {
			return fmt.Errorf("delete identity: %w", err)
		}
		if err := tx.Where("identity_id = ?", id).Delete(&store.AccessToken{}).Error; err != nil {
			return fmt.Errorf("delete identity tokens: %w", err)
		}
		return s.record(tx, c, "identity.delete", "identity", id, map[string]string{"name": i.Name})
	})
}

// revokeAfter runs fn and records the revocation in one transaction, then
// applies the revocation to this replica at once.
func (s *Service) revokeAfter(ctx context.Context, r store.Revocation, fn func(tx *gorm.DB) error) error {
	r.RevokedAt = s.now()
	err := s.tx(ctx, func(tx *gorm.DB) error {
		if err := fn(tx); err != nil {
			return err
		}
		if err := tx.Create(&r).Error; err != nil {
			return fmt.Errorf("record revocation: %w", err)
		}
		return nil
	})
	if err == nil {
		s.revocations.Add(r)
	}
	return err
}

// SortedCopy returns a sorted copy of in, so stored lists compare equal
// whatever order the client sent.
func SortedCopy(in []string) []string {
	out := slices.Clone(in)
	slices.Sort(out)
	return out
}
