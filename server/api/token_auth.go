package api

import (
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// Limits of the signed-token auth methods (OIDC, JWT, GCP, Azure), shared by
// the server and the provider's plan-time validation.
const (
	MaxLoginJWTBytes    = 16 << 10 // a presented token larger than this is refused
	MaxBindingEntries   = 64       // bound audiences, claims, allowed accounts...
	MaxBindingGlobs     = 64       // globs bound to one claim
	MaxClaimPathLength  = 256
	MaxURLLength        = 2048
	MaxPEMBytes         = 64 << 10
	MaxClaimMetadataKey = 64
)

// TokenAuthLoginRequest is the login body of every method that exchanges a
// signed token (OIDC, JWT, GCP, Azure, Kubernetes), as Infisical's SDKs send it.
type TokenAuthLoginRequest struct {
	IdentityID string `json:"identityId"`
	JWT        string `json:"jwt"`
}

// Validate requires both fields; the token's size and contents are the
// verifier's to judge, so that a refusal is audited.
func (in *TokenAuthLoginRequest) Validate(errs *FieldErrors) {
	if in.IdentityID == "" {
		errs.Add("identityId", "is required")
	}
	if in.JWT == "" {
		errs.Add("jwt", "is required")
	}
}

// AuthMethodBase is what every auth method configuration of an identity
// answers besides its own settings.
type AuthMethodBase struct {
	IdentityID string `json:"identityId"`
	TokenSettings
	Version   int64     `json:"version"`
	CreatedAt time.Time `json:"createdAt"`
	UpdatedAt time.Time `json:"updatedAt"`
}

// TokenBindings are the claim checks of OIDC and JWT auth. Globs match with
// `*` standing for any run of characters (including none); everything else
// is literal.
type TokenBindings struct {
	// BoundIssuer, when set, must equal the token's iss.
	BoundIssuer string `json:"boundIssuer"`
	// BoundAudiences: the token's aud must contain one of them. Empty
	// accepts only tokens without an audience (Vault's rule).
	BoundAudiences []string `json:"boundAudiences"`
	// BoundSubject, when set, is a glob the token's sub must match.
	BoundSubject string `json:"boundSubject"`
	// BoundClaims maps a claim path (dotted for nested objects) to globs, one
	// of which the claim must match; a list claim matches if any element does.
	BoundClaims map[string][]string `json:"boundClaims"`
	// ClaimMetadata maps a metadata key to a claim path; the claim's value is
	// copied into the access token, token/self and the login's audit event.
	ClaimMetadata map[string]string `json:"claimMetadata"`
}

// OIDCAuthConfig is OIDC auth's own configuration: tokens of an OpenID
// Connect provider, found through its discovery document.
type OIDCAuthConfig struct {
	OIDCDiscoveryURL  string `json:"oidcDiscoveryUrl"`
	OIDCCACertificate string `json:"oidcCaCertificate"`
	TokenBindings
}

// OIDCAuth is an identity's OIDC auth.
type OIDCAuth struct {
	AuthMethodBase
	OIDCAuthConfig
}

// OIDCAuthInput attaches or replaces OIDC auth; omitted token settings take
// their defaults.
type OIDCAuthInput struct {
	TokenSettingsInput
	OIDCAuthConfig
}

// JWT auth configuration types.
const (
	JWTConfigJWKS   = "jwks"
	JWTConfigStatic = "static"
)

// JWTAuthConfig is JWT auth's own configuration: tokens signed by keys from a
// JWKS URL or by static public keys.
type JWTAuthConfig struct {
	ConfigurationType string   `json:"configurationType"`
	JWKSURL           string   `json:"jwksUrl"`
	JWKSCACert        string   `json:"jwksCaCert"`
	PublicKeys        []string `json:"publicKeys"`
	TokenBindings
}

// JWTAuth is an identity's JWT auth.
type JWTAuth struct {
	AuthMethodBase
	JWTAuthConfig
}

// JWTAuthInput attaches or replaces JWT auth.
type JWTAuthInput struct {
	TokenSettingsInput
	JWTAuthConfig
}

// GCP auth types.
const (
	GCPTypeGCE = "gce"
	GCPTypeIAM = "iam"
)

// GCPAuthConfig is GCP auth's own configuration: a GCE instance identity
// token (gce) or a JWT signed by a service account key (iam), whose audience
// is the identity's ID.
type GCPAuthConfig struct {
	Type                        string   `json:"type"`
	AllowedServiceAccountEmails []string `json:"allowedServiceAccountEmails"`
	AllowedProjects             []string `json:"allowedProjects"`
	// AllowedZones narrows GCE logins, but binds no principal: any
	// project's VMs run in every zone.
	AllowedZones []string `json:"allowedZones"`
	// AllowAnyPrincipal, when neither service accounts nor projects bind,
	// admits every Google service account and VM in the world; without it
	// such a configuration is refused. The identity audit reports it as a
	// high finding.
	AllowAnyPrincipal bool `json:"allowAnyPrincipal"`
}

// GCPAuth is an identity's GCP auth.
type GCPAuth struct {
	AuthMethodBase
	GCPAuthConfig
}

// GCPAuthInput attaches or replaces GCP auth.
type GCPAuthInput struct {
	TokenSettingsInput
	GCPAuthConfig
}

// DefaultAzureResourceURL is the audience Azure managed identities request by default.
const DefaultAzureResourceURL = "https://management.azure.com/"

// AzureAuthConfig is Azure auth's own configuration: managed-identity tokens
// of one tenant.
type AzureAuthConfig struct {
	TenantID                   string   `json:"tenantId"`
	ResourceURL                string   `json:"resourceUrl"`
	AllowedServicePrincipalIDs []string `json:"allowedServicePrincipalIds"`
}

// AzureAuth is an identity's Azure auth.
type AzureAuth struct {
	AuthMethodBase
	AzureAuthConfig
}

// AzureAuthInput attaches or replaces Azure auth.
type AzureAuthInput struct {
	TokenSettingsInput
	AzureAuthConfig
}

// Validate checks the bindings; every field name is prefixed as the
// request spells it.
func (b *TokenBindings) Validate(errs *FieldErrors) {
	if b.BoundIssuer != "" {
		validateDisplay(errs, "boundIssuer", b.BoundIssuer, MaxURLLength)
	}
	validateStrings(errs, "boundAudiences", b.BoundAudiences, MaxURLLength)
	if b.BoundSubject != "" {
		if err := ValidateBindingGlob(b.BoundSubject); err != nil {
			errs.Add("boundSubject", "%s", err)
		}
	}
	if len(b.BoundClaims) > MaxBindingEntries {
		errs.Add("boundClaims", "must hold at most %d claims, got %d", MaxBindingEntries, len(b.BoundClaims))
	}
	for _, path := range sortedKeys(b.BoundClaims) {
		f := fmt.Sprintf("boundClaims[%q]", path)
		if err := ValidateClaimPath(path); err != nil {
			errs.Add(f, "%s", err)
			continue
		}
		globs := b.BoundClaims[path]
		switch {
		case len(globs) == 0:
			errs.Add(f, "must list at least one glob")
		case len(globs) > MaxBindingGlobs:
			errs.Add(f, "must list at most %d globs, got %d", MaxBindingGlobs, len(globs))
		}
		for i, g := range globs {
			if err := ValidateBindingGlob(g); err != nil {
				errs.Add(fmt.Sprintf("%s[%d]", f, i), "%s", err)
			}
		}
	}
	if len(b.ClaimMetadata) > MaxBindingEntries {
		errs.Add("claimMetadata", "must hold at most %d entries, got %d", MaxBindingEntries, len(b.ClaimMetadata))
	}
	for _, key := range sortedKeys(b.ClaimMetadata) {
		f := fmt.Sprintf("claimMetadata[%q]", key)
		if !metadataKeyRE.MatchString(key) {
			errs.Add(f, "key must start with a letter and hold only letters, digits, '_' and '-', at most %d characters", MaxClaimMetadataKey)
		}
		if err := ValidateClaimPath(b.ClaimMetadata[key]); err != nil {
			errs.Add(f, "%s", err)
		}
	}
}

// Validate checks an OIDC auth configuration.
func (c *OIDCAuthConfig) Validate(errs *FieldErrors) {
	if err := ValidateHTTPSURL(c.OIDCDiscoveryURL); err != nil {
		errs.Add("oidcDiscoveryUrl", "%s", err)
	}
	if c.OIDCCACertificate != "" {
		if err := ValidateCertificatesPEM(c.OIDCCACertificate); err != nil {
			errs.Add("oidcCaCertificate", "%s", err)
		}
	}
	c.TokenBindings.Validate(errs)
}

// Validate checks a JWT auth configuration.
func (c *JWTAuthConfig) Validate(errs *FieldErrors) {
	switch c.ConfigurationType {
	case JWTConfigJWKS:
		if err := ValidateHTTPSURL(c.JWKSURL); err != nil {
			errs.Add("jwksUrl", "%s", err)
		}
		if c.JWKSCACert != "" {
			if err := ValidateCertificatesPEM(c.JWKSCACert); err != nil {
				errs.Add("jwksCaCert", "%s", err)
			}
		}
		if len(c.PublicKeys) > 0 {
			errs.Add("publicKeys", "must be empty when configurationType is %q (set jwksUrl instead)", JWTConfigJWKS)
		}
	case JWTConfigStatic:
		switch {
		case len(c.PublicKeys) == 0:
			errs.Add("publicKeys", "must list at least one PEM public key when configurationType is %q", JWTConfigStatic)
		case len(c.PublicKeys) > MaxBindingEntries:
			errs.Add("publicKeys", "must list at most %d keys, got %d", MaxBindingEntries, len(c.PublicKeys))
		}
		for i, k := range c.PublicKeys {
			if err := ValidatePublicKeyPEM(k); err != nil {
				errs.Add(fmt.Sprintf("publicKeys[%d]", i), "%s", err)
			}
		}
		if c.JWKSURL != "" || c.JWKSCACert != "" {
			errs.Add("jwksUrl", "must be empty when configurationType is %q", JWTConfigStatic)
		}
	default:
		errs.Add("configurationType", "must be %q or %q, got %q", JWTConfigJWKS, JWTConfigStatic, c.ConfigurationType)
	}
	c.TokenBindings.Validate(errs)
}

// Validate checks a GCP auth configuration.
func (c *GCPAuthConfig) Validate(errs *FieldErrors) {
	switch c.Type {
	case GCPTypeGCE, GCPTypeIAM:
	default:
		errs.Add("type", "must be %q or %q, got %q", GCPTypeGCE, GCPTypeIAM, c.Type)
	}
	validateStrings(errs, "allowedServiceAccountEmails", c.AllowedServiceAccountEmails, 320)
	for i, e := range c.AllowedServiceAccountEmails {
		if !strings.Contains(e, "@") {
			errs.Add(fmt.Sprintf("allowedServiceAccountEmails[%d]", i), "%q is not a service account email such as name@project.iam.gserviceaccount.com", e)
		}
	}
	validateStrings(errs, "allowedProjects", c.AllowedProjects, 128)
	validateStrings(errs, "allowedZones", c.AllowedZones, 128)
	if c.Type == GCPTypeIAM && len(c.AllowedZones) > 0 {
		errs.Add("allowedZones", "applies only to type %q: IAM tokens carry no zone", GCPTypeGCE)
	}
	validateBinds(errs, c.AllowAnyPrincipal, "Google service account or VM", binding{"allowedServiceAccountEmails", len(c.AllowedServiceAccountEmails)},
		binding{"allowedProjects", len(c.AllowedProjects)})
}

var uuidRE = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

// Validate checks an Azure auth configuration.
func (c *AzureAuthConfig) Validate(errs *FieldErrors) {
	if !uuidRE.MatchString(c.TenantID) {
		errs.Add("tenantId", "must be the tenant's directory ID, a UUID such as 72f988bf-86f1-41af-91ab-2d7cd011db47, got %q", c.TenantID)
	}
	if c.ResourceURL == "" {
		errs.Add("resourceUrl", "is required (the audience of the tokens, e.g. %s)", DefaultAzureResourceURL)
	} else {
		validateDisplay(errs, "resourceUrl", c.ResourceURL, MaxURLLength)
	}
	validateStrings(errs, "allowedServicePrincipalIds", c.AllowedServicePrincipalIDs, 64)
	for i, id := range c.AllowedServicePrincipalIDs {
		if !uuidRE.MatchString(id) {
			errs.Add(fmt.Sprintf("allowedServicePrincipalIds[%d]", i), "must be a service principal's object ID (a UUID), got %q", id)
		}
	}
}

// Validate checks the whole input.
func (in *OIDCAuthInput) Validate(errs *FieldErrors) { in.OIDCAuthConfig.Validate(errs) }

// Validate checks the whole input.
func (in *JWTAuthInput) Validate(errs *FieldErrors) { in.JWTAuthConfig.Validate(errs) }

// Validate checks the whole input.
func (in *GCPAuthInput) Validate(errs *FieldErrors) { in.GCPAuthConfig.Validate(errs) }

// Validate checks the whole input.
func (in *AzureAuthInput) Validate(errs *FieldErrors) { in.AzureAuthConfig.Validate(errs) }

var (
	claimSegmentRE = regexp.MustCompile(`^[^.\s]+$`)
	metadataKeyRE  = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_-]{0,63}$`)
)

// ValidateClaimPath accepts a claim name or a dotted path into nested
// objects ("repository", "google.compute_engine.project_id").
func ValidateClaimPath(p string) error {
	if p == "" {
		return errors.New("claim path must not be empty")
	}
	if len(p) > MaxClaimPathLength {
		return fmt.Errorf("claim path must be at most %d bytes, got %d", MaxClaimPathLength, len(p))
	}
	for _, seg := range strings.Split(p, ".") {
		if !claimSegmentRE.MatchString(seg) || hasControlOrFormat(seg) {
			return fmt.Errorf("claim path %q must be claim names joined by single dots, without spaces (e.g. google.compute_engine.project_id)", p)
		}
	}
	return nil
}

// ValidateBindingGlob accepts a non-empty glob of printable characters.
func ValidateBindingGlob(g string) error {
	switch {
	case g == "":
		return errors.New("glob must not be empty")
	case len(g) > MaxPatternLength:
		return fmt.Errorf("glob must be at most %d bytes, got %d", MaxPatternLength, len(g))
	case !utf8.ValidString(g) || hasControlOrFormat(g):
		return fmt.Errorf("glob %q must be valid UTF-8 without control or format characters", g)
	}
	return nil
}

// ValidateHTTPSURL accepts an absolute https:// URL with a host and no
// credentials or fragment.
func ValidateHTTPSURL(s string) error {
	if s == "" {
		return errors.New("is required: an https:// URL")
	}
	if len(s) > MaxURLLength {
		return fmt.Errorf("must be at most %d bytes", MaxURLLength)
	}
	u, err := url.Parse(s)
	if err != nil || u.Scheme != "https" || u.Host == "" || u.Opaque != "" {
		return fmt.Errorf("%q is not an https:// URL with a host", s)
	}
	if u.User != nil {
		return fmt.Errorf("%q must not carry credentials", s)
	}
	if u.Fragment != "" {
		return fmt.Errorf("%q must not have a fragment", s)
	}
	return nil
}

// ValidateCertificatesPEM accepts one or more PEM CERTIFICATE blocks and
// nothing else.
func ValidateCertificatesPEM(s string) error {
	_, err := ParseCertificatesPEM(s)
	return err
}

// ParseCertificatesPEM parses a PEM bundle of certificates.
func ParseCertificatesPEM(s string) ([]*x509.Certificate, error) {
	if len(s) > MaxPEMBytes {
		return nil, fmt.Errorf("must be at most %d bytes of PEM", MaxPEMBytes)
	}
	var out []*x509.Certificate
	rest := []byte(s)
	for {
		var b *pem.Block
		b, rest = pem.Decode(rest)
		if b == nil {
			break
		}
		if b.Type != "CERTIFICATE" {
			return nil, fmt.Errorf("holds a PEM block of type %q; only CERTIFICATE blocks are allowed", b.Type)
		}
		c, err := x509.ParseCertificate(b.Bytes)
		if err != nil {
			return nil, fmt.Errorf("certificate %d does not parse: %v", len(out)+1, err)
		}
		out = append(out, c)
	}
	if len(out) == 0 || strings.TrimSpace(string(rest)) != "" {
		return nil, errors.New("must be one or more PEM-encoded certificates (-----BEGIN CERTIFICATE-----) and nothing else")
	}
	return out, nil
}

// ValidatePublicKeyPEM accepts one PEM PUBLIC KEY (PKIX) or CERTIFICATE
// holding an RSA, ECDSA or Ed25519 key.
func ValidatePublicKeyPEM(s string) error {
	_, err := ParsePublicKeyPEM(s)
	return err
}

// ParsePublicKeyPEM parses a PEM public key or certificate.
func ParsePublicKeyPEM(s string) (any, error) {
	if len(s) > MaxPEMBytes {
		return nil, fmt.Errorf("must be at most %d bytes of PEM", MaxPEMBytes)
	}
	b, rest := pem.Decode([]byte(s))
	if b == nil || strings.TrimSpace(string(rest)) != "" {
		return nil, errors.New("must be exactly one PEM block (-----BEGIN PUBLIC KEY----- or -----BEGIN CERTIFICATE-----)")
	}
	switch b.Type {
	case "PUBLIC KEY":
		k, err := x509.ParsePKIXPublicKey(b.Bytes)
		if err != nil {
			return nil, fmt.Errorf("public key does not parse: %v", err)
		}
		return k, nil
	case "CERTIFICATE":
		c, err := x509.ParseCertificate(b.Bytes)
		if err != nil {
			return nil, fmt.Errorf("certificate does not parse: %v", err)
		}
		return c.PublicKey, nil
	}
	return nil, fmt.Errorf("holds a PEM block of type %q; only PUBLIC KEY and CERTIFICATE are allowed (never a private key)", b.Type)
}

func validateStrings(errs *FieldErrors, field string, list []string, maxLen int) {
	if len(list) > MaxBindingEntries {
		errs.Add(field, "must hold at most %d entries, got %d", MaxBindingEntries, len(list))
		return
	}
	for i, s := range list {
		f := fmt.Sprintf("%s[%d]", field, i)
		validateDisplay(errs, f, s, maxLen)
		if slices.Contains(list[:i], s) {
			errs.Add(f, "duplicate entry %q", s)
		}
	}
}

func validateDisplay(errs *FieldErrors, field, s string, maxLen int) {
	switch {
	case s == "":
		errs.Add(field, "must not be empty")
	case len(s) > maxLen:
		errs.Add(field, "must be at most %d bytes, got %d", maxLen, len(s))
	case !utf8.ValidString(s) || hasControlOrFormat(s):
		errs.Add(field, "must be valid UTF-8 without control or format characters")
	}
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
