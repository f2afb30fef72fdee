package service

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/idplane/idplane/server/api"
	"github.com/idplane/idplane/server/internal/store"
	"github.com/idplane/idplane/server/internal/token"
)

// allowsAll reports whether a trusted-IP list admits every address, in which
// case tokens need not carry it.
func allowsAll(cidrs []string) bool {
	return slices.Contains(cidrs, "0.0.0.0/0") && slices.Contains(cidrs, "::/0")
}

// issue signs an access token and makes it, its audit event and the
// caller's other writes durable in one group commit (see Core.Issue).
func (s *Service) issue(ctx context.Context, meta Meta, in Issue, writes store.Writes) (*api.LoginResponse, error) {
	now := s.now().Truncate(time.Second)
	ttl := time.Duration(in.Settings.AccessTokenTTL) * time.Second
	maxTTL := time.Duration(in.Settings.AccessTokenMaxTTL) * time.Second
	c := token.Claims{
		TokenID: uuid.NewString(), IdentityID: in.IdentityID, OrganizationID: in.OrgID,
		AuthMethod: in.Method, AuthMethodID: in.MethodID, CredentialID: in.CredentialID,
		IssuedAt: now, ExpiresAt: now.Add(ttl), MaxExpiresAt: now.Add(maxTTL),
		NumUsesLimit: in.Settings.AccessTokenNumUsesLimit,
		Metadata:     in.Metadata,
	}
	if !allowsAll(in.Settings.AccessTokenTrustedIPs) {
		c.TrustedIPs = in.Settings.AccessTokenTrustedIPs
	}
	raw, err := s.signer.Sign(c)
	if err != nil {
		return nil, err
	}
	writes.Tokens = append(writes.Tokens, store.AccessToken{
		ID: c.TokenID, OrganizationID: in.OrgID, IdentityID: in.IdentityID, AuthMethod: in.Method,
		AuthMethodID: in.MethodID, CredentialID: in.CredentialID, TTL: in.Settings.AccessTokenTTL,
		NumUsesLimit: c.NumUsesLimit, CreatedAt: now, ExpiresAt: c.ExpiresAt, MaxExpiresAt: c.MaxExpiresAt,
	})
	writes.Events = append(writes.Events, s.newEvent(meta, in.OrgID, ActorIdentity, in.IdentityID, "login."+in.Method,
		"identity", in.IdentityID, api.OutcomeSuccess, "", loginEventMetadata(c.TokenID, in)))
	if err := s.writes.Write(ctx, writes); err != nil {
		return nil, fmt.Errorf("record login: %w", err)
	}
	s.observer.Login(in.Method, api.OutcomeSuccess)
	s.observer.TokenIssued(in.Method)
	s.activity.Record(in.OrgID, in.IdentityID, in.Method, now)
	return &api.LoginResponse{AccessToken: raw, ExpiresIn: int(ttl.Seconds()), AccessTokenMaxTTL: int(maxTTL.Seconds()), TokenType: "Bearer"}, nil
}

// loginEventMetadata is a successful login's audit metadata: the token ID,
// the credential used (a client secret; the identity audit reads its last
// use from here), the subject, and the claims copied into the token under
// "claim.<key>".
func loginEventMetadata(tokenID string, in Issue) map[string]string {
	md := map[string]string{"tokenId": tokenID}
	if in.CredentialID != "" {
		md["credentialId"] = in.CredentialID
	}
	if in.Subject != "" {
		md["subject"] = in.Subject
	}
	for k, v := range in.Metadata {
		md["claim."+k] = v
	}
	return md
}

// RenewToken extends a live token by its TTL, never past its max TTL. The
// renewed token keeps its ID, so revoking either revokes both.
func (s *Service) RenewToken(ctx context.Context, meta Meta, in *api.AccessTokenRequest) (*api.LoginResponse, error) {
	c, err := s.tokenFromBody(ctx, meta, in)
	if err != nil {
		return nil, err
	}
	var row store.AccessToken
	if err := s.db.WithContext(ctx).Where("id = ? AND revoked_at IS NULL", c.Claims.TokenID).Take(&row).Error; err != nil {
		if isNotFound(err) {
			return nil, fmt.Errorf("access token revoked: %w", ErrUnauthenticated)
		}
		return nil, fmt.Errorf("load access token: %w", err)
	}
	now := s.now().Truncate(time.Second)
	exp := now.Add(time.Duration(row.TTL) * time.Second)
	if exp.After(row.MaxExpiresAt) {
		exp = row.MaxExpiresAt
	}
	if !exp.After(now) {
		return nil, fmt.Errorf("access token reached its max TTL; log in again: %w", ErrUnauthenticated)
	}
	claims := c.Claims
	claims.ExpiresAt = exp
	raw, err := s.signer.Sign(claims)
	if err != nil {
		return nil, err
	}
	err = s.tx(ctx, func(tx *gorm.DB) error {
		if err := tx.Model(&store.AccessToken{}).Where("id = ?", row.ID).Update("expires_at", exp).Error; err != nil {
			return fmt.Errorf("renew access token: %w", err)
		}
		ev := s.newEvent(meta, row.OrganizationID, ActorIdentity, row.IdentityID, "token.renew", "token", row.ID, api.OutcomeSuccess, "", nil)
		return tx.Create(&ev).Error
	})
	if err != nil {
		return nil, err
	}
	return &api.LoginResponse{AccessToken: raw, ExpiresIn: int(exp.Sub(now).Seconds()),
		AccessTokenMaxTTL: int(row.MaxExpiresAt.Sub(row.CreatedAt).Seconds()), TokenType: "Bearer"}, nil
}

// RevokeToken revokes the presented token on every replica.
func (s *Service) RevokeToken(ctx context.Context, meta Meta, in *api.AccessTokenRequest) (*api.RevokeResponse, error) {
	c, err := s.tokenFromBody(ctx, meta, in)
	if err != nil {
		return nil, err
	}
	now := s.now()
	r := store.Revocation{Kind: store.RevokeToken, RefID: c.Claims.TokenID}
	// No renewal takes the token past its row's maximum expiry, so the
	// revocation is forgotten then rather than a year from now.
	var row store.AccessToken
	switch err := s.db.WithContext(ctx).Select("max_expires_at").Where("id = ?", c.Claims.TokenID).Take(&row).Error; {
	case err == nil:
		r.ExpiresAt = &row.MaxExpiresAt
	case !isNotFound(err):
		return nil, fmt.Errorf("load access token: %w", err)
	}
	err = s.revokeAfter(ctx, r, func(tx *gorm.DB) error {
		if err := tx.Model(&store.AccessToken{}).Where("id = ?", c.Claims.TokenID).Update("revoked_at", now).Error; err != nil {
			return fmt.Errorf("revoke access token: %w", err)
		}
		ev := s.newEvent(meta, c.OrgID(), ActorIdentity, c.Claims.IdentityID, "token.revoke", "token", c.Claims.TokenID, api.OutcomeSuccess, "", nil)
		return tx.Create(&ev).Error
	})
	if err != nil {
		return nil, err
	}
	return &api.RevokeResponse{Message: "Successfully revoked access token"}, nil
}

func (s *Service) tokenFromBody(ctx context.Context, meta Meta, in *api.AccessTokenRequest) (*Caller, error) {
	if in.AccessToken == "" {
		return nil, (&api.FieldErrors{{Field: "accessToken", Message: "is required"}}).Err()
	}
	return s.Authenticate(ctx, in.AccessToken, meta)
}

// TokenSelf describes the caller's token from its verified claims alone.
func (s *Service) TokenSelf(c *Caller) *api.TokenSelf {
	return &api.TokenSelf{TokenID: c.Claims.TokenID, IdentityID: c.Claims.IdentityID, OrganizationID: c.OrgID(),
		AuthMethod: c.Claims.AuthMethod, IssuedAt: c.Claims.IssuedAt, ExpiresAt: c.Claims.ExpiresAt,
		MaxExpiresAt: c.Claims.MaxExpiresAt, NumUsesLimit: c.Claims.NumUsesLimit, Metadata: c.Claims.Metadata}
}
