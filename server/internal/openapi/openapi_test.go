package openapi_test

import (
	"bytes"
	"context"
	"net/http"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/idplane/idplane/server/api"
	"github.com/idplane/idplane/server/internal/openapi"
)

func build(t *testing.T) []byte {
	t.Helper()
	doc, err := openapi.Build(api.Routes)
	if err != nil {
		t.Fatalf("Build: %v", err)
	}
	return doc
}

func load(t *testing.T) *openapi3.T {
	t.Helper()
	doc, err := openapi3.NewLoader().LoadFromData(api.OpenAPIDocument)
	if err != nil {
		t.Fatalf("load server/api/openapi.json: %v", err)
	}
	return doc
}

func TestDocumentUpToDate(t *testing.T) {
	if got := build(t); !bytes.Equal(got, api.OpenAPIDocument) {
		t.Fatal("server/api/openapi.json is out of date with api.Routes; run `go generate ./server/api/`")
	}
}

func TestBuildIsDeterministic(t *testing.T) {
	first := build(t)
	for range 5 {
		if !bytes.Equal(build(t), first) {
			t.Fatal("Build returned different documents for the same routes")
		}
	}
	if !bytes.HasSuffix(first, []byte("}\n")) || !bytes.HasPrefix(first, []byte("{\n  \"")) {
		t.Fatal("document is not indented by two spaces and terminated by a newline")
	}
}

func TestDocumentValidates(t *testing.T) {
	doc := load(t)
	if err := doc.Validate(context.Background()); err != nil {
		t.Fatalf("validate: %v", err)
	}
	if doc.OpenAPI != "3.0.3" || doc.Info.Title != "idplane API" || doc.Info.Version != "1" {
		t.Fatalf("openapi %q, info %q %q", doc.OpenAPI, doc.Info.Title, doc.Info.Version)
	}
}

func TestRoutesMatchDocument(t *testing.T) {
	doc := load(t)
	inRoutes := map[string]*api.Route{}
	for _, r := range api.Routes {
		key := r.Method + " " + r.Path
		inRoutes[key] = r
		item := doc.Paths.Value(r.Path)
		if item == nil {
			t.Errorf("%s (%s): path missing from the document", key, r.ID)
			continue
		}
		op := item.GetOperation(r.Method)
		if op == nil {
			t.Errorf("%s (%s): method missing from the document", key, r.ID)
			continue
		}
		checkOperation(t, r, op)
	}
	for path, item := range doc.Paths.Map() {
		for method := range item.Operations() {
			if inRoutes[method+" "+path] == nil {
				t.Errorf("%s %s: in the document but not in api.Routes", method, path)
			}
		}
	}
}

func checkOperation(t *testing.T, r *api.Route, op *openapi3.Operation) {
	t.Helper()
	key := r.Method + " " + r.Path
	if op.OperationID != r.ID {
		t.Errorf("%s: operationId %q, want %q", key, op.OperationID, r.ID)
	}
	if op.Summary != r.Summary || len(op.Tags) != 1 || op.Tags[0] != r.Tag {
		t.Errorf("%s: summary %q tags %v, want %q [%s]", key, op.Summary, op.Tags, r.Summary, r.Tag)
	}
	if secured := op.Security != nil && len(*op.Security) > 0; secured == r.Public {
		t.Errorf("%s: bearer security %v on a route with Public %v", key, secured, r.Public)
	}
	if (op.RequestBody != nil) != (r.Body != nil) {
		t.Errorf("%s: request body %v, route body %T", key, op.RequestBody != nil, r.Body)
	}
	if op.Responses.Status(r.Status) == nil {
		t.Errorf("%s: no %d response", key, r.Status)
	}
	for _, p := range op.Parameters {
		if p.Value.In == openapi3.ParameterInPath && !strings.Contains(r.Path, "{"+p.Value.Name+"}") {
			t.Errorf("%s: path parameter %s is not in the path", key, p.Value.Name)
		}
	}
	if r.Public && op.Responses.Status(http.StatusForbidden) != nil {
		t.Errorf("%s: public route documents 403", key)
	}
	if r.Public && !strings.HasPrefix(r.Path, "/api/v1/auth/") && op.Responses.Status(http.StatusUnauthorized) != nil {
		t.Errorf("%s: public route outside /api/v1/auth/ documents 401", key)
	}
	if r.Method == http.MethodGet && (op.Responses.Status(http.StatusConflict) != nil || op.Responses.Status(http.StatusPreconditionFailed) != nil) {
		t.Errorf("%s: GET documents 409 or 412", key)
	}
}

func TestLoginErrors(t *testing.T) {
	op := load(t).Paths.Find(api.RouteUniversalAuthLogin.Path).Post
	for _, status := range []int{http.StatusBadRequest, http.StatusUnauthorized, http.StatusTooManyRequests} {
		res := op.Responses.Status(status)
		if res == nil || res.Value == nil || res.Value.Content.Get("application/problem+json") == nil {
			t.Errorf("login: no application/problem+json %d response", status)
		}
	}
}

func TestRequestSchemaHasGoFields(t *testing.T) {
	doc := load(t)
	cases := map[string]any{
		"IdentityInput":      api.IdentityInput{},
		"ProjectInput":       api.ProjectInput{},
		"UniversalAuthInput": api.UniversalAuthInput{},
		"Problem":            api.Problem{},
	}
	for name, v := range cases {
		s := doc.Components.Schemas[name]
		if s == nil || s.Value == nil {
			t.Errorf("no component schema %s", name)
			continue
		}
		var got []string
		for p := range s.Value.Properties {
			got = append(got, p)
		}
		sort.Strings(got)
		if want := jsonNames(reflect.TypeOf(v)); !reflect.DeepEqual(got, want) {
			t.Errorf("%s properties %v, want %v", name, got, want)
		}
	}
	in := doc.Components.Schemas["IdentityInput"].Value
	for _, name := range []string{"name", "role", "description", "metadata", "deleteProtection"} {
		if in.Properties[name] == nil {
			t.Errorf("IdentityInput has no property %s", name)
		}
	}
	meta := in.Properties["metadata"].Value
	if !meta.Type.Is("object") || meta.AdditionalProperties.Schema == nil || !meta.AdditionalProperties.Schema.Value.Type.Is("string") {
		t.Errorf("IdentityInput.metadata is not a map of strings: %+v", meta)
	}
	body := doc.Paths.Find(api.RouteCreateIdentity.Path).Post.RequestBody.Value
	if !body.Required || body.Content.Get("application/json").Schema.Ref != "#/components/schemas/IdentityInput" {
		t.Errorf("createIdentity body does not require #/components/schemas/IdentityInput")
	}
	created := doc.Components.Schemas["Identity"].Value.Properties["createdAt"].Value
	if !created.Type.Is("string") || created.Format != "date-time" {
		t.Errorf("Identity.createdAt is %v %q, want a date-time string", created.Type, created.Format)
	}
}

// jsonNames lists the JSON names of t's fields, embedded structs flattened.
func jsonNames(t reflect.Type) []string {
	var out []string
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		switch {
		case name == "-":
		case f.Anonymous && name == "":
			out = append(out, jsonNames(f.Type)...)
		case name != "":
			out = append(out, name)
		}
	}
	sort.Strings(out)
	return out
}
