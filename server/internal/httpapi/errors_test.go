package httpapi

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"testing"

	"github.com/idplane/idplane/server/internal/service"
	"github.com/idplane/idplane/server/internal/store"
)

// Every domain error maps to one status in one place; unknown errors are a
// 500 that reveals nothing.
func TestToProblem(t *testing.T) {
	for _, tc := range []struct {
		err    error
		status int
		code   string
	}{
		{fmt.Errorf("project x: %w", store.ErrNotFound), http.StatusNotFound, "not_found"},
		{fmt.Errorf("slug: %w", store.ErrConflict), http.StatusConflict, "conflict"},
		{fmt.Errorf("v: %w", store.ErrStale), http.StatusPreconditionFailed, "version_mismatch"},
		{fmt.Errorf("x: %w", service.ErrForbidden), http.StatusForbidden, "forbidden"},
		{fmt.Errorf("x: %w", service.ErrUnauthenticated), http.StatusUnauthorized, "unauthenticated"},
		{fmt.Errorf("x: %w", service.ErrDeleteProtected), http.StatusConflict, "delete_protected"},
		{&service.LoginError{Reason: "wrong client secret"}, http.StatusUnauthorized, "login_failed"},
		{fmt.Errorf("record login: %w", context.Canceled), statusClientClosed, "client_closed_request"},
		{errors.New("pq: password authentication failed for user secret"), http.StatusInternalServerError, "internal"},
	} {
		p := toProblem(tc.err)
		if p.Status != tc.status || p.Code != tc.code {
			t.Errorf("%v: got %d %s, want %d %s", tc.err, p.Status, p.Code, tc.status, tc.code)
		}
	}
	if p := toProblem(&service.LoginError{Reason: "wrong client secret"}); p.Detail != "login failed" {
		t.Errorf("a failed login tells the caller why: %q", p.Detail)
	}
	if p := toProblem(errors.New("pq: secret detail")); p.Detail == "" || p.Detail == "pq: secret detail" {
		t.Errorf("an internal error leaks its text: %q", p.Detail)
	}
}
