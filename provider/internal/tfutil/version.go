package tfutil

import "github.com/hashicorp/terraform-plugin-framework/types"

// Version reads the object version kept in state for If-Match; 0 (no
// check) when state has none, e.g. right after import.
func Version(v types.Int64) int64 {
	if v.IsNull() || v.IsUnknown() {
		return 0
	}
	return v.ValueInt64()
}
