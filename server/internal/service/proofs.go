package service

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/idplane/idplane/server/internal/authmethod/login"
	"github.com/idplane/idplane/server/internal/store"
)

// ErrProofUsed is UseOnce's answer for a proof that was already used.
var ErrProofUsed = login.ErrProofUsed

// Used reports whether proof (a hash identifying a single-use login proof,
// such as an AWS signed request) was already used, on any replica.
func (k *Core) Used(ctx context.Context, proof []byte) (bool, error) {
	var n int64
	if err := k.s.db.WithContext(ctx).Model(&store.UsedSignedRequest{}).Where("hash = ?", proof).Count(&n).Error; err != nil {
		return false, fmt.Errorf("look up a used proof: %w", err)
	}
	return n > 0, nil
}

// UseOnce spends proof until it could no longer be valid anyway (the
// janitor forgets it then): the first call wins, on any replica, and every
// later one is ErrProofUsed.
func (k *Core) UseOnce(ctx context.Context, proof []byte, until time.Time) error {
	err := k.s.db.WithContext(ctx).Create(&store.UsedSignedRequest{Hash: proof, ExpiresAt: until}).Error
	if err = store.Translate(err, "remember a used proof"); errors.Is(err, store.ErrConflict) {
		return ErrProofUsed
	}
	return err
}
