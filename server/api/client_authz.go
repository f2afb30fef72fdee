package api

import "context"

// CheckAuthz asks whether an identity or access token may perform an action
// (the caller needs authz check).
func (c *Client) CheckAuthz(ctx context.Context, in AuthzCheck) (*AuthzDecision, error) {
	return send[AuthzDecision](ctx, c, RouteAuthzCheck, 0, in)
}

// CheckAuthzBatch asks up to MaxAuthzBatch questions at once; the answers
// come in the same order.
func (c *Client) CheckAuthzBatch(ctx context.Context, checks []AuthzCheck) (*AuthzDecisionList, error) {
	return send[AuthzDecisionList](ctx, c, RouteAuthzCheckBatch, 0, AuthzCheckBatch{Checks: checks})
}

// IntrospectToken describes an access token of the caller's organization
// (RFC 7662; the caller needs token-introspection read). An inactive token
// is Active false and nothing else.
func (c *Client) IntrospectToken(ctx context.Context, token string) (*TokenIntrospection, error) {
	return send[TokenIntrospection](ctx, c, RouteIntrospectToken, 0, TokenIntrospectionRequest{Token: token})
}
