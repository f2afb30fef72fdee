package service

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/idplane/idplane/server/api"
	"github.com/idplane/idplane/server/internal/identityaudit"
	"github.com/idplane/idplane/server/internal/store"
)

// IdentityAudit answers GET /api/v1/identity-audit: the identity audit of
// the caller's organization, which needs reading both identities and roles;
// its use section, drawn from the audit log, needs reading that too.
func (s *Service) IdentityAudit(ctx context.Context, c *Caller, q api.IdentityAuditQuery) (*api.IdentityAudit, error) {
	if err := s.require(ctx, c, api.SubjectIdentities, api.ActionRead); err != nil {
		return nil, err
	}
	if err := s.require(ctx, c, api.SubjectRoles, api.ActionRead); err != nil {
		return nil, err
	}
	opts := identityaudit.Options{At: q.At, Now: s.now(), ProductionEnvironments: api.SplitList(q.ProductionEnvironments),
		UnusedDays: q.UnusedDays}
	db := s.db.WithContext(ctx)
	m, err := s.auditModel(db, c.OrgID())
	if err != nil {
		return nil, fmt.Errorf("identity audit: %w", err)
	}
	// Use comes from the audit log: only for a caller that may read it.
	p, err := s.authorize(ctx, c)
	if err != nil {
		return nil, err
	}
	if p.Can(api.SubjectAuditLogs, api.ActionRead) {
		if m.Use, err = s.secretUse(db, c.OrgID(), opts.UseSince()); err != nil {
			return nil, fmt.Errorf("identity audit: %w", err)
		}
	}
	res, err := identityaudit.Audit(m, api.AuditSourceLive, opts)
	if err != nil {
		return nil, fmt.Errorf("identity audit: %w", err)
	}
	return res.Audit, nil
}

// auditModel loads an organization for the audit: a fixed number of
// queries however many identities it has.
func (s *Service) auditModel(db *gorm.DB, orgID string) (*identityaudit.Model, error) {
	m := &identityaudit.Model{}
	org := func() *gorm.DB { return db.Where("organization_id = ?", orgID) }
	var idents []store.Identity
	if err := org().Order("name").Find(&idents).Error; err != nil {
		return nil, fmt.Errorf("load identities: %w", err)
	}
	logins, err := identityLogins(db, orgID)
	if err != nil {
		return nil, err
	}
	byID := make(map[string]int, len(idents))
	for i, r := range idents {
		id := identityaudit.Identity{ID: r.ID, Name: r.Name, OrgRole: r.Role, CreatedAt: r.CreatedAt, LastLoginKnown: true,
			MethodLogins: logins[r.ID]}
		for _, t := range id.MethodLogins {
			if t.After(id.LastLogin) {
				id.LastLogin = t
			}
		}
		m.Identities = append(m.Identities, id)
		byID[r.ID] = i
	}
	month := store.ActivityMonth(s.now())
	var active int64
	if err := db.Model(&store.IdentityActivity{}).Where("organization_id = ? AND month = ?", orgID, month).Count(&active).Error; err != nil {
		return nil, fmt.Errorf("count monthly active identities: %w", err)
	}
	m.Activity = &identityaudit.Activity{Month: month, MonthlyActive: int(active)}
	if err := s.auditMethods(db, orgID, m, byID); err != nil {
		return nil, err
	}
	if err := auditAccess(db, orgID, m); err != nil {
		return nil, err
	}
	return m, nil
}

// auditAccess loads projects, environments, custom roles and memberships.
func auditAccess(db *gorm.DB, orgID string, m *identityaudit.Model) error {
	org := func() *gorm.DB { return db.Where("organization_id = ?", orgID) }
	var projects []store.Project
	if err := org().Find(&projects).Error; err != nil {
		return fmt.Errorf("load projects: %w", err)
	}
	var envs []store.Environment
	if err := org().Order("position, slug").Find(&envs).Error; err != nil {
		return fmt.Errorf("load environments: %w", err)
	}
	byProject := map[string][]identityaudit.Environment{}
	for _, e := range envs {
		byProject[e.ProjectID] = append(byProject[e.ProjectID], identityaudit.Environment{Slug: e.Slug, Name: e.Name})
	}
	for _, p := range projects {
		m.Projects = append(m.Projects, identityaudit.Project{ID: p.ID, Slug: p.Slug, Name: p.Name, Environments: byProject[p.ID]})
	}
	var roles []store.Role
	if err := org().Find(&roles).Error; err != nil {
		return fmt.Errorf("load roles: %w", err)
	}
	for _, r := range roles {
		m.Roles = append(m.Roles, identityaudit.Role{ProjectID: r.ProjectID, Slug: r.Slug, Rules: r.Permissions.V})
	}
	var ms []store.Membership
	if err := org().Find(&ms).Error; err != nil {
		return fmt.Errorf("load memberships: %w", err)
	}
	for _, x := range ms {
		since := x.CreatedAt
		if x.UpdatedAt.After(since) {
			since = x.UpdatedAt
		}
		m.Memberships = append(m.Memberships, identityaudit.Membership{ProjectID: x.ProjectID, IdentityID: x.IdentityID, Roles: x.Roles.V,
			Since: since})
	}
	return nil
}

// auditMethods loads every identity's auth methods: universal auth with
// its live client secrets, and every other method's configuration.
func (s *Service) auditMethods(db *gorm.DB, orgID string, m *identityaudit.Model, byID map[string]int) error {
	var uas []store.UniversalAuth
	if err := db.Where("organization_id = ?", orgID).Find(&uas).Error; err != nil {
		return fmt.Errorf("load universal auths: %w", err)
	}
	secrets, err := liveClientSecrets(db, orgID, s.now())
	if err != nil {
		return err
	}
	for _, ua := range uas {
		i, ok := byID[ua.IdentityID]
		if !ok {
			continue
		}
		m.Identities[i].AuthMethods = append(m.Identities[i].AuthMethods, identityaudit.AuthMethod{Kind: universalAuthKind,
			AccessTokenTTL: ua.AccessTokenTTL, AccessTokenMaxTTL: ua.AccessTokenMaxTTL,
			AccessTokenTrustedIPs: ua.AccessTokenTrustedIPs.V, ClientSecretTrustedIPs: ua.ClientSecretTrustedIPs.V,
			ClientSecrets: secrets[ua.ID]})
	}
	var cfgs []store.AuthMethodConfig
	if err := db.Where("organization_id = ?", orgID).Order("kind").Find(&cfgs).Error; err != nil {
		return fmt.Errorf("load auth methods: %w", err)
	}
	for _, c := range cfgs {
		i, ok := byID[c.IdentityID]
		if !ok {
			continue
		}
		var settings struct {
			AllowedNamespaces []string `json:"allowedNamespaces"`
			AllowAnyPrincipal bool     `json:"allowAnyPrincipal"`
		}
		if len(c.Config.V) > 0 {
			if err := json.Unmarshal(c.Config.V, &settings); err != nil {
				return fmt.Errorf("decode %s configuration %s: %w", c.Kind, c.ID, err)
			}
		}
		m.Identities[i].AuthMethods = append(m.Identities[i].AuthMethods, identityaudit.AuthMethod{Kind: c.Kind,
			AccessTokenTTL: c.AccessTokenTTL, AccessTokenMaxTTL: c.AccessTokenMaxTTL,
			AccessTokenTrustedIPs: c.AccessTokenTrustedIPs.V, AllowedNamespaces: settings.AllowedNamespaces,
			AllowAnyPrincipal: settings.AllowAnyPrincipal})
	}
	return nil
}

// secretUseActions maps the audit actions of secret reads and writes to
// the permission actions they exercise.
var secretUseActions = map[string]string{auditSecretRead: api.ActionRead, auditSecretDescribe: api.ActionDescribe,
	auditSecretCreate: api.ActionCreate, auditSecretUpdate: api.ActionEdit, auditSecretDelete: api.ActionDelete}

// secretUse reads what identities did with secrets since the start of the
// window: the successful secret.* events grouped by identity, action,
// project, environment and folder, in one query over the window however
// many identities there are (store.SecretUseQuery), and how far back the
// log holds secret events (store.SecretLogStartQuery).
func (s *Service) secretUse(db *gorm.DB, orgID string, since time.Time) (*identityaudit.Use, error) {
	var logStart scannedTime
	if err := db.Raw(store.SecretLogStartQuery, orgID).Row().Scan(&logStart); err != nil {
		return nil, fmt.Errorf("load secret use: %w", err)
	}
	rows, err := db.Raw(store.SecretUseQuery(s.store.Dialect), orgID, since.UTC()).Rows()
	if err != nil {
		return nil, fmt.Errorf("load secret use: %w", err)
	}
	defer rows.Close()
	out := &identityaudit.Use{Since: since, LogStart: logStart.Time.UTC()}
	for rows.Next() {
		var (
			e                  identityaudit.SecretUse
			action             string
			project, env, path sql.NullString
			last               scannedTime
		)
		if err := rows.Scan(&e.IdentityID, &action, &project, &env, &path, &e.Count, &last); err != nil {
			return nil, fmt.Errorf("load secret use: %w", err)
		}
		e.Action = secretUseActions[action]
		if e.Action == "" || !project.Valid || !env.Valid || !path.Valid {
			continue
		}
		e.ProjectID, e.Environment, e.SecretPath, e.Last = project.String, env.String, path.String, last.Time.UTC()
		out.Events = append(out.Events, e)
	}
	return out, rows.Err()
}

// identityLogins maps identity IDs to their last successful login per auth
// method, as the replicas have written them (store.Activity).
func identityLogins(db *gorm.DB, orgID string) (map[string]map[string]time.Time, error) {
	var rows []store.IdentityLogin
	if err := db.Where("organization_id = ?", orgID).Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("load last logins: %w", err)
	}
	out := map[string]map[string]time.Time{}
	for _, r := range rows {
		if out[r.IdentityID] == nil {
			out[r.IdentityID] = map[string]time.Time{}
		}
		out[r.IdentityID][r.AuthMethod] = r.LastLoginAt.UTC()
	}
	return out, nil
}

// liveClientSecrets maps universal auth IDs to their unrevoked, unexpired
// client secrets, each with its last successful login (the login event
// names the client secret it used).
func liveClientSecrets(db *gorm.DB, orgID string, now time.Time) (map[string][]identityaudit.ClientSecret, error) {
	rows, err := db.Raw(`SELECT cs.universal_auth_id, cs.description, cs.prefix, cs.ttl, cs.created_at,
		(SELECT MAX(a.time) FROM audit_events a
		 WHERE a.organization_id = cs.organization_id AND a.actor_id = cs.identity_id
		 AND a.outcome = 'success' AND a.action LIKE 'login.%'
		 AND a.metadata LIKE '%"credentialId":"' || cs.id || '"%')
		FROM client_secrets cs
		WHERE cs.organization_id = ? AND cs.revoked_at IS NULL AND (cs.expires_at IS NULL OR cs.expires_at > ?)
		ORDER BY cs.created_at`, orgID, now).Rows()
	if err != nil {
		return nil, fmt.Errorf("load client secrets: %w", err)
	}
	defer rows.Close()
	out := map[string][]identityaudit.ClientSecret{}
	for rows.Next() {
		var (
			uaID, desc, prefix string
			ttl                int
			created, last      scannedTime
		)
		if err := rows.Scan(&uaID, &desc, &prefix, &ttl, &created, &last); err != nil {
			return nil, fmt.Errorf("load client secrets: %w", err)
		}
		name := prefix
		if desc != "" {
			name = fmt.Sprintf("%s (%s)", prefix, desc)
		}
		out[uaID] = append(out[uaID], identityaudit.ClientSecret{Name: name, TTL: ttl, CreatedAt: created.Time,
			LastLogin: last.Time, LastLoginKnown: true})
	}
	return out, rows.Err()
}

// scannedTime reads a time column or aggregate: PostgreSQL returns a
// time, SQLite the text it stored (an aggregate loses the column's type);
// NULL is the zero time.
type scannedTime struct{ Time time.Time }

var sqliteTimeLayouts = []string{"2006-01-02 15:04:05.999999999-07:00", time.RFC3339Nano, "2006-01-02 15:04:05.999999999"}

func (t *scannedTime) Scan(v any) error {
	switch x := v.(type) {
	case nil:
		t.Time = time.Time{}
		return nil
	case time.Time:
		t.Time = x
		return nil
	case []byte:
		return t.Scan(string(x))
	case string:
		for _, layout := range sqliteTimeLayouts {
			if p, err := time.Parse(layout, x); err == nil {
				t.Time = p
				return nil
			}
		}
		return fmt.Errorf("unrecognised time %q", x)
	}
	return fmt.Errorf("cannot read %T as a time", v)
}
