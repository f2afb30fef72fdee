// Package universalauth manages an identity's universal auth (client ID and
// client secrets) and its client secrets.
package universalauth

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-framework/types/basetypes"

	"github.com/idplane/idplane/provider/internal/tfutil"
	"github.com/idplane/idplane/provider/internal/tokensettings"
	"github.com/idplane/idplane/server/api"
)

type universalAuthModel struct {
	ID         types.String `tfsdk:"id"`
	IdentityID types.String `tfsdk:"identity_id"`
	ClientID   types.String `tfsdk:"client_id"`
	tokensettings.Model
	ClientSecretTrustedIPs types.Set    `tfsdk:"client_secret_trusted_ips"`
	Lockout                types.Object `tfsdk:"lockout"`
	Version                types.Int64  `tfsdk:"version"`
}

type lockoutModel struct {
	Enabled             types.Bool  `tfsdk:"enabled"`
	Threshold           types.Int64 `tfsdk:"threshold"`
	DurationSeconds     types.Int64 `tfsdk:"duration_seconds"`
	CounterResetSeconds types.Int64 `tfsdk:"counter_reset_seconds"`
}

var lockoutAttrTypes = map[string]attr.Type{
	"enabled":               types.BoolType,
	"threshold":             types.Int64Type,
	"duration_seconds":      types.Int64Type,
	"counter_reset_seconds": types.Int64Type,
}

func lockoutValue(l api.Lockout) types.Object {
	return types.ObjectValueMust(lockoutAttrTypes, map[string]attr.Value{
		"enabled":               types.BoolValue(l.Enabled),
		"threshold":             types.Int64Value(int64(l.Threshold)),
		"duration_seconds":      types.Int64Value(int64(l.DurationSeconds)),
		"counter_reset_seconds": types.Int64Value(int64(l.CounterResetSeconds)),
	})
}

// universalAuthFromAPI is the one mapper used by Create, Read, Update and
// import, so state after apply and after refresh cannot differ.
func universalAuthFromAPI(ua *api.UniversalAuth) universalAuthModel {
	return universalAuthModel{
		ID:                     types.StringValue(ua.IdentityID),
		IdentityID:             types.StringValue(ua.IdentityID),
		ClientID:               types.StringValue(ua.ClientID),
		Model:                  tokensettings.FromAPI(ua.TokenSettings),
		ClientSecretTrustedIPs: tfutil.StringSet(ua.ClientSecretTrustedIPs),
		Lockout:                lockoutValue(ua.Lockout),
		Version:                types.Int64Value(ua.Version),
	}
}

// input sends every setting, zeros included, so that PUT replaces all of
// them and an explicit 0 is never mistaken for "not set".
func (m universalAuthModel) input(ctx context.Context, diags *diag.Diagnostics) api.UniversalAuthInput {
	secretIPs := tfutil.Strings(ctx, m.ClientSecretTrustedIPs, diags)
	if secretIPs == nil {
		secretIPs = []string{}
	}
	lockout := lockoutFrom(ctx, m.Lockout, diags)
	return api.UniversalAuthInput{
		TokenSettingsInput:     m.Model.Input(ctx, diags),
		ClientSecretTrustedIPs: &secretIPs,
		Lockout:                &lockout,
	}
}

// lockoutFrom reads a lockout object; null or unknown parts take the
// server's defaults (the schema defaults make that unreachable on apply).
func lockoutFrom(ctx context.Context, v types.Object, diags *diag.Diagnostics) api.Lockout {
	out := api.DefaultLockout()
	if v.IsNull() || v.IsUnknown() {
		return out
	}
	var lm lockoutModel
	diags.Append(v.As(ctx, &lm, basetypes.ObjectAsOptions{})...)
	if !lm.Enabled.IsNull() && !lm.Enabled.IsUnknown() {
		out.Enabled = lm.Enabled.ValueBool()
	}
	setInt(&out.Threshold, lm.Threshold)
	setInt(&out.DurationSeconds, lm.DurationSeconds)
	setInt(&out.CounterResetSeconds, lm.CounterResetSeconds)
	return out
}

func setInt(dst *int, v types.Int64) {
	if !v.IsNull() && !v.IsUnknown() {
		*dst = int(v.ValueInt64())
	}
}
