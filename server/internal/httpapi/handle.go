package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/idplane/idplane/server/api"
	"github.com/idplane/idplane/server/internal/service"
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
	h := func(ec echo.Context) error {
		c := &Ctx{Context: ec, Meta: s.meta(ec)}
		if !r.Public {
			caller, err := s.authenticate(c)
			if err != nil {
				return err
			}
			c.Caller = caller
		}
		in := new(Req)
		if r.Body != nil {
			if err := decodeBody(ec.Request(), in, !r.Public); err != nil {
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
		out, err := fn(c, in)
		if err != nil {
			return err
		}
		if r.Response == nil {
			return ec.NoContent(r.Status)
		}
		if v := reflect.ValueOf(out).Elem().FieldByName("Version"); v.IsValid() && v.Kind() == reflect.Int64 {
			ec.Response().Header().Set("ETag", api.ETag(v.Int()))
		}
		return ec.JSON(r.Status, out)
	}
	s.echo.Add(r.Method, r.EchoPath(), h).Name = r.ID
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

// decodeBody reads JSON into v. Management routes reject unknown fields so a
// typo never silently does nothing; login routes accept them, as Infisical's
// clients may send more than we read.
func decodeBody(r *http.Request, v any, strict bool) error {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return api.NewProblem(http.StatusBadRequest, api.CodeValidation, "request body could not be read")
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return (&api.FieldErrors{{Field: "body", Message: "a JSON object is required"}}).Err()
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	if strict {
		dec.DisallowUnknownFields()
	}
	if err := dec.Decode(v); err != nil {
		return jsonError(err, reflect.TypeOf(v))
	}
	if dec.More() {
		return (&api.FieldErrors{{Field: "body", Message: "must hold exactly one JSON object"}}).Err()
	}
	return nil
}

func jsonError(err error, into reflect.Type) error {
	var (
		typeErr   *json.UnmarshalTypeError
		syntaxErr *json.SyntaxError
	)
	switch {
	case errors.As(err, &typeErr):
		field := wireField(into, typeErr.Field)
		if field == "" {
			field = "body"
		}
		return (&api.FieldErrors{{Field: field, Message: fmt.Sprintf("must be a JSON %s, got %s", jsonKind(typeErr.Type), typeErr.Value)}}).Err()
	case errors.As(err, &syntaxErr):
		return (&api.FieldErrors{{Field: "body", Message: fmt.Sprintf("invalid JSON at byte %d", syntaxErr.Offset)}}).Err()
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		if name == "" {
			return (&api.FieldErrors{{Field: "body", Message: "has a field with an empty name"}}).Err()
		}
		return (&api.FieldErrors{{Field: name, Message: "is not a field of this request"}}).Err()
	case errors.As(err, new(*time.ParseError)):
		return (&api.FieldErrors{{Field: "body", Message: "times must be RFC 3339, e.g. 2026-01-02T15:04:05Z"}}).Err()
	default:
		return (&api.FieldErrors{{Field: "body", Message: "invalid JSON: " + err.Error()}}).Err()
	}
}

// wireField turns the Go path of a decoding error, which names embedded
// structs ("TokenSettingsInput.accessTokenTTL"), into the JSON path the
// client sent ("accessTokenTTL").
func wireField(t reflect.Type, goPath string) string {
	if goPath == "" {
		return ""
	}
	var out []string
	for _, seg := range strings.Split(goPath, ".") {
		for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice || t.Kind() == reflect.Array || t.Kind() == reflect.Map {
			t = t.Elem()
		}
		if t.Kind() == reflect.Struct {
			if f, ok := t.FieldByName(seg); ok && f.Anonymous {
				t = f.Type
				continue
			}
			for _, f := range reflect.VisibleFields(t) {
				if name, _, _ := strings.Cut(f.Tag.Get("json"), ","); name == seg {
					t = f.Type
					break
				}
			}
		}
		out = append(out, seg)
	}
	return strings.Join(out, ".")
}

func jsonKind(t reflect.Type) string {
	switch t.Kind() {
	case reflect.String:
		return "string"
	case reflect.Bool:
		return "boolean"
	case reflect.Int, reflect.Int64, reflect.Int32, reflect.Float64:
		return "number"
	case reflect.Slice:
		return "array"
	case reflect.Map, reflect.Struct:
		return "object"
	}
	return t.String()
}
