package api

import "context"

// OIDCAuthLogin exchanges an OpenID Connect ID token for an access token.
func (c *Client) OIDCAuthLogin(ctx context.Context, in TokenAuthLoginRequest) (*LoginResponse, error) {
	return send[LoginResponse](ctx, c, RouteOIDCAuthLogin, 0, in)
}

// JWTAuthLogin exchanges a JWT for an access token.
func (c *Client) JWTAuthLogin(ctx context.Context, in TokenAuthLoginRequest) (*LoginResponse, error) {
	return send[LoginResponse](ctx, c, RouteJWTAuthLogin, 0, in)
}

// GCPAuthLogin exchanges a GCE identity token or a service-account-signed JWT for an access token.
func (c *Client) GCPAuthLogin(ctx context.Context, in TokenAuthLoginRequest) (*LoginResponse, error) {
	return send[LoginResponse](ctx, c, RouteGCPAuthLogin, 0, in)
}

// AzureAuthLogin exchanges an Azure managed-identity token for an access token.
func (c *Client) AzureAuthLogin(ctx context.Context, in TokenAuthLoginRequest) (*LoginResponse, error) {
	return send[LoginResponse](ctx, c, RouteAzureAuthLogin, 0, in)
}

// GetOIDCAuth gets an identity's OIDC auth.
func (c *Client) GetOIDCAuth(ctx context.Context, identityID string) (*OIDCAuth, error) {
	return get[OIDCAuth](ctx, c, RouteGetOIDCAuth, identityID)
}

// PutOIDCAuth attaches OIDC auth or replaces all its settings.
func (c *Client) PutOIDCAuth(ctx context.Context, identityID string, version int64, in OIDCAuthInput) (*OIDCAuth, error) {
	return send[OIDCAuth](ctx, c, RoutePutOIDCAuth, version, in, identityID)
}

// DeleteOIDCAuth detaches OIDC auth, revoking its tokens.
func (c *Client) DeleteOIDCAuth(ctx context.Context, identityID string, version int64) error {
	return del(ctx, c, RouteDeleteOIDCAuth, version, identityID)
}

// GetJWTAuth gets an identity's JWT auth.
func (c *Client) GetJWTAuth(ctx context.Context, identityID string) (*JWTAuth, error) {
	return get[JWTAuth](ctx, c, RouteGetJWTAuth, identityID)
}

// PutJWTAuth attaches JWT auth or replaces all its settings.
func (c *Client) PutJWTAuth(ctx context.Context, identityID string, version int64, in JWTAuthInput) (*JWTAuth, error) {
	return send[JWTAuth](ctx, c, RoutePutJWTAuth, version, in, identityID)
}

// DeleteJWTAuth detaches JWT auth, revoking its tokens.
func (c *Client) DeleteJWTAuth(ctx context.Context, identityID string, version int64) error {
	return del(ctx, c, RouteDeleteJWTAuth, version, identityID)
}

// GetGCPAuth gets an identity's GCP auth.
func (c *Client) GetGCPAuth(ctx context.Context, identityID string) (*GCPAuth, error) {
	return get[GCPAuth](ctx, c, RouteGetGCPAuth, identityID)
}

// PutGCPAuth attaches GCP auth or replaces all its settings.
func (c *Client) PutGCPAuth(ctx context.Context, identityID string, version int64, in GCPAuthInput) (*GCPAuth, error) {
	return send[GCPAuth](ctx, c, RoutePutGCPAuth, version, in, identityID)
}

// DeleteGCPAuth detaches GCP auth, revoking its tokens.
func (c *Client) DeleteGCPAuth(ctx context.Context, identityID string, version int64) error {
	return del(ctx, c, RouteDeleteGCPAuth, version, identityID)
}

// GetAzureAuth gets an identity's Azure auth.
func (c *Client) GetAzureAuth(ctx context.Context, identityID string) (*AzureAuth, error) {
	return get[AzureAuth](ctx, c, RouteGetAzureAuth, identityID)
}

// PutAzureAuth attaches Azure auth or replaces all its settings.
func (c *Client) PutAzureAuth(ctx context.Context, identityID string, version int64, in AzureAuthInput) (*AzureAuth, error) {
	return send[AzureAuth](ctx, c, RoutePutAzureAuth, version, in, identityID)
}

// DeleteAzureAuth detaches Azure auth, revoking its tokens.
func (c *Client) DeleteAzureAuth(ctx context.Context, identityID string, version int64) error {
	return del(ctx, c, RouteDeleteAzureAuth, version, identityID)
}
