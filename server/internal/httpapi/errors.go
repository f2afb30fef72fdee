package httpapi

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/idplane/idplane/server/api"
	"github.com/idplane/idplane/server/internal/service"
	"github.com/idplane/idplane/server/internal/store"
)

// statusClientClosed is nginx's 499: the client closed the connection first.
const statusClientClosed = 499

// databaseRetryAfter is the Retry-After, in seconds, of a 503 for a
// database outage: long enough not to hammer a recovering database.
const databaseRetryAfter = 2

// toProblem is the one place where errors become HTTP statuses.
func toProblem(err error) *api.Problem {
	var (
		p    *api.Problem
		he   *echo.HTTPError
		code = api.CodeInternal
	)
	status := http.StatusInternalServerError
	switch {
	case errors.As(err, &p):
		return p
	case errors.Is(err, context.Canceled):
		// The client went away mid-request; nobody reads this answer, and it
		// is not a server error.
		return api.NewProblem(statusClientClosed, "client_closed_request", "the client closed the request")
	case errors.As(err, &he):
		status = he.Code
		switch he.Code {
		case http.StatusNotFound:
			return api.NewProblem(status, api.CodeNotFound, "no such route")
		case http.StatusMethodNotAllowed:
			return api.NewProblem(status, "method_not_allowed", "method not allowed on this route")
		case http.StatusRequestEntityTooLarge:
			return api.NewProblem(status, api.CodeValidation, "request body is too large")
		}
		return api.NewProblem(status, "http_error", "%v", he.Message)
	case store.Unavailable(err):
		// An outage, not a bug: the client should retry, and a login is
		// refused rather than answered without its token and audit rows.
		p := api.NewProblem(http.StatusServiceUnavailable, api.CodeDatabaseUnavailable, "the database is unavailable; retry later")
		p.RetryAfter = databaseRetryAfter
		return p
	case errors.Is(err, store.ErrIdempotencyKeyReused):
		return api.NewProblem(http.StatusUnprocessableEntity, api.CodeIdempotencyKeyReused,
			"%s; send a new Idempotency-Key for a new request", err)
	case errors.Is(err, service.ErrLoginFailed):
		// The reason is in the audit log; the caller learns at most which
		// check failed.
		var le *service.LoginError
		if errors.As(err, &le) && le.Public != "" {
			return api.NewProblem(http.StatusUnauthorized, api.CodeLoginFailed, "login failed: %s", le.Public)
		}
		return api.NewProblem(http.StatusUnauthorized, api.CodeLoginFailed, "login failed")
	case errors.Is(err, service.ErrUnauthenticated):
		return api.NewProblem(http.StatusUnauthorized, api.CodeUnauthenticated, "%s", err)
	case errors.Is(err, service.ErrForbidden):
		return api.NewProblem(http.StatusForbidden, api.CodeForbidden, "%s", err)
	case errors.Is(err, store.ErrNotFound):
		return api.NewProblem(http.StatusNotFound, api.CodeNotFound, "%s", err)
	case errors.Is(err, service.ErrDeleteProtected):
		return api.NewProblem(http.StatusConflict, api.CodeDeleteProtected, "%s", err)
	case errors.Is(err, store.ErrConflict):
		return api.NewProblem(http.StatusConflict, api.CodeConflict, "%s", err)
	case errors.Is(err, store.ErrStale):
		return api.NewProblem(http.StatusPreconditionFailed, api.CodeVersionMismatch, "%s", err)
	}
	return api.NewProblem(status, code, "internal error; see the server log for this request ID")
}

// errorHandler renders every error as application/problem+json and logs
// server errors with the request ID (never request bodies).
func errorHandler(err error, c echo.Context) {
	if c.Response().Committed {
		return
	}
	p := toProblem(err)
	if p.Status >= 500 {
		slog.ErrorContext(c.Request().Context(), "request failed", "request_id", requestID(c), "route", c.Path(), "error", err)
	}
	if p.RetryAfter > 0 {
		c.Response().Header().Set("Retry-After", strconv.Itoa(p.RetryAfter))
	}
	if p.Status == http.StatusUnauthorized {
		c.Response().Header().Set("WWW-Authenticate", `Bearer realm="idplane"`)
	}
	c.Response().Header().Set(echo.HeaderContentType, "application/problem+json")
	c.Response().WriteHeader(p.Status)
	if c.Request().Method == http.MethodHead {
		return
	}
	out := *p
	out.Message = out.Detail
	_ = writeJSON(c.Response(), &out)
}
