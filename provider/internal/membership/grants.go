package membership

import (
	"context"
	"fmt"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-framework/types/basetypes"

	"github.com/idplane/idplane/server/api"
)

// A role grant is an object in the set `roles`:
// {role_slug, temporary_access = {start_time, duration}}.

var (
	temporaryType = types.ObjectType{AttrTypes: map[string]attr.Type{
		"start_time": types.StringType,
		"duration":   types.StringType,
	}}
	grantType = types.ObjectType{AttrTypes: map[string]attr.Type{
		"role_slug":        types.StringType,
		"temporary_access": temporaryType,
	}}
)

// maxTemporary is the longest temporary grant (one year).
const maxTemporary = time.Duration(api.MaxTemporaryAccessSeconds) * time.Second

type grantModel struct {
	RoleSlug        types.String `tfsdk:"role_slug"`
	TemporaryAccess types.Object `tfsdk:"temporary_access"`
}

type temporaryModel struct {
	StartTime types.String `tfsdk:"start_time"`
	Duration  types.String `tfsdk:"duration"`
}

// grantFromValue converts one element of `roles`; ok is false when part of
// it is unknown or does not parse (the attribute validators report that).
func grantFromValue(ctx context.Context, v attr.Value) (g api.MembershipRole, ok bool, diags diag.Diagnostics) {
	obj, isObject := v.(types.Object)
	if !isObject || obj.IsNull() || obj.IsUnknown() {
		return g, false, nil
	}
	var m grantModel
	diags.Append(obj.As(ctx, &m, basetypes.ObjectAsOptions{})...)
	if diags.HasError() || m.RoleSlug.IsUnknown() || m.TemporaryAccess.IsUnknown() {
		return g, false, diags
	}
	g.RoleSlug = m.RoleSlug.ValueString()
	if m.TemporaryAccess.IsNull() {
		return g, true, diags
	}
	var t temporaryModel
	diags.Append(m.TemporaryAccess.As(ctx, &t, basetypes.ObjectAsOptions{})...)
	if diags.HasError() || t.StartTime.IsUnknown() || t.Duration.IsUnknown() {
		return g, false, diags
	}
	start, err := time.Parse(time.RFC3339, t.StartTime.ValueString())
	if err != nil {
		return g, false, diags
	}
	d, err := time.ParseDuration(t.Duration.ValueString())
	if err != nil {
		return g, false, diags
	}
	g.TemporaryAccess = &api.TemporaryAccess{StartTime: start, DurationSeconds: int(d / time.Second)}
	return g, true, diags
}

// grantsFromSet converts `roles` for a request; every value is known and
// valid at apply time.
func grantsFromSet(ctx context.Context, s types.Set, diags *diag.Diagnostics) []api.MembershipRole {
	out := make([]api.MembershipRole, 0, len(s.Elements()))
	for _, e := range s.Elements() {
		g, ok, d := grantFromValue(ctx, e)
		diags.Append(d...)
		if !ok {
			diags.AddError("Unknown role grant", "a role grant is not known or not valid at apply time; this is a bug in the provider")
			return nil
		}
		out = append(out, g)
	}
	return out
}

// formatDuration spells whole seconds in the largest unit that divides
// them: "24h", "90m", "45s".
func formatDuration(secs int) string {
	switch {
	case secs%3600 == 0:
		return fmt.Sprintf("%dh", secs/3600)
	case secs%60 == 0:
		return fmt.Sprintf("%dm", secs/60)
	}
	return fmt.Sprintf("%ds", secs)
}

// grantValue is the canonical form of a grant: start time in UTC.
func grantValue(g api.MembershipRole) attr.Value {
	temporary := types.ObjectNull(temporaryType.AttrTypes)
	if t := g.TemporaryAccess; t != nil {
		temporary = types.ObjectValueMust(temporaryType.AttrTypes, map[string]attr.Value{
			"start_time": types.StringValue(t.StartTime.UTC().Format(time.RFC3339Nano)),
			"duration":   types.StringValue(formatDuration(t.DurationSeconds)),
		})
	}
	return types.ObjectValueMust(grantType.AttrTypes, map[string]attr.Value{
		"role_slug":        types.StringValue(g.RoleSlug),
		"temporary_access": temporary,
	})
}

// sameGrant compares instants and lengths, not spellings.
func sameGrant(a, b api.MembershipRole) bool {
	if a.RoleSlug != b.RoleSlug || (a.TemporaryAccess == nil) != (b.TemporaryAccess == nil) {
		return false
	}
	ta, tb := a.TemporaryAccess, b.TemporaryAccess
	return ta == nil || (ta.StartTime.Equal(tb.StartTime) && ta.DurationSeconds == tb.DurationSeconds)
}

// grantsToSet converts the server's grants to `roles`. A grant equal to an
// element of prior (the plan, or the state on refresh) keeps that
// element's spelling — "2030-01-01T02:00:00+02:00" for the server's
// "2030-01-01T00:00:00Z", "60m" for its 3600 seconds — so neither apply nor
// refresh produces a diff. Other grants take the canonical form.
func grantsToSet(ctx context.Context, grants []api.MembershipRole, prior types.Set, diags *diag.Diagnostics) types.Set {
	var priorElems []attr.Value
	if !prior.IsNull() && !prior.IsUnknown() {
		priorElems = prior.Elements()
	}
	used := make([]bool, len(priorElems))
	out := make([]attr.Value, 0, len(grants))
next:
	for _, g := range grants {
		for i, e := range priorElems {
			if used[i] {
				continue
			}
			pg, ok, d := grantFromValue(ctx, e)
			diags.Append(d...)
			if ok && sameGrant(pg, g) {
				used[i] = true
				out = append(out, e)
				continue next
			}
		}
		v := grantValue(g)
		for _, o := range out {
			if o.Equal(v) {
				continue next
			}
		}
		out = append(out, v)
	}
	return types.SetValueMust(grantType, out)
}

// wholeSeconds rejects durations the server, which keeps seconds, would
// round.
type wholeSeconds struct{}

func (wholeSeconds) Description(context.Context) string { return "a whole number of seconds" }

func (wholeSeconds) MarkdownDescription(context.Context) string { return "a whole number of seconds" }

func (wholeSeconds) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	d, err := time.ParseDuration(req.ConfigValue.ValueString())
	if err == nil && d%time.Second != 0 {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid value",
			fmt.Sprintf("%s: %q is not a whole number of seconds; the server keeps durations in seconds", req.Path, req.ConfigValue.ValueString()))
	}
}
