package universalauth

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"

	"github.com/idplane/idplane/server/api"
)

// lockoutFields maps the server's lockout field names to attribute names.
var lockoutFields = map[string]string{
	"lockout.threshold":           "threshold",
	"lockout.durationSeconds":     "duration_seconds",
	"lockout.counterResetSeconds": "counter_reset_seconds",
}

// ValidateConfig checks at plan time what no single attribute can: the
// token settings' TTL against their max TTL, and the lockout ranges, using
// the server's own api.Lockout.Validate.
func (r *universalAuthResource) ValidateConfig(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	var cfg universalAuthModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &cfg)...)
	if resp.Diagnostics.HasError() {
		return
	}
	cfg.Model.ValidateConfig(&resp.Diagnostics)
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
