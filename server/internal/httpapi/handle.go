package httpapi

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"reflect"

	"github.com/labstack/echo/v4"

	"github.com/idplane/idplane/server/api"
	"github.com/idplane/idplane/server/internal/service"
	"github.com/idplane/idplane/server/internal/store"
)

// Ctx is what every handler gets: the Echo context, where the request came
// from and, on authenticated routes, the caller.
type Ctx struct {
	echo.Context
	Meta   service.Meta
	Caller *service.Caller
}

// IfMatch returns the version the client expects, 0 when it sent none.
func (c *Ctx) IfMatch() (int64, error) {
	h := c.Request().Header.Get("If-Match")
	if h == "" || h == "*" {
		return 0, nil
	}
	v, err := api.ParseETag(h)
	if err != nil {
		return 0, (&api.FieldErrors{{Field: "If-Match", Message: err.Error()}}).Err()
	}
	return v, nil
}

// None is the request or response type of routes without a body.
type None struct{}

type validator interface{ Validate(*api.FieldErrors) }

// handle registers fn for route r. It refuses (panics at start-up) when the
// handler's types differ from the route table's, so the OpenAPI document
// generated from the table always describes what is served.
func handle[Req, Res any](s *Server, r *api.Route, fn func(c *Ctx, in *Req) (*Res, error)) {
	checkType(r, "request", r.Body, reflect.TypeFor[Req]())
	checkType(r, "response", r.Response, reflect.TypeFor[Res]())
	s.registered[r.ID] = true
	// Objects with a version answer with it as ETag; found once, not per request.
	version, versioned := reflect.TypeFor[Res]().FieldByName("Version")
	versioned = versioned && version.Type.Kind() == reflect.Int64
	// A write may change what authorization reads, unless the route table
	// says it cannot: once it is done (committed or not) and before its
	// answer goes out, this replica forgets what it cached, so that the
	// caller's next request sees the change.
	writes := !r.Public && !r.ReadOnly && r.Method != http.MethodGet
	if r.KeepsAuthorization && !writes {
		panic(fmt.Sprintf("route %s: KeepsAuthorization on a route that does not write", r.ID))
	}
	done := func() {}
	switch {
	case writes && r.KeepsAuthorization:
		done = s.svc.SecretsMayHaveChanged
	case writes:
		done = func() { s.authorizationMayHaveChanged(r) }
	}
	h := func(ec echo.Context) error {
		c := &Ctx{Context: ec, Meta: s.meta(ec)}
		render := func(out *Res) error {
			if r.Response == nil {
				return ec.NoContent(r.Status)
			}
			if versioned {
				ec.Response().Header().Set("ETag", api.ETag(reflect.ValueOf(out).Elem().FieldByIndex(version.Index).Int()))
			}
			return ec.JSON(r.Status, out)
		}
		if !r.Public {
			caller, err := s.authenticate(c)
			if err != nil {
				return err
			}
			c.Caller = caller
		}
		var idem *idempotentCreate
		if r.Idempotent {
			var err error
			if idem, err = s.idempotentRequest(c); err != nil {
				return err
			}
		}
		in := new(Req)
		if r.Body != nil {
			decode := decodeBody
			if r.Form && isForm(ec.Request()) {
				decode = decodeForm
			}
			if err := decode(ec.Request(), in, !r.Public); err != nil {
				return err
			}
			if v, ok := any(in).(validator); ok {
				var errs api.FieldErrors
				v.Validate(&errs)
				if err := errs.Err(); err != nil {
					return err
				}
			}
		}
		if idem == nil {
			out, err := func() (*Res, error) {
				defer done() // even if fn panics after its commit
				return fn(c, in)
			}()
			if err != nil {
				return err
			}
			return render(out)
		}
		replay, err := idem.stored(ec.Request().Context())
		if err != nil {
			return err
		}
		if replay == nil {
			ctx, held := s.svc.HoldCommit(ec.Request().Context())
			defer held.Rollback()
			c.SetRequest(ec.Request().WithContext(ctx))
			out, err := fn(c, in)
			if err == nil {
				err = idem.commit(ctx, held, r.Status, out)
			}
			done()
			if err == nil {
				if hook := testHookAfterCommit.Load(); hook != nil {
					(*hook)()
				}
				return render(out)
			}
			held.Rollback()
			// A lookup that fails leaves the request's own error, most
			// likely the same outage, to answer.
			won, lookupErr := idem.failed(ctx)
			switch {
			case errors.Is(lookupErr, store.ErrIdempotencyKeyReused):
				return lookupErr
			case won == nil:
				return err
			}
			replay = won
		}
		out := new(Res)
		if err := json.Unmarshal(replay, out); err != nil {
			return fmt.Errorf("replay idempotent answer: %w", err)
		}
		ec.Response().Header().Set(api.HeaderIdempotentReplayed, "true")
		return render(out)
	}
	s.echo.Add(r.Method, r.EchoPath(), h).Name = r.ID
}

// authorizationMayHaveChanged makes this replica forget what it cached for
// authorization after a write of route r, and counts it.
func (s *Server) authorizationMayHaveChanged(r *api.Route) {
	s.svc.AuthorizationMayHaveChanged()
	if s.metrics != nil {
		s.metrics.authzInvalidations.WithLabelValues(r.ID).Inc()
	}
}

// Registrar is how an auth method package registers its routes: through
// Handle, the same generic wrapper as every other route.
type Registrar struct{ s *Server }

// AuthMethodRoutes registers the routes of every auth method (authmethod.Registry).
type AuthMethodRoutes interface{ Routes(r *Registrar) }

// Core is the core service API the method's handlers call.
func (r *Registrar) Core() *service.Core { return r.s.svc.Core() }

// Handle registers fn for route rt like every other route: authentication,
// decoding, validation and rendering are the wrapper's, and the handler's
// types must match the route table's.
func Handle[Req, Res any](r *Registrar, rt *api.Route, fn func(c *Ctx, in *Req) (*Res, error)) {
	handle(r.s, rt, fn)
}

func checkType(r *api.Route, what string, want any, got reflect.Type) {
	w := reflect.TypeFor[None]()
	if want != nil {
		w = reflect.TypeOf(want)
	}
	if w != got {
		panic(fmt.Sprintf("route %s: handler %s type %s, route table says %s", r.ID, what, got, w))
	}
}
