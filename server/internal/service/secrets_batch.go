package service

import (
	"context"
	"fmt"

	"gorm.io/gorm"

	"github.com/idplane/idplane/server/api"
	"github.com/idplane/idplane/server/internal/store"
)

// The batches of Infisical's raw secrets API (/api/v3/secrets/batch/raw):
// each writes every secret or none, in one transaction with an audit event
// per secret, and a refusal names the item at fault.

// itemError says which item of a batch err is about.
func itemError(i int, err error) error { return fmt.Errorf("secrets[%d]: %w", i, err) }

func checkBatchSize(errs *api.FieldErrors, n int) {
	if n == 0 || n > api.MaxSecretBatch {
		errs.Add("secrets", "must hold 1 to %d secrets, got %d", api.MaxSecretBatch, n)
	}
}

// checkBatchKey checks a key of item field (e.g. secrets[0].secretKey) and
// that no other item names the same secret (path and key).
func checkBatchKey(errs *api.FieldErrors, seen map[[2]string]bool, field, path, key string) {
	if err := api.ValidateSecretKey(key); err != nil {
		errs.Add(field, "%s", err)
		return
	}
	k := [2]string{path, key}
	if seen[k] {
		errs.Add(field, "%q at %s is named more than once in this batch", key, path)
	}
	seen[k] = true
}

// unsupported refuses what idplane does not keep: metadata, tags, reminders.
func unsupported(errs *api.FieldErrors, field string, metadata []api.SecretMetadata, tags []string) {
	if len(metadata) > 0 {
		errs.Add(field+"secretMetadata", "is not supported: idplane keeps no secret metadata")
	}
	if len(tags) > 0 {
		errs.Add(field+"tagIds", "is not supported: idplane keeps no secret tags")
	}
}

// CreateSecrets answers POST /api/v3/secrets/batch/raw: every secret or none.
func (s *Service) CreateSecrets(ctx context.Context, c *Caller, in *api.SecretBatchCreate) (*api.SecretBatch, error) {
	var errs api.FieldErrors
	checkBatchSize(&errs, len(in.Secrets))
	seen := map[[2]string]bool{}
	for i, it := range in.Secrets {
		field := fmt.Sprintf("secrets[%d].", i)
		checkBatchKey(&errs, seen, field+"secretKey", "", it.SecretKey)
		unsupported(&errs, field, it.SecretMetadata, it.TagIDs)
	}
	if err := errs.Err(); err != nil {
		return nil, err
	}
	for i := range in.Secrets {
		if err := validateSecretValue(fmt.Sprintf("secrets[%d].", i), &in.Secrets[i].SecretValue, &in.Secrets[i].SecretComment); err != nil {
			return nil, err
		}
	}
	pl, err := s.placeSecrets(ctx, c, in.Scope(), "", "secretPath")
	if err != nil {
		return nil, err
	}
	if err := s.decideSecret(ctx, c, &pl, pl.path, api.ActionCreate, ""); err != nil {
		return nil, err
	}
	rows := make([]store.Secret, len(in.Secrets))
	err = s.tx(ctx, func(tx *gorm.DB) error {
		for i, it := range in.Secrets {
			var err error
			if rows[i], err = s.createSecret(tx, c, &pl, it.SecretKey, it.SecretValue, it.SecretComment); err != nil {
				return itemError(i, err)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	out := &api.SecretBatch{Secrets: make([]api.Secret, len(rows))}
	for i := range rows {
		out.Secrets[i] = secretToAPI(&pl, &rows[i], in.Secrets[i].SecretValue)
	}
	return out, nil
}

// UpdateSecrets answers PATCH /api/v3/secrets/batch/raw: each secret gets a
// new version (and with newSecretName a new key), every one or none. Mode
// upsert creates a key that does not exist. The caller needs secrets edit
// at each item's path, and under upsert create too, decided before any
// secret is looked up: a refused caller never learns what exists.
func (s *Service) UpdateSecrets(ctx context.Context, c *Caller, in *api.SecretBatchUpdate) (*api.SecretBatch, error) {
	upsert := in.Mode == api.SecretBatchUpsert
	paths, err := checkBatchUpdate(in)
	if err != nil {
		return nil, err
	}
	pl, err := s.placeSecrets(ctx, c, in.Scope(), "", "secretPath")
	if err != nil {
		return nil, err
	}
	actions := []string{api.ActionEdit}
	if upsert {
		actions = append(actions, api.ActionCreate)
	}
	decided := map[string]bool{}
	for i, it := range in.Secrets {
		if decided[paths[i]] {
			continue
		}
		decided[paths[i]] = true
		for _, action := range actions {
			if err := s.decideSecret(ctx, c, &pl, paths[i], action, it.SecretKey); err != nil {
				return nil, fmt.Errorf("secrets[%d] (%q): %w", i, it.SecretKey, err)
			}
		}
	}
	out := &api.SecretBatch{Secrets: make([]api.Secret, len(in.Secrets))}
	err = s.tx(ctx, func(tx *gorm.DB) error {
		for i, it := range in.Secrets {
			at := pl
			at.path = paths[i]
			row, err := findSecret(tx, &at, it.SecretKey)
			switch {
			case isNotFound(err) && upsert && it.NewSecretName == "":
				if it.SecretValue == nil {
					return (&api.FieldErrors{{Field: fmt.Sprintf("secrets[%d].secretValue", i),
						Message: fmt.Sprintf("is required to create %q at %s (mode upsert), which does not exist", it.SecretKey, &at)}}).Err()
				}
				comment := ""
				if it.SecretComment != nil {
					comment = *it.SecretComment
				}
				if row, err = s.createSecret(tx, c, &at, it.SecretKey, *it.SecretValue, comment); err != nil {
					return itemError(i, err)
				}
				out.Secrets[i] = secretToAPI(&at, &row, *it.SecretValue)
				continue
			case err != nil:
				return itemError(i, err)
			}
			if err := s.changeSecret(tx, c, &at, &row, 0, secretChange{value: it.SecretValue, comment: it.SecretComment, newKey: it.NewSecretName}); err != nil {
				return itemError(i, err)
			}
			out.Secrets[i] = updatedSecret(&at, &row, it.SecretValue)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// checkBatchUpdate validates a batch update before anything is read and
// returns each item's path. No two items may name the same secret, before
// or after a rename: the answer would depend on their order.
func checkBatchUpdate(in *api.SecretBatchUpdate) ([]string, error) {
	var errs api.FieldErrors
	checkBatchSize(&errs, len(in.Secrets))
	paths := make([]string, len(in.Secrets))
	seen := map[[2]string]bool{}
	for i, it := range in.Secrets {
		field := fmt.Sprintf("secrets[%d].", i)
		paths[i] = it.SecretPath
		if paths[i] == "" {
			paths[i] = in.SecretPath
		}
		if paths[i] == "" {
			paths[i] = "/"
		}
		if it.SecretPath != "" {
			if err := api.ValidateSecretPath(it.SecretPath); err != nil {
				errs.Add(field+"secretPath", "%s", err)
			}
		}
		checkBatchKey(&errs, seen, field+"secretKey", paths[i], it.SecretKey)
		if it.SecretValue == nil && it.SecretComment == nil && it.NewSecretName == "" {
			errs.Add(field+"secretValue", "nothing to change: give secretValue, secretComment, newSecretName or several")
		}
		unsupported(&errs, field, it.SecretMetadata, it.TagIDs)
		if it.SecretReminderNote != "" {
			errs.Add(field+"secretReminderNote", "is not supported: idplane keeps no secret reminders")
		}
		if it.SecretReminderRepeatDays != nil && *it.SecretReminderRepeatDays != 0 {
			errs.Add(field+"secretReminderRepeatDays", "is not supported: idplane keeps no secret reminders")
		}
	}
	for i, it := range in.Secrets {
		if it.NewSecretName != "" && it.NewSecretName != it.SecretKey {
			checkBatchKey(&errs, seen, fmt.Sprintf("secrets[%d].newSecretName", i), paths[i], it.NewSecretName)
		}
	}
	if err := errs.Err(); err != nil {
		return nil, err
	}
	for i, it := range in.Secrets {
		if err := validateSecretValue(fmt.Sprintf("secrets[%d].", i), it.SecretValue, it.SecretComment); err != nil {
			return nil, err
		}
	}
	return paths, nil
}

// DeleteSecrets answers DELETE /api/v3/secrets/batch/raw: every secret or
// none, with an audit event each. The answer describes the deleted secrets
// without their values: delete does not imply read.
func (s *Service) DeleteSecrets(ctx context.Context, c *Caller, in *api.SecretBatchDelete) (*api.SecretBatch, error) {
	var errs api.FieldErrors
	checkBatchSize(&errs, len(in.Secrets))
	seen := map[[2]string]bool{}
	for i, it := range in.Secrets {
		field := fmt.Sprintf("secrets[%d].", i)
		checkBatchKey(&errs, seen, field+"secretKey", "", it.SecretKey)
		validateSecretType(&errs, field+"type", it.Type)
	}
	if err := errs.Err(); err != nil {
		return nil, err
	}
	pl, err := s.placeSecrets(ctx, c, in.Scope(), "", "secretPath")
	if err != nil {
		return nil, err
	}
	if err := s.decideSecret(ctx, c, &pl, pl.path, api.ActionDelete, ""); err != nil {
		return nil, err
	}
	rows := make([]store.Secret, len(in.Secrets))
	err = s.tx(ctx, func(tx *gorm.DB) error {
		for i, it := range in.Secrets {
			var err error
			if rows[i], err = findSecret(tx, &pl, it.SecretKey); err != nil {
				return itemError(i, err)
			}
			if err := s.deleteSecret(tx, c, &pl, &rows[i], 0); err != nil {
				return itemError(i, err)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	out := &api.SecretBatch{Secrets: make([]api.Secret, len(rows))}
	for i := range rows {
		out.Secrets[i] = secretWithheld(&pl, &rows[i])
	}
	return out, nil
}
