package tfutil

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/idplane/idplane/server/api"
)

type thingModel struct {
	ID      types.String `tfsdk:"id"`
	Version types.Int64  `tfsdk:"version"`
}

// problemServer is a client of a server that answers every request with
// status; requests records what it was asked.
func problemServer(t *testing.T, status int) (client *api.Client, requests *[]string) {
	t.Helper()
	requests = new([]string)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		*requests = append(*requests, req.Method+" "+req.URL.Path)
		w.Header().Set("Content-Type", "application/problem+json")
		w.WriteHeader(status)
		_ = json.NewEncoder(w).Encode(api.NewProblem(status, "test", "answered %d", status))
	}))
	t.Cleanup(srv.Close)
	client, err := api.NewClient(srv.URL, api.WithToken("test-token"))
	if err != nil {
		t.Fatal(err)
	}
	return client, requests
}

func thingFromAPI(p *api.Project) thingModel {
	return thingModel{ID: types.StringValue(p.ID), Version: types.Int64Value(p.Version)}
}

// thingCRUD manages a "thing" through the project endpoints of a
// problemServer.
func thingCRUD(t *testing.T, status int) (c CRUD[thingModel], requests *[]string) {
	t.Helper()
	client, requests := problemServer(t, status)
	return CRUD[thingModel]{
		Noun: "thing",
		Read: func(ctx context.Context, state thingModel, _ *diag.Diagnostics) (thingModel, error) {
			p, err := client.GetProject(ctx, state.ID.ValueString())
			return Mapped(p, err, thingFromAPI)
		},
		Delete: func(ctx context.Context, state thingModel, _ *diag.Diagnostics) error {
			return client.DeleteProject(ctx, state.ID.ValueString(), Version(state.Version))
		},
	}, requests
}

// thingState is a state holding thing t-1 at version 2.
func thingState(t *testing.T) tfsdk.State {
	t.Helper()
	ctx := context.Background()
	s := schema.Schema{Attributes: map[string]schema.Attribute{
		"id":      schema.StringAttribute{Computed: true},
		"version": VersionAttribute(),
	}}
	st := tfsdk.State{Schema: s, Raw: tftypes.NewValue(s.Type().TerraformType(ctx), nil)}
	if d := st.Set(ctx, thingModel{ID: types.StringValue("t-1"), Version: types.Int64Value(2)}); d.HasError() {
		t.Fatal(d)
	}
	return st
}

func TestDoReadRemovesResourceOn404(t *testing.T) {
	c, requests := thingCRUD(t, http.StatusNotFound)
	st := thingState(t)
	resp := resource.ReadResponse{State: st}
	c.DoRead(context.Background(), resource.ReadRequest{State: st}, &resp)
	if resp.Diagnostics.HasError() {
		t.Fatalf("Read: %v", resp.Diagnostics)
	}
	if !resp.State.Raw.IsNull() {
		t.Fatalf("state after a 404 = %v, want removed", resp.State.Raw)
	}
	wantRequests(t, requests, "GET /api/v1/projects/t-1")
}

func TestDoReadRemovesResourceThatIsGone(t *testing.T) {
	c, _ := thingCRUD(t, http.StatusOK)
	c.Read = func(context.Context, thingModel, *diag.Diagnostics) (thingModel, error) {
		return thingModel{}, fmt.Errorf("thing t-1 expired: %w", ErrGone)
	}
	st := thingState(t)
	resp := resource.ReadResponse{State: st}
	c.DoRead(context.Background(), resource.ReadRequest{State: st}, &resp)
	if resp.Diagnostics.HasError() || !resp.State.Raw.IsNull() {
		t.Fatalf("diagnostics %v, state %v; want none and removed", resp.Diagnostics, resp.State.Raw)
	}
}

func TestDoReadKeepsStateOnOtherErrors(t *testing.T) {
	c, _ := thingCRUD(t, http.StatusForbidden)
	st := thingState(t)
	resp := resource.ReadResponse{State: st}
	c.DoRead(context.Background(), resource.ReadRequest{State: st}, &resp)
	wantOneError(t, resp.Diagnostics, "Could not read thing")
	if resp.State.Raw.IsNull() {
		t.Fatal("state removed after a 403; only a 404 may remove it")
	}
}

func TestDoDeleteTreats404AsSuccess(t *testing.T) {
	c, requests := thingCRUD(t, http.StatusNotFound)
	st := thingState(t)
	resp := resource.DeleteResponse{State: st}
	c.DoDelete(context.Background(), resource.DeleteRequest{State: st}, &resp)
	if resp.Diagnostics.HasError() {
		t.Fatalf("Delete after a 404: %v, want success", resp.Diagnostics)
	}
	wantRequests(t, requests, "DELETE /api/v1/projects/t-1")
}

func TestDoDeleteReportsOtherErrors(t *testing.T) {
	c, _ := thingCRUD(t, http.StatusConflict)
	c.DeleteVerb = "revoke"
	st := thingState(t)
	resp := resource.DeleteResponse{State: st}
	c.DoDelete(context.Background(), resource.DeleteRequest{State: st}, &resp)
	wantOneError(t, resp.Diagnostics, "Could not revoke thing")
}

func TestDoUpdateWithoutUpdateIsAProviderBug(t *testing.T) {
	c, requests := thingCRUD(t, http.StatusOK)
	st := thingState(t)
	resp := resource.UpdateResponse{State: st}
	c.DoUpdate(context.Background(), resource.UpdateRequest{State: st}, &resp)
	wantOneError(t, resp.Diagnostics, "bug in the provider")
	if len(*requests) != 0 {
		t.Fatalf("requests = %v, want none", *requests)
	}
}

// wantRequests checks what the server was asked, in order.
func wantRequests(t *testing.T, requests *[]string, want string) {
	t.Helper()
	if got := strings.Join(*requests, ", "); got != want {
		t.Fatalf("requests = %s, want %s", got, want)
	}
}

func wantOneError(t *testing.T, diags diag.Diagnostics, want string) {
	t.Helper()
	if len(diags) != 1 || !diags.HasError() {
		t.Fatalf("diagnostics = %v, want exactly one error", diags)
	}
	if text := diags[0].Summary() + "\n" + diags[0].Detail(); !strings.Contains(text, want) {
		t.Fatalf("diagnostic lacks %q:\n%s", want, text)
	}
}
