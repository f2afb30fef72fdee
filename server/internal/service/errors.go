package service

import (
	"errors"
	"fmt"

	"gorm.io/gorm"

	"github.com/idplane/idplane/server/internal/authmethod/login"
	"github.com/idplane/idplane/server/internal/store"
)

// Domain errors; the HTTP layer maps each to one status in one place.
var (
	ErrUnauthenticated     = errors.New("unauthenticated")
	ErrForbidden           = errors.New("forbidden")
	ErrDeleteProtected     = errors.New("delete protected")
	ErrLoginFailed         = login.ErrFailed
	ErrAlreadyBootstrapped = errors.New("already bootstrapped")
)

// LoginError is a failed login (login.Error).
type LoginError = login.Error

// LoginFailed is a failed login for reason (login.Failed).
func LoginFailed(reason string) error { return login.Failed(reason) }

// LoginRefused is a failed login whose caller is told which check failed
// (login.Refused).
func LoginRefused(public, reason string) error { return login.Refused(public, reason) }

func conflict(format string, args ...any) error {
	return fmt.Errorf("%s: %w", fmt.Sprintf(format, args...), store.ErrConflict)
}

func forbidden(format string, args ...any) error {
	return fmt.Errorf("%s: %w", fmt.Sprintf(format, args...), ErrForbidden)
}

// StaleError is the error of a write whose If-Match version is out of date.
func StaleError(want, current int64) error {
	return fmt.Errorf("the object changed since version %d (it is now at version %d); read it again: %w", want, current, store.ErrStale)
}

// conflictOr rewrites a unique violation into a conflict that says what
// collided; other errors pass through.
func conflictOr(err error, format string, args ...any) error {
	if errors.Is(err, store.ErrConflict) {
		return conflict(format, args...)
	}
	return err
}

func isNotFound(err error) bool {
	return errors.Is(err, store.ErrNotFound) || errors.Is(err, gorm.ErrRecordNotFound)
}
