package project

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/idplane/idplane/provider/internal/tfutil"
	"github.com/idplane/idplane/server/api"
)

// readEnvironment calls Read directly, without Terraform, against a server
// that answers with routes.
func readEnvironment(t *testing.T, routes map[string]http.HandlerFunc, state environmentModel) resource.ReadResponse {
	t.Helper()
	ctx := context.Background()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		h, ok := routes[req.Method+" "+req.URL.Path]
		if !ok {
			t.Errorf("unexpected request %s %s", req.Method, req.URL.Path)
			h = notFound
		}
		h(w, req)
	}))
	t.Cleanup(srv.Close)
	c, err := api.NewClient(srv.URL, api.WithToken("test-token"))
	if err != nil {
		t.Fatal(err)
	}
	r := &environmentResource{client: &tfutil.Client{API: c}}
	var sr resource.SchemaResponse
	r.Schema(ctx, resource.SchemaRequest{}, &sr)
	st := tfsdk.State{Schema: sr.Schema, Raw: tftypes.NewValue(sr.Schema.Type().TerraformType(ctx), nil)}
	if d := st.Set(ctx, state); d.HasError() {
		t.Fatal(d)
	}
	resp := resource.ReadResponse{State: st}
	r.Read(ctx, resource.ReadRequest{State: st}, &resp)
	if resp.Diagnostics.HasError() {
		t.Fatalf("Read: %v", resp.Diagnostics)
	}
	return resp
}

func notFound(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(http.StatusNotFound)
	_ = json.NewEncoder(w).Encode(api.NewProblem(http.StatusNotFound, api.CodeNotFound, "not found"))
}

func jsonBody(v any) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(v)
	}
}

var stateEnv = environmentModel{ID: types.StringValue("env-1"), ProjectID: types.StringValue("p1"), Name: types.StringValue("Prod"),
	Slug: types.StringValue("prod"), Position: types.Int64Value(0), Version: types.Int64Value(3)}

func TestEnvironmentReadRemovesResourceOn404(t *testing.T) {
	resp := readEnvironment(t, map[string]http.HandlerFunc{
		"GET /api/v1/projects/p1/environments/prod": notFound,
		"GET /api/v1/projects/p1/environments":      notFound,
	}, stateEnv)
	if !resp.State.Raw.IsNull() {
		t.Fatalf("state after a 404 = %v, want removed", resp.State.Raw)
	}
}

func TestEnvironmentReadRemovesResourceWhenIDIsGone(t *testing.T) {
	resp := readEnvironment(t, map[string]http.HandlerFunc{
		// The slug now belongs to another environment, and ours is not listed.
		"GET /api/v1/projects/p1/environments/prod": jsonBody(api.Environment{ID: "env-2", ProjectID: "p1", Name: "Other", Slug: "prod", Version: 1}),
		"GET /api/v1/projects/p1/environments": jsonBody(api.EnvironmentList{Environments: []api.Environment{
			{ID: "env-2", ProjectID: "p1", Name: "Other", Slug: "prod", Version: 1}}}),
	}, stateEnv)
	if !resp.State.Raw.IsNull() {
		t.Fatalf("state = %v, want removed", resp.State.Raw)
	}
}

func TestEnvironmentReadFollowsSlugChange(t *testing.T) {
	resp := readEnvironment(t, map[string]http.HandlerFunc{
		"GET /api/v1/projects/p1/environments/prod": notFound,
		"GET /api/v1/projects/p1/environments": jsonBody(api.EnvironmentList{Environments: []api.Environment{
			{ID: "env-0", ProjectID: "p1", Name: "Dev", Slug: "dev", Version: 1},
			{ID: "env-1", ProjectID: "p1", Name: "Renamed", Slug: "renamed", Position: 2, Version: 4}}}),
	}, stateEnv)
	var got environmentModel
	if d := resp.State.Get(context.Background(), &got); d.HasError() {
		t.Fatal(d)
	}
	want := environmentModel{ID: types.StringValue("env-1"), ProjectID: types.StringValue("p1"), Name: types.StringValue("Renamed"),
		Slug: types.StringValue("renamed"), Position: types.Int64Value(2), Version: types.Int64Value(4)}
	if got != want {
		t.Fatalf("state = %+v, want %+v", got, want)
	}
}
