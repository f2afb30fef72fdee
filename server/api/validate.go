package api

import (
	"fmt"
	"net/netip"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Limits shared by the server and the provider's plan-time validation.
const (
	MaxNameLength        = 128
	MaxDescriptionLength = 1024
	MaxMetadataEntries   = 64
	MaxMetadataKeyLength = 128
	MaxMetadataValLength = 1024
	MaxTrustedIPs        = 64
	MinTokenTTL          = 0
	MaxTokenTTL          = 31536000 // one year, in seconds
	MaxNumUsesLimit      = 1000000
)

func validateName(errs *FieldErrors, field, name string) {
	n := utf8.RuneCountInString(name)
	switch {
	case strings.TrimSpace(name) == "":
		errs.Add(field, "must not be empty")
	case n > MaxNameLength:
		errs.Add(field, "must be at most %d characters, got %d", MaxNameLength, n)
	case strings.ContainsFunc(name, func(r rune) bool { return r < 0x20 || r == 0x7f }):
		errs.Add(field, "must not contain control characters")
	}
}

// hasControlOrFormat reports control characters and Unicode format
// characters (category Cf: bidi overrides, zero-width characters), which
// make a string display as something other than what it is.
func hasControlOrFormat(s string) bool {
	return strings.ContainsFunc(s, func(r rune) bool { return unicode.IsControl(r) || unicode.Is(unicode.Cf, r) })
}

func validateDescription(errs *FieldErrors, field, s string) {
	if n := utf8.RuneCountInString(s); n > MaxDescriptionLength {
		errs.Add(field, "must be at most %d characters, got %d", MaxDescriptionLength, n)
	}
}

// ValidateCIDR accepts an IPv4 or IPv6 address or CIDR block ("10.0.0.0/8",
// "2001:db8::/32", "192.0.2.1").
func ValidateCIDR(s string) error {
	if _, err := ParseCIDR(s); err != nil {
		return err
	}
	return nil
}

// ParseCIDR parses an address or CIDR block; a bare address is a /32 or /128.
func ParseCIDR(s string) (netip.Prefix, error) {
	if strings.Contains(s, "/") {
		p, err := netip.ParsePrefix(s)
		if err != nil {
			return netip.Prefix{}, fmt.Errorf("%q is not a valid IP address or CIDR block (e.g. 10.0.0.0/8, 2001:db8::/32)", s)
		}
		return p.Masked(), nil
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Prefix{}, fmt.Errorf("%q is not a valid IP address or CIDR block (e.g. 10.0.0.0/8, 2001:db8::/32)", s)
	}
	return netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()), nil
}

func validateCIDRs(errs *FieldErrors, field string, list []string) {
	if len(list) > MaxTrustedIPs {
		errs.Add(field, "must hold at most %d entries, got %d", MaxTrustedIPs, len(list))
		return
	}
	seen := map[string]bool{}
	for i, s := range list {
		f := fmt.Sprintf("%s[%d]", field, i)
		p, err := ParseCIDR(s)
		if err != nil {
			errs.Add(f, "%s", err)
			continue
		}
		if seen[p.String()] {
			errs.Add(f, "duplicate entry %q", s)
		}
		seen[p.String()] = true
	}
}

func validateRange(errs *FieldErrors, field string, v, lo, hi int) {
	if v < lo || v > hi {
		errs.Add(field, "must be between %d and %d, got %d", lo, hi, v)
	}
}
