package api

import "context"

// KubernetesAuthLogin exchanges a Kubernetes service account token for an access token.
func (c *Client) KubernetesAuthLogin(ctx context.Context, in TokenAuthLoginRequest) (*LoginResponse, error) {
	return send[LoginResponse](ctx, c, RouteKubernetesAuthLogin, 0, in)
}

// AWSAuthLogin exchanges a signed sts:GetCallerIdentity request for an access token.
func (c *Client) AWSAuthLogin(ctx context.Context, in AWSAuthLoginRequest) (*LoginResponse, error) {
	return send[LoginResponse](ctx, c, RouteAWSAuthLogin, 0, in)
}

// TLSCertAuthLogin exchanges the TLS client certificate of the client's
// connection for an access token: the client's HTTP client must present it.
func (c *Client) TLSCertAuthLogin(ctx context.Context, in TLSCertAuthLoginRequest) (*LoginResponse, error) {
	return send[LoginResponse](ctx, c, RouteTLSCertAuthLogin, 0, in)
}

// GetKubernetesAuth gets an identity's Kubernetes auth.
func (c *Client) GetKubernetesAuth(ctx context.Context, identityID string) (*KubernetesAuth, error) {
	return get[KubernetesAuth](ctx, c, RouteGetKubernetesAuth, identityID)
}

// PutKubernetesAuth attaches Kubernetes auth or replaces all its settings.
func (c *Client) PutKubernetesAuth(ctx context.Context, identityID string, version int64, in KubernetesAuthInput) (*KubernetesAuth, error) {
	return send[KubernetesAuth](ctx, c, RoutePutKubernetesAuth, version, in, identityID)
}

// DeleteKubernetesAuth detaches Kubernetes auth, revoking its tokens.
func (c *Client) DeleteKubernetesAuth(ctx context.Context, identityID string, version int64) error {
	return del(ctx, c, RouteDeleteKubernetesAuth, version, identityID)
}

// GetAWSAuth gets an identity's AWS auth.
func (c *Client) GetAWSAuth(ctx context.Context, identityID string) (*AWSAuth, error) {
	return get[AWSAuth](ctx, c, RouteGetAWSAuth, identityID)
}

// PutAWSAuth attaches AWS auth or replaces all its settings.
func (c *Client) PutAWSAuth(ctx context.Context, identityID string, version int64, in AWSAuthInput) (*AWSAuth, error) {
	return send[AWSAuth](ctx, c, RoutePutAWSAuth, version, in, identityID)
}

// DeleteAWSAuth detaches AWS auth, revoking its tokens.
func (c *Client) DeleteAWSAuth(ctx context.Context, identityID string, version int64) error {
	return del(ctx, c, RouteDeleteAWSAuth, version, identityID)
}

// GetTLSCertAuth gets an identity's TLS certificate auth.
func (c *Client) GetTLSCertAuth(ctx context.Context, identityID string) (*TLSCertAuth, error) {
	return get[TLSCertAuth](ctx, c, RouteGetTLSCertAuth, identityID)
}

// PutTLSCertAuth attaches TLS certificate auth or replaces all its settings.
func (c *Client) PutTLSCertAuth(ctx context.Context, identityID string, version int64, in TLSCertAuthInput) (*TLSCertAuth, error) {
	return send[TLSCertAuth](ctx, c, RoutePutTLSCertAuth, version, in, identityID)
}

// DeleteTLSCertAuth detaches TLS certificate auth, revoking its tokens.
func (c *Client) DeleteTLSCertAuth(ctx context.Context, identityID string, version int64) error {
	return del(ctx, c, RouteDeleteTLSCertAuth, version, identityID)
}
