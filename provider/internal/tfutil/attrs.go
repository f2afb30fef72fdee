package tfutil

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
)

// Models whose attributes depend on the resource type (a role's project_id
// exists only in project scope) cannot carry tfsdk tags; they name their
// attributes in a map from attribute name to a pointer into the model, read
// and written with GetAttrs and SetAttrs.

// AttrGetter is a plan, a state or a configuration.
type AttrGetter interface {
	GetAttribute(ctx context.Context, p path.Path, target any) diag.Diagnostics
}

// GetAttrs reads the named attributes into the pointers.
func GetAttrs(ctx context.Context, src AttrGetter, fields map[string]any) diag.Diagnostics {
	var diags diag.Diagnostics
	for name, ptr := range fields {
		diags.Append(src.GetAttribute(ctx, path.Root(name), ptr)...)
	}
	return diags
}

// SetAttrs writes the pointed-to values into the named attributes.
func SetAttrs(ctx context.Context, dst *tfsdk.State, fields map[string]any) diag.Diagnostics {
	var diags diag.Diagnostics
	for name, ptr := range fields {
		diags.Append(dst.SetAttribute(ctx, path.Root(name), ptr)...)
	}
	return diags
}
