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
// Idempotency-Key header, per organization and key, committed in the same
// transaction as the object it answers for.
type IdempotencyKey struct {
	OrganizationID string `gorm:"primaryKey"`
	Key            string `gorm:"primaryKey;column:idempotency_key"`
	RequestHash    []byte
	Status         int
	Response       []byte // the answer's body, encrypted by the caller
	CreatedAt      time.Time
	ExpiresAt      time.Time
}

// Outcomes of the idempotency functions other than "run the request".
var (
	ErrIdempotencyKeyReused = errors.New("the Idempotency-Key was already used with another request")
	// ErrIdempotencyKeyAnswered is StoreIdempotentAnswer's: another request
	// with the key committed its answer first.
	ErrIdempotencyKeyAnswered = errors.New("another request with this Idempotency-Key was answered first")
)

// IdempotentAnswer returns the live answer stored under key for the
// request with hash, nil when there is none, and ErrIdempotencyKeyReused
// when the key answered another request.
func (s *Store) IdempotentAnswer(ctx context.Context, orgID, key string, hash []byte, now time.Time) (*IdempotencyKey, error) {
	var got IdempotencyKey
	err := s.DB.WithContext(ctx).Where("organization_id = ? AND idempotency_key = ? AND expires_at > ?", orgID, key, now).Take(&got).Error
	switch {
	case errors.Is(err, gorm.ErrRecordNotFound):
		return nil, nil
	case err != nil:
		return nil, Translate(err, "load idempotent answer")
	case !bytes.Equal(got.RequestHash, hash):
		return nil, ErrIdempotencyKeyReused
	}
	return &got, nil
}

// StoreIdempotentAnswer stores the answer to the request with hash under
// key, in tx: the transaction of the change it answers, so that the change
// and its answer are committed together or not at all, and a retry after
// any crash either replays the answer or runs the request anew. An answer
// past its expiry is replaced. When another request with the key committed
// its answer first (two retries ran at once), it returns
// ErrIdempotencyKeyAnswered: the caller rolls back and replays that answer.
// On PostgreSQL the second insert waits for the first transaction to end,
// so the two never both commit.
func StoreIdempotentAnswer(tx *gorm.DB, orgID, key string, hash []byte, status int, response []byte, now time.Time, ttl time.Duration) error {
	row := IdempotencyKey{OrganizationID: orgID, Key: key, RequestHash: hash, Status: status, Response: response,
		CreatedAt: now, ExpiresAt: now.Add(ttl)}
	res := tx.Clauses(clause.OnConflict{
		Columns:   []clause.Column{{Name: "organization_id"}, {Name: "idempotency_key"}},
		Where:     clause.Where{Exprs: []clause.Expression{clause.Expr{SQL: "idempotency_keys.expires_at <= ?", Vars: []any{now}}}},
		DoUpdates: clause.AssignmentColumns([]string{"request_hash", "status", "response", "created_at", "expires_at"}),
	}).Create(&row)
	if res.Error != nil {
		return Translate(res.Error, "store idempotent answer")
	}
	if res.RowsAffected != 1 {
		return ErrIdempotencyKeyAnswered
	}
	return nil
}
