// Package validators checks at plan time what the server would reject,
// using the server's own validation functions so the two cannot disagree.
package validators

import (
	"context"
	"fmt"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/schema/validator"

	"github.com/idplane/idplane/server/api"
)

type stringFunc struct {
	desc  string
	check func(string) error
}

func (v stringFunc) Description(context.Context) string         { return v.desc }
func (v stringFunc) MarkdownDescription(context.Context) string { return v.desc }

func (v stringFunc) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	if err := v.check(req.ConfigValue.ValueString()); err != nil {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid value", fmt.Sprintf("%s: %s", req.Path, err))
	}
}

// Slug accepts lowercase letters, digits and single hyphens, 1–64 characters.
func Slug() validator.String {
	return stringFunc{desc: "a slug: lowercase letters, digits and single hyphens, 1 to 64 characters", check: api.ValidateSlug}
}

// Name accepts a display name as the server does: 1 to 128 characters, not
// blank, no control or Unicode format characters.
func Name() validator.String {
	return stringFunc{desc: fmt.Sprintf("a name of 1 to %d characters, not blank, without control or Unicode format characters", api.MaxNameLength),
		check: api.ValidateName}
}

// Description accepts a description as the server does.
func Description() validator.String {
	return stringFunc{desc: fmt.Sprintf("at most %d characters, without control (other than tab and line breaks) or Unicode format characters", api.MaxDescriptionLength),
		check: api.ValidateDescription}
}

// MetadataKey accepts a metadata key as the server does.
func MetadataKey() validator.String {
	return stringFunc{desc: fmt.Sprintf("a key of 1 to %d characters, without control or Unicode format characters", api.MaxMetadataKeyLength),
		check: api.ValidateMetadataKey}
}

// MetadataValue accepts a metadata value as the server does.
func MetadataValue() validator.String {
	return stringFunc{desc: fmt.Sprintf("a value of at most %d characters, without control or Unicode format characters", api.MaxMetadataValLength),
		check: api.ValidateMetadataValue}
}

// CIDR accepts an IP address or CIDR block.
func CIDR() validator.String {
	return stringFunc{desc: "an IPv4 or IPv6 address or CIDR block", check: api.ValidateCIDR}
}

// RFC3339 accepts an RFC 3339 timestamp.
func RFC3339() validator.String {
	return stringFunc{desc: "an RFC 3339 time such as 2026-01-02T15:04:05Z", check: func(s string) error {
		if _, err := time.Parse(time.RFC3339, s); err != nil {
			return fmt.Errorf("%q is not an RFC 3339 time such as 2026-01-02T15:04:05Z", s)
		}
		return nil
	}}
}

// Duration accepts a Go duration ("90m", "24h") between min and max.
func Duration(minD, maxD time.Duration) validator.String {
	return stringFunc{desc: fmt.Sprintf("a duration such as 90m or 24h, between %s and %s", minD, maxD), check: func(s string) error {
		d, err := time.ParseDuration(s)
		if err != nil {
			return fmt.Errorf("%q is not a duration such as 90m or 24h", s)
		}
		if d < minD || d > maxD {
			return fmt.Errorf("%s is outside the allowed range %s to %s", d, minD, maxD)
		}
		return nil
	}}
}
