package identity

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

// Read, called directly without Terraform, removes the identity from state
// when the server answers 404.
func TestIdentityReadRemovesResourceOn404(t *testing.T) {
	ctx := context.Background()
	var got []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		got = append(got, req.Method+" "+req.URL.Path)
		w.Header().Set("Content-Type", "application/problem+json")
		w.WriteHeader(http.StatusNotFound)
		_ = json.NewEncoder(w).Encode(api.NewProblem(http.StatusNotFound, api.CodeNotFound, "identity id-1 not found"))
	}))
	defer srv.Close()
	c, err := api.NewClient(srv.URL, api.WithToken("test-token"))
	if err != nil {
		t.Fatal(err)
	}
	r := &identityResource{client: &tfutil.Client{API: c}}
	var sr resource.SchemaResponse
	r.Schema(ctx, resource.SchemaRequest{}, &sr)
	state := tfsdk.State{Schema: sr.Schema, Raw: tftypes.NewValue(sr.Schema.Type().TerraformType(ctx), nil)}
	d := state.Set(ctx, identityModel{ID: types.StringValue("id-1"), Name: types.StringValue("ci"), Role: types.StringValue("member"),
		Description: types.StringValue(""), Metadata: tfutil.StringMap(nil), DeleteProtection: types.BoolValue(false),
		AuthMethods: tfutil.StringSet(nil), Version: types.Int64Value(2)})
	if d.HasError() {
		t.Fatal(d)
	}
	resp := resource.ReadResponse{State: state}
	r.Read(ctx, resource.ReadRequest{State: state}, &resp)
	if resp.Diagnostics.HasError() {
		t.Fatalf("Read: %v", resp.Diagnostics)
	}
	if !resp.State.Raw.IsNull() {
		t.Fatalf("state after a 404 = %v, want removed", resp.State.Raw)
	}
	if len(got) != 1 || got[0] != "GET /api/v1/identities/id-1" {
		t.Fatalf("requests = %v, want one GET /api/v1/identities/id-1", got)
	}
}
