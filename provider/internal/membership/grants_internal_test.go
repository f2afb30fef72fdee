package membership

import (
	"context"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/idplane/idplane/server/api"
)

func temporaryGrant(slug, start, duration string) attr.Value {
	return types.ObjectValueMust(grantType.AttrTypes, map[string]attr.Value{
		"role_slug": types.StringValue(slug),
		"temporary_access": types.ObjectValueMust(temporaryType.AttrTypes, map[string]attr.Value{
			"start_time": types.StringValue(start), "duration": types.StringValue(duration)}),
	})
}

// TestGrantsToSetSpelling: the same instant and length keep the prior
// spelling; anything else takes the canonical one.
func TestGrantsToSetSpelling(t *testing.T) {
	ctx := context.Background()
	prior := types.SetValueMust(grantType, []attr.Value{temporaryGrant("admin", "2030-01-01T02:00:00+02:00", "60m")})
	server := []api.MembershipRole{{RoleSlug: "admin", TemporaryAccess: &api.TemporaryAccess{
		StartTime: time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC), DurationSeconds: 3600}}}
	var diags diag.Diagnostics
	if got := grantsToSet(ctx, server, prior, &diags); diags.HasError() || !got.Equal(prior) {
		t.Fatalf("same grant: got %v (%v), want %v", got, diags, prior)
	}
	server[0].TemporaryAccess.DurationSeconds = 5400
	want := types.SetValueMust(grantType, []attr.Value{temporaryGrant("admin", "2030-01-01T00:00:00Z", "90m")})
	if got := grantsToSet(ctx, server, prior, &diags); !got.Equal(want) {
		t.Fatalf("changed grant: got %v, want %v", got, want)
	}
}

func TestFormatDuration(t *testing.T) {
	for secs, want := range map[int]string{1: "1s", 59: "59s", 60: "1m", 5400: "90m", 3600: "1h", 3661: "3661s", 31536000: "8760h"} {
		if got := formatDuration(secs); got != want {
			t.Errorf("formatDuration(%d) = %q, want %q", secs, got, want)
		}
	}
}
