package store

import (
	"bytes"
	"context"
	"errors"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// IdempotencyKey holds the first answer to a create sent with an
// Idempotency-Key header, per organization and key. Status 0 means the
// request holding the key is still running.
type IdempotencyKey struct {
	OrganizationID string `gorm:"primaryKey"`
	Key            string `gorm:"primaryKey;column:idempotency_key"`
	RequestHash    []byte
	Status         int
	Response       []byte // the answer's body, encrypted by the caller
	CreatedAt      time.Time
	ExpiresAt      time.Time
}

// Outcomes of ClaimIdempotencyKey other than "run the request".
var (
	ErrIdempotencyKeyReused   = errors.New("the Idempotency-Key was already used with another request")
	ErrIdempotencyKeyInFlight = errors.New("a request with this Idempotency-Key is still being processed")
)

// claimAttempts bounds how often ClaimIdempotencyKey retries when another
// request releases or takes over the key between its statements.
const claimAttempts = 3

// ClaimIdempotencyKey starts a request under key. It returns (nil, nil)
// when the request is to run, now holding the key; the stored answer when
// an earlier request with the same hash finished; ErrIdempotencyKeyReused
// when the key came with another request; ErrIdempotencyKeyInFlight while
// the earlier request runs. An answer past its expiry, and a claim older
// than lease that never finished (its server died mid-request), are taken
// over.
func (s *Store) ClaimIdempotencyKey(ctx context.Context, orgID, key string, hash []byte, now time.Time, ttl, lease time.Duration) (*IdempotencyKey, error) {
	db := s.DB.WithContext(ctx)
	for range claimAttempts {
		row := IdempotencyKey{OrganizationID: orgID, Key: key, RequestHash: hash, Response: []byte{}, CreatedAt: now, ExpiresAt: now.Add(ttl)}
		res := db.Clauses(clause.OnConflict{DoNothing: true}).Create(&row)
		if res.Error != nil {
			return nil, Translate(res.Error, "claim idempotency key")
		}
		if res.RowsAffected == 1 {
			return nil, nil
		}
		res = db.Where("organization_id = ? AND idempotency_key = ? AND (expires_at <= ? OR (status = 0 AND created_at < ?))",
			orgID, key, now, now.Add(-lease)).Delete(&IdempotencyKey{})
		if res.Error != nil {
			return nil, Translate(res.Error, "take over idempotency key")
		}
		if res.RowsAffected == 1 {
			continue
		}
		var got IdempotencyKey
		err := db.Where("organization_id = ? AND idempotency_key = ?", orgID, key).Take(&got).Error
		switch {
		case errors.Is(err, gorm.ErrRecordNotFound):
			continue
		case err != nil:
			return nil, Translate(err, "load idempotency key")
		case !bytes.Equal(got.RequestHash, hash):
			return nil, ErrIdempotencyKeyReused
		case got.Status == 0:
			return nil, ErrIdempotencyKeyInFlight
		}
		return &got, nil
	}
	return nil, ErrIdempotencyKeyInFlight
}

// FinishIdempotencyKey stores the answer of the request holding key, in tx:
// the transaction of the change it answers, so that the change and its
// answer are committed together. It returns ErrIdempotencyKeyInFlight when
// the claim is no longer this request's (a retry took it over past its
// lease and answered first): the caller rolls back and replays that answer.
func FinishIdempotencyKey(tx *gorm.DB, orgID, key string, hash []byte, status int, response []byte) error {
	res := tx.Model(&IdempotencyKey{}).
		Where("organization_id = ? AND idempotency_key = ? AND request_hash = ? AND status = 0", orgID, key, hash).
		Updates(map[string]any{"status": status, "response": response})
	if res.Error != nil {
		return Translate(res.Error, "store idempotent answer")
	}
	if res.RowsAffected != 1 {
		return ErrIdempotencyKeyInFlight
	}
	return nil
}

// IdempotentAnswer returns the stored answer to the request with hash under
// key, nil when there is none.
func (s *Store) IdempotentAnswer(ctx context.Context, orgID, key string, hash []byte) (*IdempotencyKey, error) {
	var got IdempotencyKey
	err := s.DB.WithContext(ctx).Where("organization_id = ? AND idempotency_key = ? AND request_hash = ? AND status <> 0", orgID, key, hash).
		Take(&got).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, Translate(err, "load idempotent answer")
	}
	return &got, nil
}

// ReleaseIdempotencyKey forgets a claim whose request failed, so that a
// retry runs the request again.
func (s *Store) ReleaseIdempotencyKey(ctx context.Context, orgID, key string) error {
	res := s.DB.WithContext(ctx).Where("organization_id = ? AND idempotency_key = ? AND status = 0", orgID, key).
		Delete(&IdempotencyKey{})
	return Translate(res.Error, "release idempotency key")
}
