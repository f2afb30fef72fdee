package secret

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/idplane/idplane/server/api"
)

// A value_wo never reaches state, so a change outside Terraform cannot be
// seen by comparing values. The provider keeps, in the resource's private
// state (stored with the state, never shown), which server secret and
// version it last wrote (writtenKey) and which one the last refresh found
// (seenKey). They differ when someone wrote the secret since, or deleted
// and created it again: the next plan then updates the secret, and the
// update writes value_wo again.
const (
	writtenKey = "written"
	seenKey    = "seen"
)

// mark is a secret's identity and version, as kept in private state.
type mark struct {
	ID      string `json:"id"`
	Version int64  `json:"version"`
}

// privateData is the part of the framework's private state the resource uses.
type privateData interface {
	GetKey(ctx context.Context, key string) ([]byte, diag.Diagnostics)
	SetKey(ctx context.Context, key string, value []byte) diag.Diagnostics
}

// remember stores s's identity and version under key; a write is also
// what the next refresh will see.
func remember(ctx context.Context, p privateData, key string, s *api.Secret) diag.Diagnostics {
	raw, err := json.Marshal(mark{ID: s.ID, Version: s.Version})
	if err != nil {
		var d diag.Diagnostics
		d.AddError("Could not keep the secret's version", err.Error())
		return d
	}
	d := p.SetKey(ctx, key, raw)
	if key == writtenKey {
		d.Append(p.SetKey(ctx, seenKey, raw)...)
	}
	return d
}

func recall(ctx context.Context, p privateData, key string) (mark, bool) {
	raw, d := p.GetKey(ctx, key)
	var m mark
	if d.HasError() || len(raw) == 0 || json.Unmarshal(raw, &m) != nil || m.ID == "" {
		return m, false
	}
	return m, true
}

// changedOutside says how the secret changed since the provider last
// wrote it, or "" when it did not (or the provider never wrote it, as
// after import: the configuration's version then differs from state's
// anyway).
func changedOutside(ctx context.Context, p privateData, state model) string {
	written, ok := recall(ctx, p, writtenKey)
	if !ok {
		return ""
	}
	seen, ok := recall(ctx, p, seenKey)
	switch {
	case !ok || seen == written:
		return ""
	case seen.ID != written.ID:
		return fmt.Sprintf("secret %s was deleted and created again outside Terraform (now version %d)", state.Key.ValueString(), seen.Version)
	default:
		return fmt.Sprintf("secret %s is at version %d on the server, but Terraform last wrote version %d", state.Key.ValueString(), seen.Version, written.Version)
	}
}

// ModifyPlan plans an update of a write-only secret changed outside
// Terraform, and says why: nothing else in the plan would differ.
func (r *secretResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.State.Raw.IsNull() || req.Plan.Raw.IsNull() {
		return
	}
	var state, plan model
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() || !plan.writeOnly() {
		return
	}
	why := changedOutside(ctx, req.Private, state)
	if why == "" {
		return
	}
	tflog.Info(ctx, "write-only secret changed outside Terraform; planning to write value_wo again", map[string]any{"reason": why})
	resp.Diagnostics.Append(resp.Plan.SetAttribute(ctx, path.Root("version"), types.Int64Unknown())...)
	resp.Diagnostics.AddAttributeWarning(path.Root("value_wo"), "Secret changed outside Terraform",
		fmt.Sprintf("The %s, so this apply writes value_wo again (Terraform cannot compare a write-only value).", why))
}
