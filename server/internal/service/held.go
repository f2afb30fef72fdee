package service

import (
	"context"
	"fmt"

	"gorm.io/gorm"
)

// HeldCommit keeps the transaction of the changes a request makes open
// until the request itself commits it, so that something the request
// writes after the service returns (the answer of an idempotent create) is
// committed with the change or not at all: a crash between the two can no
// longer leave a change whose answer was never written.
type HeldCommit struct {
	db *gorm.DB
	tx *gorm.DB
}

type heldCommitKey struct{}

// HoldCommit returns a context under which every change the service makes
// joins one transaction, committed by Commit.
func (s *Service) HoldCommit(ctx context.Context) (context.Context, *HeldCommit) {
	h := &HeldCommit{db: s.db}
	return context.WithValue(ctx, heldCommitKey{}, h), h
}

// tx runs fn in a transaction: its own, or the one held for the request.
// Under a held commit the first change begins the transaction and later
// ones nest in it (a savepoint each), so one failing change does not undo
// the others but the request still commits once.
func (s *Service) tx(ctx context.Context, fn func(tx *gorm.DB) error) error {
	h, _ := ctx.Value(heldCommitKey{}).(*HeldCommit)
	if h == nil {
		return s.db.WithContext(ctx).Transaction(fn)
	}
	if h.tx != nil {
		return h.tx.Transaction(fn)
	}
	tx := s.db.WithContext(ctx).Begin()
	if tx.Error != nil {
		return tx.Error
	}
	if err := fn(tx); err != nil {
		tx.Rollback()
		return err
	}
	h.tx = tx
	return nil
}

// Commit runs write in the held transaction (in a transaction of its own
// when the request made no change) and commits.
func (h *HeldCommit) Commit(ctx context.Context, write func(tx *gorm.DB) error) error {
	if h.tx == nil {
		return h.db.WithContext(ctx).Transaction(write)
	}
	tx := h.tx
	h.tx = nil
	err := write(tx)
	if err != nil {
		tx.Rollback()
	} else {
		err = tx.Commit().Error
	}
	if err != nil && ctx.Err() != nil {
		// The client went away: database/sql rolled the transaction back,
		// and the error to report is that, not "transaction done".
		return fmt.Errorf("%w: %w", ctx.Err(), err)
	}
	return err
}

// Rollback undoes the held changes unless Commit ran; it is safe to defer.
// A rollback that fails (the connection is gone) needs nothing more: the
// database drops the transaction with the connection.
func (h *HeldCommit) Rollback() {
	if h.tx != nil {
		h.tx.Rollback()
		h.tx = nil
	}
}
