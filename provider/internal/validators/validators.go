// Package validators checks at plan time what the server would reject,
// using the server's own validation functions so the two cannot disagree.
package validators

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

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
		AddError(&resp.Diagnostics, req.Path, err.Error())
	}
}

// AddError reports msg as an invalid value at p. Resources that run the
// server's whole validation at plan time report its findings with it too,
// so that a value both checks refuse yields one diagnostic, not two.
func AddError(diags *diag.Diagnostics, p path.Path, msg string) {
	diags.AddAttributeError(p, "Invalid value", fmt.Sprintf("%s: %s", PathString(p), msg))
}

// PathString spells p as a user reads it: an element of a set, which
// path.Path spells with its whole value (a PEM block, a nested object), is
// written [*]; the message that follows names the offending value.
func PathString(p path.Path) string {
	var b strings.Builder
	for _, step := range p.Steps() {
		switch step := step.(type) {
		case path.PathStepAttributeName:
			if b.Len() > 0 {
				b.WriteByte('.')
			}
			b.WriteString(string(step))
		case path.PathStepElementKeyValue:
			b.WriteString("[*]")
		default:
			b.WriteString(step.String())
		}
	}
	return b.String()
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

// HTTPSURL accepts an absolute https:// URL with a host, without
// credentials or fragment.
func HTTPSURL() validator.String {
	return stringFunc{desc: "an https:// URL with a host, without credentials or fragment", check: api.ValidateHTTPSURL}
}

// CertificatesPEM accepts one or more PEM CERTIFICATE blocks and nothing else.
func CertificatesPEM() validator.String {
	return stringFunc{desc: "one or more PEM-encoded certificates", check: api.ValidateCertificatesPEM}
}

// PublicKeyPEM accepts one PEM PUBLIC KEY or CERTIFICATE block holding an
// RSA, ECDSA or Ed25519 key.
func PublicKeyPEM() validator.String {
	return stringFunc{desc: "one PEM-encoded public key or certificate (RSA, ECDSA or Ed25519)", check: api.ValidatePublicKeyPEM}
}

// ClaimPath accepts a claim name or a dotted path into nested claims.
func ClaimPath() validator.String {
	return stringFunc{desc: "a claim name or a dotted path into nested claims, such as google.compute_engine.project_id", check: api.ValidateClaimPath}
}

// BindingGlob accepts a glob a token's claim is matched against.
func BindingGlob() validator.String {
	return stringFunc{desc: "a glob in which * stands for any run of characters", check: api.ValidateBindingGlob}
}

// SubjectAltName accepts a typed subject alternative name pattern of TLS
// certificate auth: DNS:, URI: or EMAIL: with a glob, or IP: with an
// address or CIDR block.
func SubjectAltName() validator.String {
	return stringFunc{desc: "TYPE:pattern with TYPE one of DNS, URI, EMAIL (a glob) or IP (an address or CIDR block)", check: func(s string) error {
		_, _, err := api.ParseSAN(s)
		return err
	}}
}

// Optional lets the empty string, which means "not set", through v.
func Optional(v validator.String) validator.String { return optional{v} }

type optional struct{ v validator.String }

func (o optional) Description(ctx context.Context) string {
	return o.v.Description(ctx) + ", or empty"
}

func (o optional) MarkdownDescription(ctx context.Context) string {
	return o.v.MarkdownDescription(ctx) + ", or empty"
}

func (o optional) ValidateString(ctx context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.ValueString() == "" {
		return
	}
	o.v.ValidateString(ctx, req, resp)
}

// DistinctNetworks rejects two entries that denote the same network, such
// as "10.0.0.1" and "10.0.0.1/32", which the server refuses as duplicates
// but a set of strings cannot tell apart.
func DistinctNetworks() validator.Set { return distinctNetworks{} }

type distinctNetworks struct{}

func (distinctNetworks) Description(context.Context) string {
	return "entries must denote distinct networks"
}

func (v distinctNetworks) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (distinctNetworks) ValidateSet(_ context.Context, req validator.SetRequest, resp *validator.SetResponse) {
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
