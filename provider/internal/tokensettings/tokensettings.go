// Package tokensettings is what every auth method resource shares: the
// access-token settings (access_token_ttl, access_token_max_ttl,
// access_token_num_uses_limit, access_token_trusted_ips), their schema,
// their model fields, their conversions and their plan-time check.
package tokensettings

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/setvalidator"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/int64default"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/setdefault"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/idplane/idplane/provider/internal/tfutil"
	"github.com/idplane/idplane/provider/internal/validators"
	"github.com/idplane/idplane/server/api"
)

// Model holds the token settings; a resource's model embeds it by value.
type Model struct {
	AccessTokenTTL          types.Int64 `tfsdk:"access_token_ttl"`
	AccessTokenMaxTTL       types.Int64 `tfsdk:"access_token_max_ttl"`
	AccessTokenNumUsesLimit types.Int64 `tfsdk:"access_token_num_uses_limit"`
	AccessTokenTrustedIPs   types.Set   `tfsdk:"access_token_trusted_ips"`
}

// Attributes are the schema of Model's fields.
func Attributes() map[string]schema.Attribute {
	return map[string]schema.Attribute{
		"access_token_ttl": intAttribute("Lifetime of an access token in seconds, at most `access_token_max_ttl`.",
			api.DefaultAccessTokenTTL, 1, api.MaxTokenTTL),
		"access_token_max_ttl": intAttribute("Maximum lifetime of an access token in seconds, renewals included.",
			api.DefaultAccessTokenMaxTTL, 1, api.MaxTokenTTL),
		"access_token_num_uses_limit": intAttribute("Number of API calls an access token may make; `0` is unlimited.",
			0, 0, api.MaxNumUsesLimit),
		"access_token_trusted_ips": TrustedIPsAttribute("Source addresses access tokens may be used from."),
	}
}

// TrustedIPsAttribute is a set of addresses or CIDR blocks defaulting to
// everywhere, as the server's token settings default.
func TrustedIPsAttribute(desc string) schema.SetAttribute {
	return schema.SetAttribute{
		ElementType: types.StringType,
		Optional:    true, Computed: true,
		Default:             setdefault.StaticValue(tfutil.StringSet(api.DefaultTokenSettings().AccessTokenTrustedIPs)),
		MarkdownDescription: desc + " IPv4 or IPv6 addresses or CIDR blocks; defaults to everywhere (`0.0.0.0/0` and `::/0`).",
		Validators: []validator.Set{
			setvalidator.SizeAtMost(api.MaxTrustedIPs),
			setvalidator.ValueStringsAre(validators.CIDR()),
			validators.DistinctNetworks(),
		},
	}
}

func intAttribute(desc string, def, lo, hi int64) schema.Int64Attribute {
	return schema.Int64Attribute{
		Optional: true, Computed: true, Default: int64default.StaticInt64(def),
		MarkdownDescription: fmt.Sprintf("%s Defaults to `%d`.", desc, def),
		Validators:          []validator.Int64{int64validator.Between(lo, hi)},
	}
}

// FromAPI maps the server's token settings.
func FromAPI(s api.TokenSettings) Model {
	return Model{
		AccessTokenTTL:          types.Int64Value(int64(s.AccessTokenTTL)),
		AccessTokenMaxTTL:       types.Int64Value(int64(s.AccessTokenMaxTTL)),
		AccessTokenNumUsesLimit: types.Int64Value(int64(s.AccessTokenNumUsesLimit)),
		AccessTokenTrustedIPs:   tfutil.StringSet(s.AccessTokenTrustedIPs),
	}
}

// Input sends every setting, zeros included, so that a PUT replaces all of
// them and an explicit 0 is never mistaken for "not set".
func (m Model) Input(ctx context.Context, diags *diag.Diagnostics) api.TokenSettingsInput {
	ttl := int(m.AccessTokenTTL.ValueInt64())
	maxTTL := int(m.AccessTokenMaxTTL.ValueInt64())
	numUses := int(m.AccessTokenNumUsesLimit.ValueInt64())
	ips := tfutil.Strings(ctx, m.AccessTokenTrustedIPs, diags)
	if ips == nil {
		ips = []string{}
	}
	return api.TokenSettingsInput{
		AccessTokenTTL:          &ttl,
		AccessTokenMaxTTL:       &maxTTL,
		AccessTokenNumUsesLimit: &numUses,
		AccessTokenTrustedIPs:   &ips,
	}
}

// ValidateConfig checks at plan time what no single attribute can: the TTL
// against the max TTL, an omitted one counting with its default.
func (m Model) ValidateConfig(diags *diag.Diagnostics) {
	ttl, ttlKnown := intOrDefault(m.AccessTokenTTL, api.DefaultAccessTokenTTL)
	maxTTL, maxKnown := intOrDefault(m.AccessTokenMaxTTL, api.DefaultAccessTokenMaxTTL)
	if ttlKnown && maxKnown && ttl > maxTTL {
		diags.AddAttributeError(path.Root("access_token_ttl"), "access_token_ttl exceeds access_token_max_ttl",
			fmt.Sprintf("access_token_ttl (%d) must not exceed access_token_max_ttl (%d; %d when omitted): a token cannot outlive its maximum lifetime. Lower access_token_ttl or raise access_token_max_ttl.",
				ttl, maxTTL, api.DefaultAccessTokenMaxTTL))
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
