package role

import (
	"context"
	"fmt"
	"reflect"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-framework/types/basetypes"

	"github.com/idplane/idplane/provider/internal/tfutil"
	"github.com/idplane/idplane/server/api"
)

// A permission rule is an object in the set `permissions`:
// {subject, actions, inverted, conditions = {environments, secret_paths}}.

var (
	stringSetType  = types.SetType{ElemType: types.StringType}
	conditionsType = types.ObjectType{AttrTypes: map[string]attr.Type{
		"environments": stringSetType,
		"secret_paths": stringSetType,
	}}
	ruleType = types.ObjectType{AttrTypes: map[string]attr.Type{
		"subject":    types.StringType,
		"actions":    stringSetType,
		"inverted":   types.BoolType,
		"conditions": conditionsType,
	}}
)

type ruleModel struct {
	Subject    types.String `tfsdk:"subject"`
	Actions    types.Set    `tfsdk:"actions"`
	Inverted   types.Bool   `tfsdk:"inverted"`
	Conditions types.Object `tfsdk:"conditions"`
}

type conditionsModel struct {
	Environments types.Set `tfsdk:"environments"`
	SecretPaths  types.Set `tfsdk:"secret_paths"`
}

// knownStrings returns the strings of a set; ok is false when the set or
// one of its elements is not known yet. Null yields nil.
func knownStrings(s types.Set) (out []string, ok bool) {
	if s.IsUnknown() {
		return nil, false
	}
	for _, e := range s.Elements() {
		v, isString := e.(types.String)
		if !isString || v.IsUnknown() {
			return nil, false
		}
		out = append(out, v.ValueString())
	}
	return out, true
}

// ruleFromValue converts one element of `permissions` to an API rule; ok is
// false when part of it is not known yet (plan time, values from other
// resources), in which case it cannot be checked or compared.
func ruleFromValue(ctx context.Context, v attr.Value) (r api.PermissionRule, ok bool, diags diag.Diagnostics) {
	obj, isObject := v.(types.Object)
	if !isObject || obj.IsNull() || obj.IsUnknown() {
		return r, false, nil
	}
	var m ruleModel
	diags.Append(obj.As(ctx, &m, basetypes.ObjectAsOptions{})...)
	if diags.HasError() || m.Subject.IsUnknown() || m.Inverted.IsUnknown() || m.Conditions.IsUnknown() {
		return r, false, diags
	}
	r.Subject, r.Inverted = m.Subject.ValueString(), m.Inverted.ValueBool()
	if r.Actions, ok = knownStrings(m.Actions); !ok {
		return r, false, diags
	}
	if m.Conditions.IsNull() {
		return r, true, diags
	}
	var c conditionsModel
	diags.Append(m.Conditions.As(ctx, &c, basetypes.ObjectAsOptions{})...)
	if diags.HasError() {
		return r, false, diags
	}
	r.Conditions = &api.PermissionConditions{}
	envs, envsOK := knownStrings(c.Environments)
	paths, pathsOK := knownStrings(c.SecretPaths)
	r.Conditions.Environments, r.Conditions.SecretPaths = envs, paths
	return r, envsOK && pathsOK, diags
}

// rulesFromSet converts `permissions` for a request; every value is known
// at apply time.
func rulesFromSet(ctx context.Context, s types.Set, diags *diag.Diagnostics) []api.PermissionRule {
	out := make([]api.PermissionRule, 0, len(s.Elements()))
	for _, e := range s.Elements() {
		r, ok, d := ruleFromValue(ctx, e)
		diags.Append(d...)
		if !ok {
			diags.AddError("Unknown permission rule", "a permission rule is not known at apply time; this is a bug in the provider")
			return nil
		}
		out = append(out, r)
	}
	return out
}

// optionalSet is a set of strings, or null when there are none.
func optionalSet(in []string) types.Set {
	if len(in) == 0 {
		return types.SetNull(types.StringType)
	}
	return tfutil.StringSet(in)
}

// ruleValue is the canonical form of a rule as the server returns it:
// conditions null when empty, each condition list null when empty.
func ruleValue(r api.PermissionRule) attr.Value {
	conditions := types.ObjectNull(conditionsType.AttrTypes)
	if !r.Conditions.IsEmpty() {
		conditions = types.ObjectValueMust(conditionsType.AttrTypes, map[string]attr.Value{
			"environments": optionalSet(r.Conditions.Environments),
			"secret_paths": optionalSet(r.Conditions.SecretPaths),
		})
	}
	return types.ObjectValueMust(ruleType.AttrTypes, map[string]attr.Value{
		"subject":    types.StringValue(r.Subject),
		"actions":    tfutil.StringSet(r.Actions),
		"inverted":   types.BoolValue(r.Inverted),
		"conditions": conditions,
	})
}

func sameRule(a, b api.PermissionRule) bool {
	return reflect.DeepEqual(api.NormalizeRules([]api.PermissionRule{a}), api.NormalizeRules([]api.PermissionRule{b}))
}

// rulesToSet converts the server's rules to `permissions`. A rule that means
// the same as an element of prior (the plan, or the state on refresh) keeps
// that element's spelling — `conditions = {}` and absent conditions, or an
// empty and an absent list, are the same rule to the server — so that
// neither apply nor refresh produces a diff. Other rules take the canonical
// form.
func rulesToSet(ctx context.Context, rules []api.PermissionRule, prior types.Set, diags *diag.Diagnostics) types.Set {
	var priorElems []attr.Value
	if !prior.IsNull() && !prior.IsUnknown() {
		priorElems = prior.Elements()
	}
	used := make([]bool, len(priorElems))
	out := make([]attr.Value, 0, len(rules))
next:
	for _, r := range rules {
		for i, e := range priorElems {
			if used[i] {
				continue
			}
			pr, ok, d := ruleFromValue(ctx, e)
			diags.Append(d...)
			if ok && sameRule(pr, r) {
				used[i] = true
				out = append(out, e)
				continue next
			}
		}
		v := ruleValue(r)
		for _, o := range out {
			if o.Equal(v) {
				continue next
			}
		}
		out = append(out, v)
	}
	return types.SetValueMust(ruleType, out)
}

// catalogDescription lists, for documentation, the subjects of scope with
// their actions.
func catalogDescription(scope api.Scope) string {
	var parts []string
	for _, s := range api.Subjects(scope) {
		parts = append(parts, fmt.Sprintf("`%s` (%s)", s, strings.Join(api.Actions(scope, s), ", ")))
	}
	return strings.Join(parts, "; ")
}
