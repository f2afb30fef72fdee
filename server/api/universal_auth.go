package api

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// Token settings defaults, as in Infisical.
const (
	DefaultAccessTokenTTL    = 3600
	DefaultAccessTokenMaxTTL = 86400
)

// TokenSettings are carried by every auth method.
type TokenSettings struct {
	AccessTokenTTL          int      `json:"accessTokenTTL"`
	AccessTokenMaxTTL       int      `json:"accessTokenMaxTTL"`
	AccessTokenNumUsesLimit int      `json:"accessTokenNumUsesLimit"`
	AccessTokenTrustedIPs   []string `json:"accessTokenTrustedIps"`
}

// TokenSettingsInput is the optional form of TokenSettings in requests: on
// PUT a missing field takes its default, on PATCH it is left unchanged.
type TokenSettingsInput struct {
	AccessTokenTTL          *int      `json:"accessTokenTTL,omitempty"`
	AccessTokenMaxTTL       *int      `json:"accessTokenMaxTTL,omitempty"`
	AccessTokenNumUsesLimit *int      `json:"accessTokenNumUsesLimit,omitempty"`
	AccessTokenTrustedIPs   *[]string `json:"accessTokenTrustedIps,omitempty"`
}

// Apply overlays the given fields on s.
func (in *TokenSettingsInput) Apply(s *TokenSettings) {
	if in.AccessTokenTTL != nil {
		s.AccessTokenTTL = *in.AccessTokenTTL
	}
	if in.AccessTokenMaxTTL != nil {
		s.AccessTokenMaxTTL = *in.AccessTokenMaxTTL
	}
	if in.AccessTokenNumUsesLimit != nil {
		s.AccessTokenNumUsesLimit = *in.AccessTokenNumUsesLimit
	}
	if in.AccessTokenTrustedIPs != nil {
		s.AccessTokenTrustedIPs = *in.AccessTokenTrustedIPs
	}
}

// DefaultTokenSettings are the settings of a method created without any.
func DefaultTokenSettings() TokenSettings {
	return TokenSettings{
		AccessTokenTTL:        DefaultAccessTokenTTL,
		AccessTokenMaxTTL:     DefaultAccessTokenMaxTTL,
		AccessTokenTrustedIPs: []string{"0.0.0.0/0", "::/0"},
	}
}

// Validate checks ranges and that the TTL does not exceed the max TTL.
func (s *TokenSettings) Validate(errs *FieldErrors) {
	validateRange(errs, "accessTokenTTL", s.AccessTokenTTL, 1, MaxTokenTTL)
	validateRange(errs, "accessTokenMaxTTL", s.AccessTokenMaxTTL, 1, MaxTokenTTL)
	if s.AccessTokenTTL > s.AccessTokenMaxTTL {
		errs.Add("accessTokenTTL", "must not exceed accessTokenMaxTTL (%d), got %d", s.AccessTokenMaxTTL, s.AccessTokenTTL)
	}
	validateRange(errs, "accessTokenNumUsesLimit", s.AccessTokenNumUsesLimit, 0, MaxNumUsesLimit)
	validateCIDRs(errs, "accessTokenTrustedIps", s.AccessTokenTrustedIPs)
}

// Lockout settings defaults.
const (
	DefaultLockoutThreshold    = 3
	DefaultLockoutDuration     = 300
	DefaultLockoutCounterReset = 30
)

// Lockout stops logins from one source after repeated failures.
type Lockout struct {
	Enabled             bool `json:"enabled"`
	Threshold           int  `json:"threshold"`
	DurationSeconds     int  `json:"durationSeconds"`
	CounterResetSeconds int  `json:"counterResetSeconds"`
}

// DefaultLockout is enabled with Infisical's defaults.
func DefaultLockout() Lockout {
	return Lockout{Enabled: true, Threshold: DefaultLockoutThreshold, DurationSeconds: DefaultLockoutDuration, CounterResetSeconds: DefaultLockoutCounterReset}
}

// Validate checks the lockout ranges.
func (l *Lockout) Validate(errs *FieldErrors, field string) {
	validateRange(errs, field+".threshold", l.Threshold, 1, 30)
	validateRange(errs, field+".durationSeconds", l.DurationSeconds, 30, 86400)
	validateRange(errs, field+".counterResetSeconds", l.CounterResetSeconds, 5, 3600)
}

// UniversalAuth is the client-ID/client-secret method of an identity.
type UniversalAuth struct {
	IdentityID string `json:"identityId"`
	ClientID   string `json:"clientId"`
	TokenSettings
	ClientSecretTrustedIPs []string  `json:"clientSecretTrustedIps"`
	Lockout                Lockout   `json:"lockout"`
	Version                int64     `json:"version"`
	CreatedAt              time.Time `json:"createdAt"`
	UpdatedAt              time.Time `json:"updatedAt"`
}

// UniversalAuthInput attaches (PUT) or changes (PATCH) universal auth.
type UniversalAuthInput struct {
	TokenSettingsInput
	ClientSecretTrustedIPs *[]string `json:"clientSecretTrustedIps,omitempty"`
	Lockout                *Lockout  `json:"lockout,omitempty"`
}

// Apply overlays the given fields on ua.
func (in *UniversalAuthInput) Apply(ua *UniversalAuth) {
	in.TokenSettingsInput.Apply(&ua.TokenSettings)
	if in.ClientSecretTrustedIPs != nil {
		ua.ClientSecretTrustedIPs = *in.ClientSecretTrustedIPs
	}
	if in.Lockout != nil {
		ua.Lockout = *in.Lockout
	}
}

// Validate checks a complete universal auth configuration.
func (ua *UniversalAuth) Validate(errs *FieldErrors) {
	ua.TokenSettings.Validate(errs)
	validateCIDRs(errs, "clientSecretTrustedIps", ua.ClientSecretTrustedIPs)
	ua.Lockout.Validate(errs, "lockout")
}

// ClientSecret describes a universal-auth client secret; the value itself is
// only ever returned by the create call.
type ClientSecret struct {
	ID           string     `json:"id"`
	IdentityID   string     `json:"identityId"`
	Description  string     `json:"description"`
	Prefix       string     `json:"prefix"`
	TTL          int        `json:"ttl"`
	NumUsesLimit int        `json:"numUsesLimit"`
	NumUses      int        `json:"numUses"`
	ExpiresAt    *time.Time `json:"expiresAt,omitempty"`
	CreatedAt    time.Time  `json:"createdAt"`
}

// Usable reports whether the secret can still log in at now.
func (cs *ClientSecret) Usable(now time.Time) bool {
	if cs.ExpiresAt != nil && !now.Before(*cs.ExpiresAt) {
		return false
	}
	return cs.NumUsesLimit == 0 || cs.NumUses < cs.NumUsesLimit
}

// ClientSecretInput creates a client secret; ttl 0 never expires and
// numUsesLimit 0 is unlimited. ClientSecret, when set, is the value to use
// instead of a generated one (Terraform's write-only client_secret_wo); it
// is then not returned.
type ClientSecretInput struct {
	Description  string `json:"description"`
	TTL          int    `json:"ttl"`
	NumUsesLimit int    `json:"numUsesLimit"`
	ClientSecret string `json:"clientSecret,omitempty"`
}

// Limits of a client secret its owner supplies.
const (
	MinSuppliedSecretLength   = 32
	MaxSuppliedSecretLength   = 512
	MinSuppliedSecretDistinct = 16
)

// Validate checks the ranges and the strength of a supplied secret.
func (in *ClientSecretInput) Validate(errs *FieldErrors) {
	validateDescription(errs, "description", in.Description)
	validateRange(errs, "ttl", in.TTL, 0, MaxTokenTTL)
	validateRange(errs, "numUsesLimit", in.NumUsesLimit, 0, MaxNumUsesLimit)
	if in.ClientSecret != "" {
		if err := ValidateSuppliedSecret(in.ClientSecret); err != nil {
			errs.Add("clientSecret", "%s", err)
		}
	}
}

// ValidateSuppliedSecret refuses weak client secrets: it names what is
// required and never echoes the value.
func ValidateSuppliedSecret(s string) error {
	const need = "must be %d to %d printable ASCII characters without spaces, with at least %d different characters (e.g. an ephemeral random_password of length 40)"
	distinct := map[rune]bool{}
	for _, r := range s {
		if r < 0x21 || r > 0x7e {
			return fmt.Errorf(need+"; it holds a space, a control or a non-ASCII character", MinSuppliedSecretLength, MaxSuppliedSecretLength, MinSuppliedSecretDistinct)
		}
		distinct[r] = true
	}
	switch {
	case len(s) < MinSuppliedSecretLength || len(s) > MaxSuppliedSecretLength:
		return fmt.Errorf(need+"; it has %d", MinSuppliedSecretLength, MaxSuppliedSecretLength, MinSuppliedSecretDistinct, len(s))
	case len(distinct) < MinSuppliedSecretDistinct:
		return fmt.Errorf(need+"; it has %d different characters", MinSuppliedSecretLength, MaxSuppliedSecretLength, MinSuppliedSecretDistinct, len(distinct))
	case strings.HasPrefix(s, "idp_cs_"):
		return errors.New("must not start with idp_cs_, which marks secrets the server generated")
	}
	return nil
}

// ClientSecretCreated is returned once, on creation; the field names match
// Infisical's.
type ClientSecretCreated struct {
	ClientSecret     string       `json:"clientSecret"`
	ClientSecretData ClientSecret `json:"clientSecretData"`
}

// ClientSecretList is the body of the client-secret listing.
type ClientSecretList struct {
	ClientSecrets []ClientSecret `json:"clientSecrets"`
}
