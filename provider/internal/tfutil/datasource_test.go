package tfutil

import (
	"context"
	"net/http"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

// thingDataSource reads a "thing" through the project endpoints of a
// problemServer, configured as the provider configures it.
func thingDataSource(t *testing.T, status int) (d *DataSource[thingModel], requests *[]string) {
	t.Helper()
	client, requests := problemServer(t, status)
	d = &DataSource[thingModel]{
		Suffix: "_thing",
		Noun:   "thing",
		Spec: schema.Schema{Attributes: map[string]schema.Attribute{
			"id":      schema.StringAttribute{Required: true},
			"version": schema.Int64Attribute{Computed: true},
		}},
		Fetch: func(ctx context.Context, c *Client, cfg thingModel, _ *diag.Diagnostics) (thingModel, error) {
			p, err := c.API.GetProject(ctx, cfg.ID.ValueString())
			return Mapped(p, err, thingFromAPI)
		},
	}
	var resp datasource.ConfigureResponse
	d.Configure(context.Background(), datasource.ConfigureRequest{ProviderData: &Client{API: client}}, &resp)
	if resp.Diagnostics.HasError() {
		t.Fatalf("Configure: %v", resp.Diagnostics)
	}
	return d, requests
}

// readThing reads d with the configuration id = "t-1", as the framework
// does: into a null state.
func readThing(t *testing.T, d *DataSource[thingModel]) datasource.ReadResponse {
	t.Helper()
	ctx := context.Background()
	typ := d.Spec.Type().TerraformType(ctx)
	cfg := tfsdk.Config{Schema: d.Spec, Raw: tftypes.NewValue(typ, map[string]tftypes.Value{
		"id":      tftypes.NewValue(tftypes.String, "t-1"),
		"version": tftypes.NewValue(tftypes.Number, nil),
	})}
	resp := datasource.ReadResponse{State: tfsdk.State{Schema: d.Spec, Raw: tftypes.NewValue(typ, nil)}}
	d.Read(ctx, datasource.ReadRequest{Config: cfg}, &resp)
	return resp
}

func TestDataSourceMetadataAppendsSuffix(t *testing.T) {
	d, _ := thingDataSource(t, http.StatusOK)
	var resp datasource.MetadataResponse
	d.Metadata(context.Background(), datasource.MetadataRequest{ProviderTypeName: "idplane"}, &resp)
	if resp.TypeName != "idplane_thing" {
		t.Fatalf("TypeName = %q, want idplane_thing", resp.TypeName)
	}
}

func TestDataSourceSetsStateToFetchedModel(t *testing.T) {
	d, _ := thingDataSource(t, http.StatusOK)
	d.Fetch = func(_ context.Context, _ *Client, cfg thingModel, _ *diag.Diagnostics) (thingModel, error) {
		return thingModel{ID: cfg.ID, Version: types.Int64Value(3)}, nil
	}
	resp := readThing(t, d)
	if resp.Diagnostics.HasError() {
		t.Fatalf("Read: %v", resp.Diagnostics)
	}
	var got thingModel
	if diags := resp.State.Get(context.Background(), &got); diags.HasError() {
		t.Fatal(diags)
	}
	if want := (thingModel{ID: types.StringValue("t-1"), Version: types.Int64Value(3)}); got != want {
		t.Fatalf("state = %v, want %v", got, want)
	}
}

func TestDataSourceReportsErrorsAsReadNoun(t *testing.T) {
	d, requests := thingDataSource(t, http.StatusForbidden)
	resp := readThing(t, d)
	wantOneError(t, resp.Diagnostics, "Could not read thing")
	wantOneError(t, resp.Diagnostics, "answered 403 (HTTP 403")
	wantNullState(t, resp.State)
	wantRequests(t, requests, "GET /api/v1/projects/t-1")
}

func TestDataSourceReportsCouldNotWithItsAction(t *testing.T) {
	d, _ := thingDataSource(t, http.StatusForbidden)
	read := d.Fetch
	d.Fetch = func(ctx context.Context, c *Client, cfg thingModel, diags *diag.Diagnostics) (thingModel, error) {
		m, err := read(ctx, c, cfg, diags)
		return m, CouldNot("list things", err)
	}
	resp := readThing(t, d)
	wantOneError(t, resp.Diagnostics, "Could not list things")
	wantOneError(t, resp.Diagnostics, "answered 403 (HTTP 403")
	wantNullState(t, resp.State)
}

func TestDataSourceLeavesStateAloneAfterFetchDiagnostics(t *testing.T) {
	d, _ := thingDataSource(t, http.StatusOK)
	d.Fetch = func(_ context.Context, _ *Client, cfg thingModel, diags *diag.Diagnostics) (thingModel, error) {
		diags.AddAttributeError(path.Root("id"), "Thing not found", "No thing t-1.")
		return cfg, nil
	}
	resp := readThing(t, d)
	wantOneError(t, resp.Diagnostics, "Thing not found\nNo thing t-1.")
	wantNullState(t, resp.State)
}

// wantNullState checks that Read left the state as the framework gave it.
func wantNullState(t *testing.T, st tfsdk.State) {
	t.Helper()
	if !st.Raw.IsNull() {
		t.Fatalf("state = %v, want null", st.Raw)
	}
}
