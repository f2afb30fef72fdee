package tokenauth

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/idplane/idplane/provider/internal/tfutil"
	"github.com/idplane/idplane/provider/internal/validators"
	"github.com/idplane/idplane/server/api"
)

// ValidateConfig checks at plan time what no single attribute can: the
// token settings' TTL against their max TTL and, once every attribute of
// the method's own is known, the server's whole validation of the
// configuration, so that rules across attributes (a JWKS URL with static
// keys, zones with IAM tokens) fail at plan time, not at apply.
func (r *authResource[M, T, In]) ValidateConfig(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	var cfg M
	resp.Diagnostics.Append(req.Config.Get(ctx, &cfg)...)
	if resp.Diagnostics.HasError() {
		return
	}
	cfg.common().ValidateConfig(&resp.Diagnostics)
	if !r.ownKnown(req.Config) {
		return
	}
	in := r.method.input(ctx, cfg, api.TokenSettingsInput{}, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	var errs api.FieldErrors
	r.method.validate(&in, &errs)
	for _, e := range errs {
		msg := r.attributeNames(e.Message)
		p, ok := r.attributePath(ctx, req.Config, e.Field)
		if !ok {
			resp.Diagnostics.AddError("Invalid "+r.method.noun, fmt.Sprintf("%s: %s", e.Field, msg))
			continue
		}
		validators.AddError(&resp.Diagnostics, p, msg)
	}
}

// ownKnown reports whether every attribute of the method's own is known
// (identity_id usually is not: it comes from an identity yet to be created).
func (r *authResource[M, T, In]) ownKnown(cfg tfsdk.Config) bool {
	var attrs map[string]tftypes.Value
	if err := cfg.Raw.As(&attrs); err != nil {
		return false
	}
	for name := range r.method.attributes {
		if !attrs[name].IsFullyKnown() {
			return false
		}
	}
	return true
}

var (
	// fieldRE is a server field name: a JSON name followed by map keys
	// (["repository"]) and list indexes ([0]).
	fieldRE = regexp.MustCompile(`^([A-Za-z]+)((?:\[(?:"(?:[^"\\]|\\.)*"|\d+)\])*)$`)
	stepRE  = regexp.MustCompile(`\[(?:("(?:[^"\\]|\\.)*")|(\d+))\]`)
	camelRE = regexp.MustCompile(`\b[a-z]+(?:[A-Z][a-z0-9]*)+\b`)
)

// attributePath translates a server field name into the path of the
// attribute that holds it: boundClaims["repository"][1] is the second glob,
// in the order sent (sorted), of bound_claims["repository"]. It reports
// false for a field that no attribute of the method holds.
func (r *authResource[M, T, In]) attributePath(ctx context.Context, cfg tfsdk.Config, field string) (path.Path, bool) {
	m := fieldRE.FindStringSubmatch(field)
	if m == nil {
		return path.Empty(), false
	}
	name := snake(m[1])
	if _, ok := r.method.attributes[name]; !ok {
		return path.Empty(), false
	}
	p := path.Root(name)
	for _, step := range stepRE.FindAllStringSubmatch(m[2], -1) {
		if step[1] != "" {
			key, err := strconv.Unquote(step[1])
			if err != nil {
				return p, true
			}
			p = p.AtMapKey(key)
			continue
		}
		i, _ := strconv.Atoi(step[2])
		var set types.Set
		var diags diag.Diagnostics
		if cfg.GetAttribute(ctx, p, &set).HasError() {
			return p, true
		}
		elems := sortedStrings(ctx, set, &diags)
		if diags.HasError() || i >= len(elems) {
			return p, true
		}
		p = p.AtSetValue(types.StringValue(elems[i]))
	}
	return p, true
}

// attributeNames rewrites the server's names of the method's attributes in
// a message ("when configurationType is ...") as Terraform's.
func (r *authResource[M, T, In]) attributeNames(msg string) string {
	return camelRE.ReplaceAllStringFunc(msg, func(w string) string {
		if _, ok := r.method.attributes[snake(w)]; ok {
			return snake(w)
		}
		return w
	})
}

// snake turns a JSON name (jwksCaCert) into an attribute name (jwks_ca_cert).
func snake(s string) string {
	var b strings.Builder
	for _, c := range s {
		if c >= 'A' && c <= 'Z' {
			b.WriteByte('_')
			c += 'a' - 'A'
		}
		b.WriteRune(c)
	}
	return b.String()
}

// sortedStrings converts a set of strings to the slice sent to the server:
// sorted, so that the server's list indexes can be traced back to set
// elements, and never nil, so that a PUT replaces the list.
func sortedStrings(ctx context.Context, v types.Set, diags *diag.Diagnostics) []string {
	out := tfutil.Strings(ctx, v, diags)
	if out == nil {
		return []string{}
	}
	slices.Sort(out)
	return out
}
