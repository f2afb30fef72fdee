// Package audit is the idplane_identity_audit data source: the live
// server's identity audit (GET /api/v1/identity-audit) in Terraform.
package audit

import (
	"context"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/idplane/idplane/provider/internal/tfutil"
	"github.com/idplane/idplane/server/api"
)

// NewIdentityAuditDataSource is the idplane_identity_audit data source.
func NewIdentityAuditDataSource() datasource.DataSource {
	return &tfutil.DataSource[auditModel]{
		Suffix: "_identity_audit",
		Noun:   "identity audit",
		Spec:   auditSchema(),
		Fetch:  runAudit,
	}
}

type auditModel struct {
	At                     types.String   `tfsdk:"at"`
	ProductionEnvironments types.Set      `tfsdk:"production_environments"`
	UnusedDays             types.Int64    `tfsdk:"unused_days"`
	MachineIdentities      types.Int64    `tfsdk:"machine_identities"`
	DistinctPermissionSets types.Int64    `tfsdk:"distinct_permission_sets"`
	Groups                 []groupModel   `tfsdk:"groups"`
	UseSince               types.String   `tfsdk:"use_since"`
	UseLogStart            types.String   `tfsdk:"use_log_start"`
	SecretUse              []useModel     `tfsdk:"secret_use"`
	Findings               []findingModel `tfsdk:"findings"`
}

type useModel struct {
	Identity  types.String `tfsdk:"identity"`
	Project   types.String `tfsdk:"project"`
	Judged    types.Bool   `tfsdk:"judged"`
	Finding   types.String `tfsdk:"finding"`
	Used      []usedModel  `tfsdk:"used"`
	Suggested []ruleModel  `tfsdk:"suggested"`
}

type usedModel struct {
	Environment types.String `tfsdk:"environment"`
	SecretPath  types.String `tfsdk:"secret_path"`
	Action      types.String `tfsdk:"action"`
	Count       types.Int64  `tfsdk:"count"`
	LastAt      types.String `tfsdk:"last_at"`
}

type ruleModel struct {
	Subject      types.String `tfsdk:"subject"`
	Actions      types.List   `tfsdk:"actions"`
	Environments types.List   `tfsdk:"environments"`
	SecretPaths  types.List   `tfsdk:"secret_paths"`
	Inverted     types.Bool   `tfsdk:"inverted"`
}

type groupModel struct {
	PermissionSet types.String `tfsdk:"permission_set"`
	Identities    types.List   `tfsdk:"identities"`
	Grants        []grantModel `tfsdk:"grants"`
}

type grantModel struct {
	Project     types.String `tfsdk:"project"`
	Environment types.String `tfsdk:"environment"`
	SecretPath  types.String `tfsdk:"secret_path"`
	Subject     types.String `tfsdk:"subject"`
	Actions     types.List   `tfsdk:"actions"`
	Deny        types.Bool   `tfsdk:"deny"`
}

type findingModel struct {
	Severity types.String `tfsdk:"severity"`
	Code     types.String `tfsdk:"code"`
	Identity types.String `tfsdk:"identity"`
	Detail   types.String `tfsdk:"detail"`
}

// runAudit runs the identity audit the configuration asks for.
func runAudit(ctx context.Context, c *tfutil.Client, cfg auditModel, diags *diag.Diagnostics) (auditModel, error) {
	q := api.IdentityAuditQuery{UnusedDays: int(cfg.UnusedDays.ValueInt64())}
	if s := cfg.At.ValueString(); s != "" {
		at, err := time.Parse(time.RFC3339, s)
		if err != nil {
			diags.AddAttributeError(path.Root("at"), "Invalid time", "at must be an RFC 3339 time such as 2026-01-02T15:04:05Z.")
			return cfg, nil
		}
		q.At = at
	}
	var envs []string
	diags.Append(cfg.ProductionEnvironments.ElementsAs(ctx, &envs, false)...)
	if diags.HasError() {
		return cfg, nil
	}
	q.ProductionEnvironments = strings.Join(envs, ",")
	a, err := c.API.IdentityAudit(ctx, q)
	if err != nil {
		return cfg, tfutil.CouldNot("audit identities", err)
	}
	return fromAPI(cfg, a), nil
}

func fromAPI(cfg auditModel, a *api.IdentityAudit) auditModel {
	out := cfg
	out.MachineIdentities = types.Int64Value(int64(a.MachineIdentities))
	out.DistinctPermissionSets = types.Int64Value(int64(a.DistinctPermissionSets))
	out.Groups = make([]groupModel, 0, len(a.Groups))
	for _, g := range a.Groups {
		gm := groupModel{PermissionSet: types.StringValue(g.PermissionSet), Identities: stringList(g.Identities),
			Grants: make([]grantModel, 0, len(g.Grants))}
		for _, gr := range g.Grants {
			gm.Grants = append(gm.Grants, grantModel{Project: types.StringValue(gr.Project), Environment: types.StringValue(gr.Environment),
				SecretPath: types.StringValue(gr.SecretPath), Subject: types.StringValue(gr.Subject),
				Actions: stringList(gr.Actions), Deny: types.BoolValue(gr.Deny)})
		}
		out.Groups = append(out.Groups, gm)
	}
	out.UseSince, out.UseLogStart, out.SecretUse = types.StringValue(""), types.StringValue(""), []useModel{}
	if u := a.Use; u != nil {
		out.UseSince = types.StringValue(u.Since.UTC().Format(time.RFC3339))
		if u.LogStart != nil {
			out.UseLogStart = types.StringValue(u.LogStart.UTC().Format(time.RFC3339))
		}
		for _, g := range u.Grants {
			out.SecretUse = append(out.SecretUse, useFromAPI(g))
		}
	}
	out.Findings = make([]findingModel, 0, len(a.Findings))
	for _, f := range a.Findings {
		out.Findings = append(out.Findings, findingModel{Severity: types.StringValue(f.Severity), Code: types.StringValue(f.Code),
			Identity: types.StringValue(f.Identity), Detail: types.StringValue(f.Detail)})
	}
	return out
}

func useFromAPI(g api.AuditGrantUse) useModel {
	m := useModel{Identity: types.StringValue(g.Identity), Project: types.StringValue(g.Project), Judged: types.BoolValue(g.Judged),
		Finding: types.StringValue(g.Finding), Used: make([]usedModel, 0, len(g.Used)), Suggested: make([]ruleModel, 0, len(g.Suggested))}
	for _, u := range g.Used {
		m.Used = append(m.Used, usedModel{Environment: types.StringValue(u.Environment), SecretPath: types.StringValue(u.SecretPath),
			Action: types.StringValue(u.Action), Count: types.Int64Value(int64(u.Count)), LastAt: types.StringValue(u.LastAt.UTC().Format(time.RFC3339))})
	}
	for _, r := range g.Suggested {
		var c api.PermissionConditions
		if r.Conditions != nil {
			c = *r.Conditions
		}
		m.Suggested = append(m.Suggested, ruleModel{Subject: types.StringValue(r.Subject), Actions: stringList(r.Actions),
			Environments: stringList(c.Environments), SecretPaths: stringList(c.SecretPaths), Inverted: types.BoolValue(r.Inverted)})
	}
	return m
}

// stringList is a list of strings in the given order.
func stringList(in []string) types.List {
	elems := make([]attr.Value, len(in))
	for i, s := range in {
		elems[i] = types.StringValue(s)
	}
	return types.ListValueMust(types.StringType, elems)
}
