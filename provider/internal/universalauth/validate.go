package universalauth

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/idplane/idplane/server/api"
)

// lockoutFields maps the server's lockout field names to attribute names.
var lockoutFields = map[string]string{
	"lockout.threshold":           "threshold",
	"lockout.durationSeconds":     "duration_seconds",
	"lockout.counterResetSeconds": "counter_reset_seconds",
}

// ValidateConfig checks at plan time what no single attribute can: the TTL
// against the max TTL (an omitted one counts with its default) and the
// lockout ranges, using the server's own api.Lockout.Validate.
func (r *universalAuthResource) ValidateConfig(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	var cfg universalAuthModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &cfg)...)
	if resp.Diagnostics.HasError() {
		return
	}
	ttl, ttlKnown := intOrDefault(cfg.AccessTokenTTL, api.DefaultAccessTokenTTL)
	maxTTL, maxKnown := intOrDefault(cfg.AccessTokenMaxTTL, api.DefaultAccessTokenMaxTTL)
	if ttlKnown && maxKnown && ttl > maxTTL {
		resp.Diagnostics.AddAttributeError(path.Root("access_token_ttl"), "access_token_ttl exceeds access_token_max_ttl",
			fmt.Sprintf("access_token_ttl (%d) must not exceed access_token_max_ttl (%d; %d when omitted): a token cannot outlive its maximum lifetime. Lower access_token_ttl or raise access_token_max_ttl.",
				ttl, maxTTL, api.DefaultAccessTokenMaxTTL))
	}
	if cfg.Lockout.IsNull() || cfg.Lockout.IsUnknown() {
		return
	}
	lockout := lockoutFrom(ctx, cfg.Lockout, &resp.Diagnostics)
	var errs api.FieldErrors
	lockout.Validate(&errs, "lockout")
	for _, e := range errs {
		p := path.Root("lockout")
		if name, ok := lockoutFields[e.Field]; ok {
			p = p.AtName(name)
		}
		resp.Diagnostics.AddAttributeError(p, "Invalid lockout setting", fmt.Sprintf("%s %s", p, e.Message))
	}
}

// intOrDefault returns a configured number, or def when it is omitted;
// known is false while the value is unknown.
func intOrDefault(v types.Int64, def int) (n int, known bool) {
	switch {
	case v.IsUnknown():
		return 0, false
	case v.IsNull():
		return def, true
	}
	return int(v.ValueInt64()), true
}

// distinctCIDRs rejects two entries that denote the same network, such as
// "10.0.0.1" and "10.0.0.1/32", which the server refuses as duplicates but
// a set of strings cannot tell apart.
type distinctCIDRs struct{}

func (distinctCIDRs) Description(context.Context) string {
	return "entries must denote distinct networks"
}

func (v distinctCIDRs) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (distinctCIDRs) ValidateSet(_ context.Context, req validator.SetRequest, resp *validator.SetResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	seen := map[string]string{}
	for _, e := range req.ConfigValue.Elements() {
		s, ok := e.(types.String)
		if !ok || s.IsNull() || s.IsUnknown() {
			continue
		}
		p, err := api.ParseCIDR(s.ValueString())
		if err != nil {
			continue // reported by the per-element CIDR validator
		}
		if prev, dup := seen[p.String()]; dup {
			resp.Diagnostics.AddAttributeError(req.Path, "Duplicate network",
				fmt.Sprintf("%s: %q and %q are the same network (%s); keep one of them", req.Path, prev, s.ValueString(), p))
			continue
		}
		seen[p.String()] = s.ValueString()
	}
}
