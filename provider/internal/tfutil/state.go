package tfutil

import (
	"context"
	"errors"

	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/idplane/idplane/server/api"
)

// ErrGone, wrapped in an error, says that an object the server still has
// is no use any more (an expired client secret): Read treats it like a 404.
var ErrGone = errors.New("no longer usable")

// RemoveIfGone removes the resource from state when err is a 404 or wraps
// ErrGone, so the next plan re-creates what was deleted outside Terraform.
// It reports whether it did.
func RemoveIfGone(ctx context.Context, err error, state *tfsdk.State) bool {
	if !api.IsNotFound(err) && !errors.Is(err, ErrGone) {
		return false
	}
	tflog.Warn(ctx, "object no longer exists on the server, or is no longer usable; removing it from state", map[string]any{"error": err.Error()})
	state.RemoveResource(ctx)
	return true
}

// VersionAttribute is the computed object version every resource keeps and
// sends back as If-Match.
func VersionAttribute() schema.Int64Attribute {
	return schema.Int64Attribute{
		Computed:            true,
		MarkdownDescription: "Server-side version of the object, sent as `If-Match` on update and delete so that changes made outside Terraform since the last refresh are not overwritten.",
	}
}
