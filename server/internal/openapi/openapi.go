// Package openapi generates the OpenAPI 3 document of the HTTP API from the
// route table in package api. The result is committed as
// server/api/openapi.json (see `go generate ./server/api/`) and served at
// /api/openapi.json.
package openapi

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"regexp"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/idplane/idplane/server/api"
)

const (
	openAPIVersion = "3.0.3"
	title          = "idplane API"
	version        = "1"

	jsonType    = "application/json"
	formType    = "application/x-www-form-urlencoded"
	problemType = "application/problem+json"

	bearerAuth     = "bearerAuth"
	problemSchema  = "Problem"
	ifMatchParam   = "IfMatch"
	idemKeyParam   = "IdempotencyKey"
	componentsPath = "#/components/"
)

// problemResponse is a shared error response, referenced from operations as
// #/components/responses/<name>.
type problemResponse struct {
	status      int
	name        string
	description string
	headers     map[string]string // header name → description
}

var problemResponses = []problemResponse{
	{http.StatusBadRequest, "BadRequest", "The request is invalid; errors lists each invalid field.", nil},
	{http.StatusUnauthorized, "Unauthorized", "The bearer token or the login credentials are missing or invalid.",
		map[string]string{"WWW-Authenticate": "The authentication scheme to use."}},
	{http.StatusForbidden, "Forbidden", "The caller's roles do not permit this operation.", nil},
	{http.StatusNotFound, "NotFound", "The object does not exist or is not visible to the caller.", nil},
	{http.StatusConflict, "Conflict", "The change conflicts with an existing object or with delete protection.", nil},
	{http.StatusPreconditionFailed, "PreconditionFailed", "If-Match does not name the object's current version.", nil},
	{http.StatusRequestEntityTooLarge, "ContentTooLarge", "The body is over 1 MiB (8 MiB on the secrets API), or a secret value over 1 MiB.", nil},
	{http.StatusUnprocessableEntity, "UnprocessableEntity", "The Idempotency-Key was used before with another request (code idempotency_key_reused).", nil},
	{http.StatusTooManyRequests, "TooManyRequests", "Too many login attempts from this address.",
		map[string]string{"Retry-After": "Seconds to wait before retrying."}},
	{http.StatusServiceUnavailable, "ServiceUnavailable", "The database cannot be reached (code database_unavailable); retry after Retry-After seconds.",
		map[string]string{"Retry-After": "Seconds to wait before retrying."}},
}

var pathParamRE = regexp.MustCompile(`\{([^{}]+)\}`)

// Build returns the OpenAPI document describing routes: deterministic JSON
// indented by two spaces and ending with a newline. The document is loaded
// and validated before it is returned.
func Build(routes []*api.Route) ([]byte, error) {
	doc, err := document(routes)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return nil, fmt.Errorf("encode OpenAPI document: %w", err)
	}
	loaded, err := openapi3.NewLoader().LoadFromData(buf.Bytes())
	if err != nil {
		return nil, fmt.Errorf("load generated OpenAPI document: %w", err)
	}
	if err := loaded.Validate(context.Background()); err != nil {
		return nil, fmt.Errorf("generated OpenAPI document is invalid: %w", err)
	}
	return buf.Bytes(), nil
}

func document(routes []*api.Route) (*openapi3.T, error) {
	g := newSchemas()
	if _, err := g.ref(api.Problem{}); err != nil {
		return nil, err
	}
	doc := &openapi3.T{
		OpenAPI: openAPIVersion,
		Info:    &openapi3.Info{Title: title, Version: version},
		Paths:   openapi3.NewPaths(),
		Components: &openapi3.Components{
			Schemas:         g.components,
			Parameters:      openapi3.ParametersMap{ifMatchParam: {Value: ifMatchParameter()}, idemKeyParam: {Value: idempotencyKeyParameter()}},
			Responses:       errorResponses(),
			SecuritySchemes: openapi3.SecuritySchemes{bearerAuth: {Value: openapi3.NewJWTSecurityScheme()}},
		},
	}
	ids := map[string]bool{}
	tags := map[string]bool{}
	for _, r := range routes {
		if ids[r.ID] {
			return nil, fmt.Errorf("route %s %s: duplicate operationId %q", r.Method, r.Path, r.ID)
		}
		ids[r.ID] = true
		if r.Tag != "" && !tags[r.Tag] {
			tags[r.Tag] = true
			doc.Tags = append(doc.Tags, &openapi3.Tag{Name: r.Tag})
		}
		op, err := operation(g, r)
		if err != nil {
			return nil, fmt.Errorf("route %s %s: %w", r.Method, r.Path, err)
		}
		item := doc.Paths.Value(r.Path)
		if item == nil {
			item = &openapi3.PathItem{}
			doc.Paths.Set(r.Path, item)
		}
		if item.GetOperation(r.Method) != nil {
			return nil, fmt.Errorf("route %s %s: declared twice", r.Method, r.Path)
		}
		item.SetOperation(r.Method, op)
	}
	return doc, nil
}

func operation(g *schemas, r *api.Route) (*openapi3.Operation, error) {
	op := &openapi3.Operation{
		OperationID: r.ID,
		Summary:     r.Summary,
		Responses:   openapi3.NewResponses(),
	}
	if r.Tag != "" {
		op.Tags = []string{r.Tag}
	}
	if !r.Public {
		op.Security = openapi3.NewSecurityRequirements().With(openapi3.NewSecurityRequirement().Authenticate(bearerAuth))
	}
	for _, m := range pathParamRE.FindAllStringSubmatch(r.Path, -1) {
		p := openapi3.NewPathParameter(m[1]).WithSchema(openapi3.NewStringSchema())
		op.Parameters = append(op.Parameters, &openapi3.ParameterRef{Value: p})
	}
	if hasVersion(r.Method) {
		op.Parameters = append(op.Parameters, &openapi3.ParameterRef{Ref: componentsPath + "parameters/" + ifMatchParam})
	}
	if r.Idempotent {
		op.Parameters = append(op.Parameters, &openapi3.ParameterRef{Ref: componentsPath + "parameters/" + idemKeyParam})
	}
	if r.Query != nil {
		qs, err := queryParameters(r.Query)
		if err != nil {
			return nil, err
		}
		op.Parameters = append(op.Parameters, qs...)
	}
	if r.Body != nil {
		ref, err := g.ref(r.Body)
		if err != nil {
			return nil, fmt.Errorf("request body: %w", err)
		}
		types := []string{jsonType}
		if r.Form {
			types = append(types, formType)
		}
		op.RequestBody = &openapi3.RequestBodyRef{Value: openapi3.NewRequestBody().
			WithRequired(true).
			WithContent(openapi3.NewContentWithSchemaRef(ref, types))}
	}
	success, err := successResponse(g, r)
	if err != nil {
		return nil, err
	}
	op.Responses.Set(fmt.Sprint(r.Status), &openapi3.ResponseRef{Value: success})
	for _, e := range problemResponses {
		if errorApplies(r, e.status) {
			op.Responses.Set(fmt.Sprint(e.status), &openapi3.ResponseRef{Ref: componentsPath + "responses/" + e.name})
		}
	}
	return op, nil
}

func successResponse(g *schemas, r *api.Route) (*openapi3.Response, error) {
	res := openapi3.NewResponse().WithDescription(http.StatusText(r.Status))
	switch {
	case r.Raw != "":
		s := openapi3.NewObjectSchema()
		if r.Raw != jsonType {
			s = openapi3.NewStringSchema()
		}
		res.Content = openapi3.NewContentWithSchema(s, []string{r.Raw})
	case r.Response != nil && r.Status != http.StatusNoContent:
		ref, err := g.ref(r.Response)
		if err != nil {
			return nil, fmt.Errorf("response: %w", err)
		}
		res.Content = openapi3.NewContentWithSchemaRef(ref, []string{jsonType})
		if versioned(r.Response) {
			res.Headers = openapi3.Headers{"ETag": {Value: header("The object's version, for If-Match.")}}
		}
	}
	return res, nil
}

// errorApplies reports whether route r can answer with the given error status.
func errorApplies(r *api.Route, status int) bool {
	login := r.Public && r.Method == http.MethodPost && strings.HasPrefix(r.Path, "/api/v1/auth/")
	hasParams := strings.Contains(r.Path, "{")
	switch status {
	case http.StatusBadRequest:
		return r.Body != nil || r.Query != nil || hasVersion(r.Method)
	case http.StatusUnauthorized:
		return !r.Public || login
	case http.StatusForbidden:
		return !r.Public
	case http.StatusNotFound:
		return !r.Public && (hasParams || r.BodyNamesObjects)
	case http.StatusConflict:
		return !r.Public && r.Method != http.MethodGet && !r.ReadOnly
	case http.StatusPreconditionFailed:
		return !r.Public && hasVersion(r.Method)
	case http.StatusRequestEntityTooLarge:
		return r.Body != nil
	case http.StatusUnprocessableEntity:
		return r.Idempotent
	case http.StatusTooManyRequests:
		return login
	case http.StatusServiceUnavailable:
		// Everything but liveness and the raw documents may need the database.
		return r.ID != api.RouteHealthz.ID && r.Raw == ""
	}
	return false
}

// hasVersion reports whether method takes an optional If-Match version.
func hasVersion(method string) bool {
	switch method {
	case http.MethodPut, http.MethodPatch, http.MethodDelete:
		return true
	}
	return false
}

// versioned reports whether v is a struct with an int64 Version, which the
// server also sends as the ETag header.
func versioned(v any) bool {
	t := reflect.TypeOf(v)
	if t.Kind() != reflect.Struct {
		return false
	}
	f, ok := t.FieldByName("Version")
	return ok && f.Type.Kind() == reflect.Int64
}

func ifMatchParameter() *openapi3.Parameter {
	p := openapi3.NewHeaderParameter("If-Match").WithSchema(openapi3.NewStringSchema())
	p.Description = `The version the change expects, as a quoted entity tag such as "3" (the ETag of a read). Omit it or send * to skip the check.`
	return p
}

func idempotencyKeyParameter() *openapi3.Parameter {
	p := openapi3.NewHeaderParameter(api.HeaderIdempotencyKey).
		WithSchema(openapi3.NewStringSchema().WithMinLength(1).WithMaxLength(api.MaxIdempotencyKeyLength))
	p.Description = "A key unique to this create (printable ASCII, e.g. a UUID), the same on every retry of it " +
		"(IETF httpapi draft, Stripe's semantics). The first successful answer is kept for 24 hours per organization " +
		"and key and replayed, with Idempotent-Replayed: true, to a retry with the same key, caller, path and body; " +
		"the same key with another request is a 422 idempotency_key_reused. The answer is committed with the object: " +
		"a retry while the first request runs, or after its server died, runs too, and the one committing second " +
		"rolls back and answers the first answer. Error answers are not kept: a retry runs the request again."
	return p
}

func header(description string) *openapi3.Header {
	return &openapi3.Header{Parameter: openapi3.Parameter{Description: description, Schema: openapi3.NewStringSchema().NewRef()}}
}

func errorResponses() openapi3.ResponseBodies {
	out := openapi3.ResponseBodies{}
	problem := &openapi3.SchemaRef{Ref: componentsPath + "schemas/" + problemSchema}
	for _, e := range problemResponses {
		res := openapi3.NewResponse().
			WithDescription(e.description).
			WithContent(openapi3.NewContentWithSchemaRef(problem, []string{problemType}))
		for name, desc := range e.headers {
			if res.Headers == nil {
				res.Headers = openapi3.Headers{}
			}
			res.Headers[name] = &openapi3.HeaderRef{Value: header(desc)}
		}
		out[e.name] = &openapi3.ResponseRef{Value: res}
	}
	return out
}
