package api

import (
	"fmt"
	"regexp"
	"strings"
)

// Kubernetes auth: a pod logs in with its service account token, which the
// cluster's TokenReview API vouches for.

// KubernetesAuthConfig is Kubernetes auth's own configuration, as the API
// answers it. Globs match with `*` standing for any run of characters.
type KubernetesAuthConfig struct {
	// KubernetesHost is the API server, an https:// URL.
	KubernetesHost string `json:"kubernetesHost"`
	// KubernetesCACertificate is the PEM CA the API server's certificate
	// chains to; empty trusts the server's outbound roots.
	KubernetesCACertificate string `json:"kubernetesCaCertificate"`
	// AllowedNamespaces and AllowedServiceAccountNames are globs; empty
	// allows any.
	AllowedNamespaces          []string `json:"allowedNamespaces"`
	AllowedServiceAccountNames []string `json:"allowedServiceAccountNames"`
	// AllowedAudience, when set, is the audience the TokenReview asks for
	// and the token must carry.
	AllowedAudience string `json:"allowedAudience"`
}

// KubernetesAuth is an identity's Kubernetes auth. The token reviewer JWT
// is never answered: TokenReviewerJWTSet says whether one is stored.
type KubernetesAuth struct {
	AuthMethodBase
	KubernetesAuthConfig
	TokenReviewerJWTSet bool `json:"tokenReviewerJwtSet"`
}

// KubernetesAuthInput attaches or replaces Kubernetes auth.
type KubernetesAuthInput struct {
	TokenSettingsInput
	KubernetesAuthConfig
	// TokenReviewerJWT is the bearer of the TokenReview calls, stored
	// encrypted. Omitted (null) keeps the stored one, "" removes it (the
	// caller's own token is then the reviewer's bearer).
	TokenReviewerJWT *string `json:"tokenReviewerJwt,omitempty"`
}

// MaxReviewerJWTBytes bounds the token reviewer JWT.
const MaxReviewerJWTBytes = 16 << 10

var k8sNameGlobRE = regexp.MustCompile(`^[a-z0-9.*-]{1,253}$`)

// Validate checks a Kubernetes auth configuration.
func (c *KubernetesAuthConfig) Validate(errs *FieldErrors) {
	if err := ValidateHTTPSURL(c.KubernetesHost); err != nil {
		errs.Add("kubernetesHost", "%s", err)
	}
	if c.KubernetesCACertificate != "" {
		if err := ValidateCertificatesPEM(c.KubernetesCACertificate); err != nil {
			errs.Add("kubernetesCaCertificate", "%s", err)
		}
	}
	validateK8sNames(errs, "allowedNamespaces", c.AllowedNamespaces)
	validateK8sNames(errs, "allowedServiceAccountNames", c.AllowedServiceAccountNames)
	if c.AllowedAudience != "" {
		validateDisplay(errs, "allowedAudience", c.AllowedAudience, MaxURLLength)
	}
}

func validateK8sNames(errs *FieldErrors, field string, list []string) {
	validateStrings(errs, field, list, 253)
	for i, g := range list {
		if !k8sNameGlobRE.MatchString(g) {
			errs.Add(fmt.Sprintf("%s[%d]", field, i), "%q must be a Kubernetes name (lowercase letters, digits, '-' and '.') or a glob of one with '*'", g)
		}
	}
}

// Validate checks the whole input.
func (in *KubernetesAuthInput) Validate(errs *FieldErrors) {
	in.KubernetesAuthConfig.Validate(errs)
	if in.TokenReviewerJWT != nil && len(*in.TokenReviewerJWT) > MaxReviewerJWTBytes {
		errs.Add("tokenReviewerJwt", "must be at most %d bytes", MaxReviewerJWTBytes)
	}
}

// AWS auth: a workload logs in with a signed sts:GetCallerIdentity request
// that the server forwards to STS.

// DefaultSTSEndpoint is where AWS auth forwards signed requests by default.
const DefaultSTSEndpoint = "https://sts.amazonaws.com/"

// AWSServerIDHeader carries AWSAuthConfig.ServerID in the signed request.
const AWSServerIDHeader = "X-Idplane-Server-Id"

// AWSAuthConfig is AWS auth's own configuration.
type AWSAuthConfig struct {
	// AllowedAccountIDs are 12-digit account IDs; empty allows any.
	AllowedAccountIDs []string `json:"allowedAccountIds"`
	// AllowedPrincipalArns are globs over the caller's ARN; an assumed
	// role's ARN (arn:aws:sts::<acct>:assumed-role/<role>/<session>) also
	// matches as its role's (arn:aws:iam::<acct>:role/<role>). Empty allows any.
	AllowedPrincipalArns []string `json:"allowedPrincipalArns"`
	// STSEndpoint is the only place signed requests are forwarded to;
	// the request's Host header must name its host. DefaultSTSEndpoint
	// stands for AWS's STS as a whole: a request signed for any of AWS's
	// own STS hosts (regional, FIPS, other partitions) is forwarded to the
	// host it was signed for, and to no other.
	STSEndpoint string `json:"stsEndpoint"`
	// STSRegion, when set, is the region the request must be signed for.
	STSRegion string `json:"stsRegion"`
	// ServerID, when set, must be sent in the X-Idplane-Server-Id header and
	// be signed, so a login cannot be replayed to another server.
	ServerID string `json:"serverId"`
	// AllowAnyPrincipal, when neither list binds, admits every AWS
	// principal in the world; without it such a configuration is refused.
	// The identity audit reports it as a high finding.
	AllowAnyPrincipal bool `json:"allowAnyPrincipal"`
}

// AWSAuth is an identity's AWS auth.
type AWSAuth struct {
	AuthMethodBase
	AWSAuthConfig
}

// AWSAuthInput attaches or replaces AWS auth; an empty stsEndpoint is the
// default.
type AWSAuthInput struct {
	TokenSettingsInput
	AWSAuthConfig
}

// AWSAuthLoginRequest is AWS auth's login, as Infisical's SDKs send it:
// the body and a JSON object of the headers, both base64.
type AWSAuthLoginRequest struct {
	IdentityID           string `json:"identityId"`
	IAMHTTPRequestMethod string `json:"iamHttpRequestMethod"`
	IAMRequestBody       string `json:"iamRequestBody"`
	IAMRequestHeaders    string `json:"iamRequestHeaders"`
}

// Validate requires every field; their contents are the verifier's to
// judge, so that a refusal is audited.
func (in *AWSAuthLoginRequest) Validate(errs *FieldErrors) {
	for _, f := range []struct{ name, v string }{{"identityId", in.IdentityID}, {"iamHttpRequestMethod", in.IAMHTTPRequestMethod},
		{"iamRequestBody", in.IAMRequestBody}, {"iamRequestHeaders", in.IAMRequestHeaders}} {
		if f.v == "" {
			errs.Add(f.name, "is required")
		}
	}
}

var (
	awsAccountRE = regexp.MustCompile(`^[0-9]{12}$`)
	awsRegionRE  = regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-[0-9]+$`)
	serverIDRE   = regexp.MustCompile(`^[\x21-\x7e]{1,256}$`)
)

// Validate checks an AWS auth configuration.
func (c *AWSAuthConfig) Validate(errs *FieldErrors) {
	validateStrings(errs, "allowedAccountIds", c.AllowedAccountIDs, 12)
	for i, a := range c.AllowedAccountIDs {
		if !awsAccountRE.MatchString(a) {
			errs.Add(fmt.Sprintf("allowedAccountIds[%d]", i), "%q is not a 12-digit AWS account ID", a)
		}
	}
	validateStrings(errs, "allowedPrincipalArns", c.AllowedPrincipalArns, MaxPatternLength)
	for i, a := range c.AllowedPrincipalArns {
		if !strings.HasPrefix(a, "arn:") {
			errs.Add(fmt.Sprintf("allowedPrincipalArns[%d]", i), "%q must be an ARN or a glob of one (arn:aws:iam::123456789012:role/*)", a)
		}
	}
	if c.STSEndpoint != "" {
		if err := ValidateHTTPSURL(c.STSEndpoint); err != nil {
			errs.Add("stsEndpoint", "%s", err)
		}
	}
	if c.STSRegion != "" && !awsRegionRE.MatchString(c.STSRegion) {
		errs.Add("stsRegion", "%q is not an AWS region such as us-east-1", c.STSRegion)
	}
	if c.ServerID != "" && !serverIDRE.MatchString(c.ServerID) {
		errs.Add("serverId", "must be 1 to 256 printable ASCII characters without spaces")
	}
	validateBinds(errs, c.AllowAnyPrincipal, "AWS principal", binding{"allowedAccountIds", len(c.AllowedAccountIDs)},
		binding{"allowedPrincipalArns", len(c.AllowedPrincipalArns)})
}

// binding is one allow-list of a configuration and how many entries it has.
type binding struct {
	field string
	n     int
}

// validateBinds requires a method whose empty allow-lists admit any
// principal of its platform in the world to bind at least one of them,
// unless allowAny says so explicitly; allowAny with a list that binds is
// refused as contradictory. The error is on the first list's field.
func validateBinds(errs *FieldErrors, allowAny bool, principal string, lists ...binding) {
	names := make([]string, len(lists))
	bound := false
	for i, l := range lists {
		names[i] = l.field
		bound = bound || l.n > 0
	}
	either := strings.Join(names, " or ")
	switch {
	case !bound && !allowAny:
		errs.Add(lists[0].field, "bind at least one of %s, or set allowAnyPrincipal to true to admit any %s in the world", either, principal)
	case bound && allowAny:
		errs.Add("allowAnyPrincipal", "must be false when %s bind: they decide who may log in", either)
	}
}

// Validate checks the whole input.
func (in *AWSAuthInput) Validate(errs *FieldErrors) { in.AWSAuthConfig.Validate(errs) }

// TLS certificate auth: a workload logs in with a client certificate that
// chains to the identity's CA.

// Subject alternative name types of TLSCertAuthConfig.AllowedSubjectAltNames.
const (
	SANTypeDNS   = "DNS"
	SANTypeURI   = "URI"
	SANTypeIP    = "IP"
	SANTypeEmail = "EMAIL"
)

// TLSCertAuthConfig is TLS certificate auth's own configuration.
type TLSCertAuthConfig struct {
	// CACertificate is the PEM bundle of CAs client certificates must chain
	// to; intermediates may come with the client's certificate.
	CACertificate string `json:"caCertificate"`
	// AllowedCommonNames are globs over the subject's CN; empty allows any.
	AllowedCommonNames []string `json:"allowedCommonNames"`
	// AllowedSubjectAltNames are typed: DNS:<glob>, URI:<glob>, EMAIL:<glob>
	// or IP:<address or CIDR>; one SAN of the certificate must match one.
	// Empty allows any.
	AllowedSubjectAltNames []string `json:"allowedSubjectAltNames"`
}

// TLSCertAuth is an identity's TLS certificate auth.
type TLSCertAuth struct {
	AuthMethodBase
	TLSCertAuthConfig
}

// TLSCertAuthInput attaches or replaces TLS certificate auth.
type TLSCertAuthInput struct {
	TokenSettingsInput
	TLSCertAuthConfig
}

// TLSCertAuthLoginRequest is TLS certificate auth's login; the certificate
// comes with the connection (or the TLS-terminating proxy's header).
type TLSCertAuthLoginRequest struct {
	IdentityID string `json:"identityId"`
}

// Validate requires the identity.
func (in *TLSCertAuthLoginRequest) Validate(errs *FieldErrors) {
	if in.IdentityID == "" {
		errs.Add("identityId", "is required")
	}
}

// ParseSAN splits a typed SAN pattern ("DNS:*.svc.cluster.local") into its
// type and pattern, and checks the pattern.
func ParseSAN(s string) (typ, pattern string, err error) {
	typ, pattern, ok := strings.Cut(s, ":")
	typ = strings.ToUpper(typ)
	if !ok || pattern == "" {
		return "", "", fmt.Errorf("%q must be TYPE:pattern with TYPE one of DNS, URI, IP, EMAIL (e.g. DNS:*.svc.cluster.local)", s)
	}
	switch typ {
	case SANTypeDNS, SANTypeURI, SANTypeEmail:
		if err := ValidateBindingGlob(pattern); err != nil {
			return "", "", err
		}
	case SANTypeIP:
		if _, err := ParseCIDR(pattern); err != nil {
			return "", "", err
		}
	default:
		return "", "", fmt.Errorf("%q has type %q: the type must be DNS, URI, IP or EMAIL", s, typ)
	}
	return typ, pattern, nil
}

// Validate checks a TLS certificate auth configuration.
func (c *TLSCertAuthConfig) Validate(errs *FieldErrors) {
	if c.CACertificate == "" {
		errs.Add("caCertificate", "is required: the PEM CA certificates client certificates must chain to")
	} else if err := ValidateCertificatesPEM(c.CACertificate); err != nil {
		errs.Add("caCertificate", "%s", err)
	}
	validateStrings(errs, "allowedCommonNames", c.AllowedCommonNames, MaxPatternLength)
	for i, g := range c.AllowedCommonNames {
		if err := ValidateBindingGlob(g); err != nil {
			errs.Add(fmt.Sprintf("allowedCommonNames[%d]", i), "%s", err)
		}
	}
	validateStrings(errs, "allowedSubjectAltNames", c.AllowedSubjectAltNames, MaxPatternLength)
	for i, s := range c.AllowedSubjectAltNames {
		if _, _, err := ParseSAN(s); err != nil {
			errs.Add(fmt.Sprintf("allowedSubjectAltNames[%d]", i), "%s", err)
		}
	}
}

// Validate checks the whole input.
func (in *TLSCertAuthInput) Validate(errs *FieldErrors) { in.TLSCertAuthConfig.Validate(errs) }
