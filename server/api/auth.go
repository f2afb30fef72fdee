package api

import "time"

// UniversalAuthLoginRequest is Infisical's universal-auth login body.
type UniversalAuthLoginRequest struct {
	ClientID     string `json:"clientId"`
	ClientSecret string `json:"clientSecret"`
}

// LoginResponse is Infisical's login response.
type LoginResponse struct {
	AccessToken       string `json:"accessToken"`
	ExpiresIn         int    `json:"expiresIn"`
	AccessTokenMaxTTL int    `json:"accessTokenMaxTTL"`
	TokenType         string `json:"tokenType"`
}

// AccessTokenRequest names a token to renew or revoke.
type AccessTokenRequest struct {
	AccessToken string `json:"accessToken"`
}

// RevokeResponse acknowledges a revocation.
type RevokeResponse struct {
	Message string `json:"message"`
}

// TokenSelf describes the caller's access token.
type TokenSelf struct {
	TokenID        string    `json:"tokenId"`
	IdentityID     string    `json:"identityId"`
	OrganizationID string    `json:"organizationId"`
	AuthMethod     string    `json:"authMethod"`
	IssuedAt       time.Time `json:"issuedAt"`
	ExpiresAt      time.Time `json:"expiresAt"`
	MaxExpiresAt   time.Time `json:"maxExpiresAt"`
	NumUsesLimit   int       `json:"numUsesLimit"`
	// Metadata holds the claims an OIDC or JWT auth copied from the
	// workload's token (claim_metadata), e.g. repository and ref.
	Metadata map[string]string `json:"metadata,omitempty"`
}

// Health is the body of /healthz and /readyz.
type Health struct {
	Status string `json:"status"`
}
