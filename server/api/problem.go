package api

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
)

// Stable problem codes. Clients switch on these, never on Detail.
const (
	CodeValidation      = "validation_failed"
	CodeUnauthenticated = "unauthenticated"
	CodeForbidden       = "forbidden"
	CodeNotFound        = "not_found"
	CodeConflict        = "conflict"
	CodeVersionMismatch = "version_mismatch"
	CodeRateLimited     = "rate_limited"
	CodeDeleteProtected = "delete_protected"
	CodeLoginFailed     = "login_failed"
	CodeInternal        = "internal"
	// CodeDatabaseUnavailable is a 503: the database cannot be reached right
	// now; retry after Retry-After seconds.
	CodeDatabaseUnavailable = "database_unavailable"
	// CodeIdempotencyKeyReused is a 422: the Idempotency-Key came with
	// another request before.
	CodeIdempotencyKeyReused = "idempotency_key_reused"
	CodeAlreadyBootstrapped  = "already_bootstrapped"
)

// FieldError names one invalid request field (a JSON path such as
// "permissions[0].actions[1]") and says what is allowed.
type FieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

// FieldErrors collects validation failures; the zero value is ready to use.
type FieldErrors []FieldError

// Add records a failure for field.
func (e *FieldErrors) Add(field, format string, args ...any) {
	*e = append(*e, FieldError{Field: field, Message: fmt.Sprintf(format, args...)})
}

// Err returns nil when nothing was recorded, otherwise a *Problem with
// status 400 that carries every field error.
func (e FieldErrors) Err() error {
	if len(e) == 0 {
		return nil
	}
	msgs := make([]string, len(e))
	for i, f := range e {
		msgs[i] = f.Field + ": " + f.Message
	}
	return &Problem{
		Type:   "about:blank",
		Title:  "Invalid request",
		Status: http.StatusBadRequest,
		Code:   CodeValidation,
		Detail: strings.Join(msgs, "; "),
		Errors: e,
	}
}

// Problem is an RFC 9457 problem document, the body of every error response.
type Problem struct {
	Type   string       `json:"type"`
	Title  string       `json:"title"`
	Status int          `json:"status"`
	Code   string       `json:"code"`
	Detail string       `json:"detail"`
	Errors []FieldError `json:"errors,omitempty"`
	// Message repeats Detail, an extension member for Infisical's SDKs,
	// which show an error's "message".
	Message string `json:"message,omitempty"`
	// RetryAfter travels in the Retry-After header, not in the document: the
	// server sends it when set, the client fills it from the header.
	RetryAfter int `json:"-"`
}

func (p *Problem) Error() string {
	if p.Detail == "" {
		return fmt.Sprintf("%d %s", p.Status, p.Code)
	}
	return fmt.Sprintf("%d %s: %s", p.Status, p.Code, p.Detail)
}

// NewProblem builds a problem with the standard title for status.
func NewProblem(status int, code, format string, args ...any) *Problem {
	return &Problem{Type: "about:blank", Title: http.StatusText(status), Status: status, Code: code, Detail: fmt.Sprintf(format, args...)}
}

// IsStatus reports whether err is a Problem with the given HTTP status.
func IsStatus(err error, status int) bool {
	var p *Problem
	return errors.As(err, &p) && p.Status == status
}

// IsNotFound reports whether err is a 404 problem.
func IsNotFound(err error) bool { return IsStatus(err, http.StatusNotFound) }
