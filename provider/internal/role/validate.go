package role

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/idplane/idplane/server/api"
)

// validatePermissions checks `permissions` at plan time with the server's
// own api.ValidateRules: subjects and actions of the scope, conditions only
// where allowed, environment and secret path globs. Rules with values not
// known yet are skipped; the server checks them at apply time.
func validatePermissions(ctx context.Context, scope api.Scope, cfg tfsdk.Config, diags *diag.Diagnostics) {
	var set types.Set
	diags.Append(cfg.GetAttribute(ctx, path.Root("permissions"), &set)...)
	if diags.HasError() || set.IsNull() || set.IsUnknown() {
		return
	}
	var rules []api.PermissionRule
	var elems []attr.Value
	for _, e := range set.Elements() {
		r, ok, d := ruleFromValue(ctx, e)
		diags.Append(d...)
		if ok {
			rules, elems = append(rules, r), append(elems, e)
		}
	}
	var errs api.FieldErrors
	api.ValidateRules(scope, "permissions", rules, &errs)
	for _, fe := range errs {
		p, label := fieldPath(fe.Field, rules, elems)
		diags.AddAttributeError(p, "Invalid permission rule", fmt.Sprintf("%s: %s", label, fe.Message))
	}
}

var (
	ruleFieldRE = regexp.MustCompile(`^permissions\[(\d+)\]\.?(.*)$`)
	segmentRE   = regexp.MustCompile(`^([A-Za-z]+)(?:\[(\d+)\])?$`)
)

// tfNames maps the API's JSON field names to attribute names.
var tfNames = map[string]string{"secretPaths": "secret_paths"}

// fieldPath turns a field reported by api.ValidateRules, such as
// "permissions[2].conditions.secretPaths[0]", into the attribute path of
// the offending set element and a label naming it for the user, such as
// `permissions[subject = "secrets"].conditions.secret_paths`; indexes mean
// nothing in a set, so the rule is named by its subject and the value by
// itself.
func fieldPath(field string, rules []api.PermissionRule, elems []attr.Value) (path.Path, string) {
	m := ruleFieldRE.FindStringSubmatch(field)
	if m == nil {
		return path.Root("permissions"), "permissions"
	}
	i, err := strconv.Atoi(m[1])
	if err != nil || i >= len(rules) {
		return path.Root("permissions"), "permissions"
	}
	r := rules[i]
	p := path.Root("permissions").AtSetValue(elems[i])
	label := fmt.Sprintf("permissions[subject = %q]", r.Subject)
	if m[2] == "" {
		return p, label
	}
	for _, seg := range strings.Split(m[2], ".") {
		sm := segmentRE.FindStringSubmatch(seg)
		if sm == nil {
			break
		}
		name := sm[1]
		if n, ok := tfNames[name]; ok {
			name = n
		}
		p, label = p.AtName(name), label+"."+name
		if sm[2] == "" {
			continue
		}
		j, _ := strconv.Atoi(sm[2])
		if vals := listOf(r, sm[1]); j < len(vals) {
			p = p.AtSetValue(types.StringValue(vals[j]))
		}
	}
	return p, label
}

// listOf returns the list of r that a field segment indexes.
func listOf(r api.PermissionRule, segment string) []string {
	switch {
	case segment == "actions":
		return r.Actions
	case r.Conditions == nil:
		return nil
	case segment == "environments":
		return r.Conditions.Environments
	case segment == "secretPaths":
		return r.Conditions.SecretPaths
	}
	return nil
}
