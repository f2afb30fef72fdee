package service

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/idplane/idplane/server/api"
	"github.com/idplane/idplane/server/internal/secret"
	"github.com/idplane/idplane/server/internal/store"
)

// Audit actions of the secrets API. Their events name the identity, the
// project, environment, path, key and version; never the value.
const (
	auditSecretRead     = "secret.read"
	auditSecretDescribe = "secret.describe"
	auditSecretCreate   = "secret.create"
	auditSecretUpdate   = "secret.update"
	auditSecretDelete   = "secret.delete"
)

// secretPlace is where a request's secrets are: a project of the caller's
// organization, one of its environments, and a folder path.
type secretPlace struct {
	project store.Project
	env     store.Environment
	path    string
}

func (p *secretPlace) String() string { return p.env.Slug + ":" + p.path }

// placeSecrets validates where a request points and resolves its project
// (by ID, else slug) and environment: 400 for a malformed place, 404 naming
// the project or environment that does not exist.
// pathField names the path in errors: secretPath, or path for folders.
func (s *Service) placeSecrets(ctx context.Context, c *Caller, sc api.SecretScope, typ, pathField string) (secretPlace, error) {
	var errs api.FieldErrors
	if sc.Project() == "" {
		errs.Add("workspaceId", "is required: the project's ID (or workspaceSlug or projectSlug, its slug)")
	}
	if sc.Environment == "" {
		errs.Add("environment", "is required: the environment's slug")
	}
	pl := secretPlace{path: sc.SecretPath}
	if pl.path == "" {
		pl.path = "/"
	}
	if err := api.ValidateSecretPath(pl.path); err != nil {
		errs.Add(pathField, "%s", err)
	}
	validateSecretType(&errs, "type", typ)
	err := errs.Err()
	if err != nil {
		return pl, err
	}
	r := s.newResolver(ctx, c.OrgID(), s.now())
	if pl.project, err = r.project(sc.Project()); err != nil {
		return pl, err
	}
	pl.env, err = r.environment(pl.project, sc.Environment)
	return pl, err
}

// validateSecretType refuses any type but shared, naming field.
func validateSecretType(errs *api.FieldErrors, field, typ string) {
	switch typ {
	case "", api.SecretTypeShared:
	case api.SecretTypePersonal:
		errs.Add(field, "personal secrets are not supported: idplane keeps %q secrets only", api.SecretTypeShared)
	default:
		errs.Add(field, "must be %q", api.SecretTypeShared)
	}
}

// secretAuditActions names the audit event of each secrets action.
var secretAuditActions = map[string]string{api.ActionRead: auditSecretRead, api.ActionDescribe: auditSecretDescribe,
	api.ActionCreate: auditSecretCreate, api.ActionEdit: auditSecretUpdate, api.ActionDelete: auditSecretDelete}

// readAction is what a read asks for: the values (read), or with
// viewSecretValue=false keys, versions and comments only (describe).
func readAction(withoutValues bool) string {
	if withoutValues {
		return api.ActionDescribe
	}
	return api.ActionRead
}

// decideSecret authorizes action on secrets at path in pl's project and
// environment with the same function as the decision endpoint
// (authz.Permissions.DecideSecret). A refusal says what was missing in the
// decision endpoint's words, and is audited under the action's event name
// with the key asked for ("" for a listing).
func (s *Service) decideSecret(ctx context.Context, c *Caller, pl *secretPlace, path, action, key string) error {
	return s.decidePlace(ctx, c, pl, api.SubjectSecrets, path, action, secretAuditActions[action], "secretKey", key)
}

// decidePlace is decideSecret for any subject conditioned on environments
// and paths (authz.Permissions.DecidePath); a refusal's audit event is
// auditAction, naming what (a key, a folder) under name when not empty.
func (s *Service) decidePlace(ctx context.Context, c *Caller, pl *secretPlace, subject, path, action, auditAction, name, what string) error {
	p, err := s.authorize(ctx, c)
	if err != nil {
		return err
	}
	d := p.DecidePath(pl.project.ID, subject, action, pl.env.Slug, path)
	if d.Allowed {
		return nil
	}
	out := api.AuthzDecision{ProjectID: pl.project.ID, Environment: pl.env.Slug, SecretPath: path,
		Subject: subject, Action: action, IdentityID: c.Claims.IdentityID}
	explain(&out, d)
	md := map[string]string{"project": pl.project.ID, "environment": pl.env.Slug, "secretPath": path}
	if what != "" {
		md[name] = what
	}
	ev := s.newEvent(c.Meta, c.OrgID(), ActorIdentity, c.Claims.IdentityID, auditAction, "project", pl.project.ID,
		api.OutcomeFailure, out.Reason, md)
	if err := s.writes.Write(ctx, store.Writes{Events: []store.AuditEvent{ev}}); err != nil {
		return fmt.Errorf("write audit event: %w", err)
	}
	return forbidden("%s", out.Reason)
}

func secretMetadata(pl *secretPlace, row *store.Secret, version int64) map[string]string {
	return map[string]string{"project": pl.project.ID, "environment": pl.env.Slug, "secretPath": row.SecretPath,
		"secretKey": row.SecretKey, "version": strconv.FormatInt(version, 10)}
}

// readEvent records a read (action read) or a describe of row at version.
func (s *Service) readEvent(c *Caller, pl *secretPlace, row *store.Secret, version int64, action string) store.AuditEvent {
	return s.newEvent(c.Meta, c.OrgID(), ActorIdentity, c.Claims.IdentityID, secretAuditActions[action], "secret", row.ID,
		api.OutcomeSuccess, "", secretMetadata(pl, row, version))
}

// valueAAD binds a sealed value to its secret and version, so that no
// ciphertext can be moved to another secret or passed off as another version.
func valueAAD(secretID string, version int64) string {
	return "secret:" + secretID + ":" + strconv.FormatInt(version, 10)
}

func projectKeyAAD(projectID string) string { return "project-key:" + projectID }

// dataKey returns the project's data key. With create, a project without one
// gets one in tx (concurrent first writes agree on the one committed first).
// Only keys read back from the database are cached: one created in a
// transaction that rolls back must never seal anything.
func (s *Service) dataKey(tx *gorm.DB, pl *secretPlace, create bool) (*secret.DataKey, error) {
	if k, ok := s.dataKeys.Load(pl.project.ID); ok {
		return k.(*secret.DataKey), nil
	}
	aad := projectKeyAAD(pl.project.ID)
	var row store.ProjectKey
	err := tx.Where("project_id = ?", pl.project.ID).Take(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) && create {
		dk, sealed, kerr := s.keys.NewDataKey(aad)
		if kerr != nil {
			return nil, kerr
		}
		row = store.ProjectKey{ProjectID: pl.project.ID, OrganizationID: pl.project.OrganizationID, DataKey: sealed, CreatedAt: s.now()}
		res := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&row)
		if res.Error != nil {
			return nil, store.Translate(res.Error, "create project data key")
		}
		if res.RowsAffected == 1 {
			return dk, nil
		}
		// A concurrent first write committed its key first: use that one.
		err = tx.Where("project_id = ?", pl.project.ID).Take(&row).Error
	}
	if err != nil {
		return nil, store.Translate(err, "project data key")
	}
	dk, err := s.keys.OpenDataKey(row.DataKey, aad)
	if err != nil {
		return nil, fmt.Errorf("open the data key of project %s: %w", pl.project.ID, err)
	}
	s.dataKeys.Store(pl.project.ID, dk)
	return dk, nil
}

func (s *Service) openValue(tx *gorm.DB, pl *secretPlace, secretID string, version int64, sealed []byte) (string, error) {
	dk, err := s.dataKey(tx, pl, false)
	if err != nil {
		return "", err
	}
	v, err := dk.Decrypt(sealed, valueAAD(secretID, version))
	if err != nil {
		return "", fmt.Errorf("open secret %s version %d: %w", secretID, version, err)
	}
	return string(v), nil
}

func secretToAPI(pl *secretPlace, row *store.Secret, value string) api.Secret {
	return api.Secret{ID: row.ID, LegacyID: row.ID, Workspace: pl.project.ID, Environment: pl.env.Slug,
		Version: row.Version, Type: row.Type, SecretKey: row.SecretKey, SecretValue: value, SecretComment: row.Comment,
		SecretPath: row.SecretPath, SecretMetadata: []api.SecretMetadata{}, Tags: []api.SecretTag{},
		CreatedAt: row.CreatedAt, UpdatedAt: row.UpdatedAt}
}

// secretWithheld describes row without its value, for an answer to a caller
// who did not ask to read it.
func secretWithheld(pl *secretPlace, row *store.Secret) api.Secret {
	s := secretToAPI(pl, row, "")
	s.SecretValueHidden = true
	return s
}

// updatedSecret is an update's answer: the value it wrote, or none when it
// wrote none (the caller may edit without being allowed to read).
func updatedSecret(pl *secretPlace, row *store.Secret, given *string) api.Secret {
	if given == nil {
		return secretWithheld(pl, row)
	}
	return secretToAPI(pl, row, *given)
}

func validateSecretKey(field, key string) error {
	if err := api.ValidateSecretKey(key); err != nil {
		return (&api.FieldErrors{{Field: field, Message: err.Error()}}).Err()
	}
	return nil
}

// validateSecretValue refuses a value over api.MaxSecretValueBytes (413) and
// a comment over api.MaxSecretCommentLen (400), before anything is written.
func validateSecretValue(prefix string, value, comment *string) error {
	if value != nil && len(*value) > api.MaxSecretValueBytes {
		return api.NewProblem(http.StatusRequestEntityTooLarge, api.CodeValidation,
			"%ssecretValue is %d bytes; a secret value may hold at most %d bytes (1 MiB)", prefix, len(*value), api.MaxSecretValueBytes)
	}
	if comment != nil && len(*comment) > api.MaxSecretCommentLen {
		return (&api.FieldErrors{{Field: prefix + "secretComment", Message: fmt.Sprintf("must be at most %d bytes", api.MaxSecretCommentLen)}}).Err()
	}
	return nil
}

// findSecret loads the secret key at pl: 404 naming it when there is none.
func findSecret(db *gorm.DB, pl *secretPlace, key string) (store.Secret, error) {
	var row store.Secret
	err := db.Where("environment_id = ? AND secret_path = ? AND secret_key = ?", pl.env.ID, pl.path, key).Take(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return row, fmt.Errorf("secret %q at %s in project %q: %w", key, pl, pl.project.Slug, store.ErrNotFound)
	}
	return row, store.Translate(err, "secret "+key)
}

// currentSecret is findSecret through the replica's cache of secrets'
// rows: a workload reading its secrets reads no row most of the time, and
// a value written through another replica is read here within a second,
// as a change to authorization is; one written here, at once.
func (s *Service) currentSecret(db *gorm.DB, pl *secretPlace, key string) (store.Secret, error) {
	k := [3]string{pl.env.ID, pl.path, key}
	now := s.now()
	row, gen, ok := s.secretRows.get(k, now)
	if ok {
		return row, nil
	}
	row, err := findSecret(db, pl, key)
	if err != nil {
		return row, err
	}
	s.secretRows.put(k, row, gen, now, time.Time{})
	return row, nil
}

// ListSecrets answers GET /api/v3/secrets/raw: the secrets at a path, or
// with recursive under it, each read authorized (secrets read at its path,
// or describe without values) and audited. A recursive listing leaves out
// what the caller may not read and is refused only when it may read
// nothing there.
func (s *Service) ListSecrets(ctx context.Context, c *Caller, q api.SecretListQuery) (*api.SecretList, error) {
	pl, err := s.placeSecrets(ctx, c, q.Scope(), "", "secretPath")
	if err != nil {
		return nil, err
	}
	action := readAction(q.WithoutValues)
	db := s.db.WithContext(ctx)
	var rows []store.Secret
	if !q.Recursive {
		if err := s.decideSecret(ctx, c, &pl, pl.path, action, ""); err != nil {
			return nil, err
		}
		err = db.Where("environment_id = ? AND secret_path = ?", pl.env.ID, pl.path).Order("secret_key").Find(&rows).Error
	} else {
		// LIKE's "_" matches any character; the prefix test below is exact.
		err = db.Where("environment_id = ? AND (secret_path = ? OR secret_path LIKE ?)", pl.env.ID, pl.path,
			strings.TrimSuffix(pl.path, "/")+"/%").Order("secret_path, secret_key").Find(&rows).Error
	}
	if err != nil {
		return nil, store.Translate(err, "list secrets")
	}
	if q.Recursive {
		if rows, err = s.readableSecrets(ctx, c, &pl, rows, action); err != nil {
			return nil, err
		}
	}
	out := &api.SecretList{Secrets: make([]api.Secret, 0, len(rows)), Imports: []api.SecretImport{}}
	events := make([]store.AuditEvent, 0, len(rows))
	for i := range rows {
		if q.WithoutValues {
			out.Secrets = append(out.Secrets, secretWithheld(&pl, &rows[i]))
		} else {
			v, err := s.openValue(db, &pl, rows[i].ID, rows[i].Version, rows[i].Value)
			if err != nil {
				return nil, err
			}
			out.Secrets = append(out.Secrets, secretToAPI(&pl, &rows[i], v))
		}
		events = append(events, s.readEvent(c, &pl, &rows[i], rows[i].Version, action))
	}
	if len(events) > 0 {
		if err := s.writes.Write(ctx, store.Writes{Events: events}); err != nil {
			return nil, fmt.Errorf("write audit events: %w", err)
		}
	}
	return out, nil
}

// readableSecrets keeps the rows under pl.path on which the caller may take
// action (read or describe), deciding once per folder path.
func (s *Service) readableSecrets(ctx context.Context, c *Caller, pl *secretPlace, rows []store.Secret, action string) ([]store.Secret, error) {
	p, err := s.authorize(ctx, c)
	if err != nil {
		return nil, err
	}
	allowed := map[string]bool{}
	kept := rows[:0]
	for _, r := range rows {
		if pl.path != "/" && r.SecretPath != pl.path && !strings.HasPrefix(r.SecretPath, pl.path+"/") {
			continue
		}
		ok, seen := allowed[r.SecretPath]
		if !seen {
			ok = p.DecideSecret(pl.project.ID, action, pl.env.Slug, r.SecretPath).Allowed
			allowed[r.SecretPath] = ok
		}
		if ok {
			kept = append(kept, r)
		}
	}
	if len(kept) == 0 {
		if err := s.decideSecret(ctx, c, pl, pl.path, action, ""); err != nil {
			return nil, err
		}
	}
	return kept, nil
}

// GetSecret answers GET /api/v3/secrets/raw/{secretName}: the current value,
// or with q.Version a past one; audited. With viewSecretValue=false it
// answers without the value, authorized by describe.
func (s *Service) GetSecret(ctx context.Context, c *Caller, key string, q api.SecretGetQuery) (*api.SecretResponse, error) {
	if err := validateSecretKey("secretName", key); err != nil {
		return nil, err
	}
	pl, err := s.placeSecrets(ctx, c, q.Scope(), q.Type, "secretPath")
	if err != nil {
		return nil, err
	}
	action := readAction(q.WithoutValues)
	if err := s.decideSecret(ctx, c, &pl, pl.path, action, key); err != nil {
		return nil, err
	}
	db := s.db.WithContext(ctx)
	row, err := s.currentSecret(db, &pl, key)
	if err != nil {
		return nil, err
	}
	if q.Version != 0 && q.Version != row.Version {
		var v store.SecretVersion
		err := db.Where("secret_id = ? AND version = ?", row.ID, q.Version).Take(&v).Error
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return nil, fmt.Errorf("version %d of secret %q at %s (versions 1 to %d): %w", q.Version, key, &pl, row.Version, store.ErrNotFound)
		}
		if err != nil {
			return nil, store.Translate(err, "secret version")
		}
		row.Version, row.Value, row.Comment, row.UpdatedAt = v.Version, v.Value, v.Comment, v.CreatedAt
	}
	out := secretWithheld(&pl, &row)
	if !q.WithoutValues {
		value, err := s.openValue(db, &pl, row.ID, row.Version, row.Value)
		if err != nil {
			return nil, err
		}
		out = secretToAPI(&pl, &row, value)
	}
	if err := s.writes.Write(ctx, store.Writes{Events: []store.AuditEvent{s.readEvent(c, &pl, &row, row.Version, action)}}); err != nil {
		return nil, fmt.Errorf("write audit event: %w", err)
	}
	return &api.SecretResponse{Secret: out}, nil
}

// sealValue seals value as row's current version.
func (s *Service) sealValue(tx *gorm.DB, pl *secretPlace, row *store.Secret, value string) error {
	dk, err := s.dataKey(tx, pl, true)
	if err != nil {
		return err
	}
	row.Value, err = dk.Encrypt([]byte(value), valueAAD(row.ID, row.Version))
	return err
}

// addVersion keeps row's current version in secret_versions.
func addVersion(tx *gorm.DB, row *store.Secret) error {
	v := store.SecretVersion{ID: NewID(), OrganizationID: row.OrganizationID, SecretID: row.ID, Version: row.Version,
		Value: row.Value, Comment: row.Comment, CreatedAt: row.UpdatedAt}
	if err := tx.Create(&v).Error; err != nil {
		return store.Translate(err, "write secret version")
	}
	return nil
}

// CreateSecret answers POST /api/v3/secrets/raw/{secretName}: version 1,
// its version row and its audit event in one transaction.
func (s *Service) CreateSecret(ctx context.Context, c *Caller, key string, in *api.SecretCreate) (*api.SecretResponse, error) {
	if err := validateSecretKey("secretName", key); err != nil {
		return nil, err
	}
	if err := validateSecretValue("", &in.SecretValue, &in.SecretComment); err != nil {
		return nil, err
	}
	pl, err := s.placeSecrets(ctx, c, in.Scope(), in.Type, "secretPath")
	if err != nil {
		return nil, err
	}
	if err := s.decideSecret(ctx, c, &pl, pl.path, api.ActionCreate, key); err != nil {
		return nil, err
	}
	var row store.Secret
	err = s.tx(ctx, func(tx *gorm.DB) error {
		var err error
		row, err = s.createSecret(tx, c, &pl, key, in.SecretValue, in.SecretComment)
		return err
	})
	if err != nil {
		return nil, err
	}
	return &api.SecretResponse{Secret: secretToAPI(&pl, &row, in.SecretValue)}, nil
}

// createSecret creates key at pl at version 1, with its version row and
// audit event, in tx.
func (s *Service) createSecret(tx *gorm.DB, c *Caller, pl *secretPlace, key, value, comment string) (store.Secret, error) {
	now := s.now()
	row := store.Secret{ID: NewID(), OrganizationID: c.OrgID(), ProjectID: pl.project.ID, EnvironmentID: pl.env.ID,
		SecretPath: pl.path, SecretKey: key, Type: api.SecretTypeShared, Version: 1, Comment: comment,
		CreatedAt: now, UpdatedAt: now}
	if err := s.sealValue(tx, pl, &row, value); err != nil {
		return row, err
	}
	if err := tx.Create(&row).Error; err != nil {
		return row, conflictOr(store.Translate(err, "create secret"), "secret %q already exists at %s in project %q", key, pl, pl.project.Slug)
	}
	if err := addVersion(tx, &row); err != nil {
		return row, err
	}
	return row, s.record(tx, c, auditSecretCreate, "secret", row.ID, secretMetadata(pl, &row, row.Version))
}

// UpdateSecret answers PATCH /api/v3/secrets/raw/{secretName}: a new version
// with the given value and comment (the others kept), If-Match checked.
func (s *Service) UpdateSecret(ctx context.Context, c *Caller, key string, want int64, in *api.SecretUpdate) (*api.SecretResponse, error) {
	if err := validateSecretKey("secretName", key); err != nil {
		return nil, err
	}
	if in.SecretValue == nil && in.SecretComment == nil {
		return nil, (&api.FieldErrors{{Field: "secretValue", Message: "nothing to change: give secretValue, secretComment or both"}}).Err()
	}
	if err := validateSecretValue("", in.SecretValue, in.SecretComment); err != nil {
		return nil, err
	}
	pl, err := s.placeSecrets(ctx, c, in.Scope(), in.Type, "secretPath")
	if err != nil {
		return nil, err
	}
	if err := s.decideSecret(ctx, c, &pl, pl.path, api.ActionEdit, key); err != nil {
		return nil, err
	}
	var row store.Secret
	err = s.tx(ctx, func(tx *gorm.DB) error {
		var err error
		if row, err = findSecret(tx, &pl, key); err != nil {
			return err
		}
		return s.changeSecret(tx, c, &pl, &row, want, secretChange{value: in.SecretValue, comment: in.SecretComment})
	})
	if err != nil {
		return nil, err
	}
	return &api.SecretResponse{Secret: updatedSecret(&pl, &row, in.SecretValue)}, nil
}

// secretChange is what an update changes: the value, the comment and the
// key, each kept when nil or empty.
type secretChange struct {
	value, comment *string
	newKey         string
}

// changeSecret writes row's next version in tx, if row is still at version
// want (0: any): the change applied, its version row and audit event. A
// value kept is opened only to be sealed again under the new version.
func (s *Service) changeSecret(tx *gorm.DB, c *Caller, pl *secretPlace, row *store.Secret, want int64, ch secretChange) error {
	var value string
	if ch.value != nil {
		value = *ch.value
	} else {
		var err error
		if value, err = s.openValue(tx, pl, row.ID, row.Version, row.Value); err != nil {
			return err
		}
	}
	if ch.comment != nil {
		row.Comment = *ch.comment
	}
	cols := map[string]any{"comment": row.Comment}
	from := row.SecretKey
	if ch.newKey != "" && ch.newKey != row.SecretKey {
		row.SecretKey = ch.newKey
		cols["secret_key"] = ch.newKey
	}
	current := row.Version
	row.Version, row.UpdatedAt = current+1, s.now()
	if err := s.sealValue(tx, pl, row, value); err != nil {
		return err
	}
	cols["value"] = row.Value
	if _, err := updateVersioned(tx, &store.Secret{}, row.ID, want, current, cols, row.UpdatedAt); err != nil {
		return conflictOr(err, "secret %q already exists at %s in project %q", row.SecretKey, pl, pl.project.Slug)
	}
	if err := addVersion(tx, row); err != nil {
		return err
	}
	ev := secretMetadata(pl, row, row.Version)
	if from != row.SecretKey {
		ev["previousSecretKey"] = from
	}
	return s.record(tx, c, auditSecretUpdate, "secret", row.ID, ev)
}

// DeleteSecret answers DELETE /api/v3/secrets/raw/{secretName}: the secret
// and its versions go, with an audit event, If-Match checked. The answer
// describes the deleted secret without its value: delete does not imply read.
func (s *Service) DeleteSecret(ctx context.Context, c *Caller, key string, want int64, in *api.SecretDelete) (*api.SecretResponse, error) {
	if err := validateSecretKey("secretName", key); err != nil {
		return nil, err
	}
	pl, err := s.placeSecrets(ctx, c, in.Scope(), in.Type, "secretPath")
	if err != nil {
		return nil, err
	}
	if err := s.decideSecret(ctx, c, &pl, pl.path, api.ActionDelete, key); err != nil {
		return nil, err
	}
	var row store.Secret
	err = s.tx(ctx, func(tx *gorm.DB) error {
		var err error
		if row, err = findSecret(tx, &pl, key); err != nil {
			return err
		}
		return s.deleteSecret(tx, c, &pl, &row, want)
	})
	if err != nil {
		return nil, err
	}
	return &api.SecretResponse{Secret: secretWithheld(&pl, &row)}, nil
}

// deleteSecret deletes row (its versions go with it) in tx, if it is still
// at version want (0: any), with its audit event.
func (s *Service) deleteSecret(tx *gorm.DB, c *Caller, pl *secretPlace, row *store.Secret, want int64) error {
	if want != 0 && want != row.Version {
		return StaleError(want, row.Version)
	}
	res := tx.Where("id = ? AND version = ?", row.ID, row.Version).Delete(&store.Secret{})
	if res.Error != nil {
		return store.Translate(res.Error, "delete secret")
	}
	if res.RowsAffected != 1 {
		return StaleError(want, row.Version+1)
	}
	return s.record(tx, c, auditSecretDelete, "secret", row.ID, secretMetadata(pl, row, row.Version))
}
