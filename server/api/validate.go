package api

import (
	"errors"
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

// ValidateName accepts a display name (of a project, environment, identity
// or role): 1 to MaxNameLength characters, not blank, and no control or
// Unicode format characters.
func ValidateName(s string) error {
	n := utf8.RuneCountInString(s)
	switch {
	case strings.TrimSpace(s) == "":
		return errors.New("must not be empty or blank")
	case n > MaxNameLength:
		return fmt.Errorf("must be at most %d characters, got %d", MaxNameLength, n)
	}
	return refuseInvisible(s, "")
}

// ValidateDescription accepts at most MaxDescriptionLength characters with
// no control or Unicode format characters; tabs and line breaks are allowed,
// so a description may span lines.
func ValidateDescription(s string) error {
	if n := utf8.RuneCountInString(s); n > MaxDescriptionLength {
		return fmt.Errorf("must be at most %d characters, got %d", MaxDescriptionLength, n)
	}
	return refuseInvisible(s, "\t\n\r")
}

// ValidateMetadataKey accepts a metadata key: 1 to MaxMetadataKeyLength
// characters with no control or Unicode format characters.
func ValidateMetadataKey(s string) error {
	n := utf8.RuneCountInString(s)
	switch {
	case n == 0:
		return errors.New("key must not be empty")
	case n > MaxMetadataKeyLength:
		return fmt.Errorf("key must be at most %d characters, got %d", MaxMetadataKeyLength, n)
	}
	if err := refuseInvisible(s, ""); err != nil {
		return fmt.Errorf("key %w", err)
	}
	return nil
}

// ValidateMetadataValue accepts a metadata value: at most
// MaxMetadataValLength characters with no control or Unicode format
// characters.
func ValidateMetadataValue(s string) error {
	if n := utf8.RuneCountInString(s); n > MaxMetadataValLength {
		return fmt.Errorf("value must be at most %d characters, got %d", MaxMetadataValLength, n)
	}
	if err := refuseInvisible(s, ""); err != nil {
		return fmt.Errorf("value %w", err)
	}
	return nil
}

// refuseInvisible refuses control characters (except those in allowed) and
// Unicode format characters, naming the first one found and where.
func refuseInvisible(s, allowed string) error {
	i := 0
	for _, r := range s {
		i++
		if strings.ContainsRune(allowed, r) {
			continue
		}
		if unicode.IsControl(r) || unicode.Is(unicode.Cf, r) {
			return fmt.Errorf("must not contain control characters or Unicode format characters such as bidi overrides "+
				"and zero-width characters (found %U at character %d)", r, i)
		}
	}
	return nil
}

// hasControlOrFormat reports control characters and Unicode format
// characters (category Cf: bidi overrides, zero-width characters), which
// make a string display as something other than what it is.
func hasControlOrFormat(s string) bool {
	return strings.ContainsFunc(s, func(r rune) bool { return unicode.IsControl(r) || unicode.Is(unicode.Cf, r) })
}

func validateName(errs *FieldErrors, field, name string) {
	if err := ValidateName(name); err != nil {
		errs.Add(field, "%s", err)
	}
}

func validateDescription(errs *FieldErrors, field, s string) {
	if err := ValidateDescription(s); err != nil {
		errs.Add(field, "%s", err)
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
