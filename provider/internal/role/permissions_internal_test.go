package role

import (
	"context"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/idplane/idplane/server/api"
)

func rule(t *testing.T, subject string, actions []string, conditions attr.Value) attr.Value {
	t.Helper()
	return types.ObjectValueMust(ruleType.AttrTypes, map[string]attr.Value{
		"subject": types.StringValue(subject), "actions": types.SetValueMust(types.StringType, strs(actions)),
		"inverted": types.BoolValue(false), "conditions": conditions,
	})
}

func strs(in []string) []attr.Value {
	out := []attr.Value{}
	for _, s := range in {
		out = append(out, types.StringValue(s))
	}
	return out
}

// TestRulesToSetSpelling: a rule the server returns without conditions
// keeps the prior's spelled-out empty conditions; a changed rule takes the
// canonical form.
func TestRulesToSetSpelling(t *testing.T) {
	ctx := context.Background()
	emptyConditions := types.ObjectValueMust(conditionsType.AttrTypes, map[string]attr.Value{
		"environments": types.SetValueMust(types.StringType, strs(nil)), "secret_paths": types.SetNull(types.StringType)})
	spelled := rule(t, "secrets", []string{"read", "describe"}, emptyConditions)
	prior := types.SetValueMust(ruleType, []attr.Value{spelled})
	server := api.NormalizeRules([]api.PermissionRule{{Subject: "secrets", Actions: []string{"read", "describe"}, Conditions: &api.PermissionConditions{}}})
	var diags diag.Diagnostics
	got := rulesToSet(ctx, server, prior, &diags)
	if diags.HasError() || !got.Equal(prior) {
		t.Fatalf("same rule: got %v (%v), want the prior spelling %v", got, diags, prior)
	}
	server[0].Actions = []string{"read"}
	got = rulesToSet(ctx, server, prior, &diags)
	want := types.SetValueMust(ruleType, []attr.Value{rule(t, "secrets", []string{"read"}, types.ObjectNull(conditionsType.AttrTypes))})
	if !got.Equal(want) {
		t.Fatalf("changed rule: got %v, want canonical %v", got, want)
	}
}

func TestFieldPath(t *testing.T) {
	rules := []api.PermissionRule{
		{Subject: "projects", Actions: []string{"read"}},
		{Subject: "secrets", Actions: []string{"read"}, Conditions: &api.PermissionConditions{SecretPaths: []string{"/a", "b"}}},
	}
	elems := []attr.Value{types.StringValue("e0"), types.StringValue("e1")}
	p, label := fieldPath("permissions[1].conditions.secretPaths[1]", rules, elems)
	wantPath := path.Root("permissions").AtSetValue(elems[1]).AtName("conditions").AtName("secret_paths").AtSetValue(types.StringValue("b"))
	if !p.Equal(wantPath) || label != `permissions[subject = "secrets"].conditions.secret_paths` {
		t.Fatalf("got %s %q", p, label)
	}
	if p, label := fieldPath("permissions", rules, elems); !p.Equal(path.Root("permissions")) || label != "permissions" {
		t.Fatalf("got %s %q", p, label)
	}
	if _, label := fieldPath("permissions[0].subject", rules, elems); !strings.HasSuffix(label, ".subject") {
		t.Fatalf("got %q", label)
	}
}
