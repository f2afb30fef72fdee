package api

import (
	"context"
	"errors"
	"sync"
	"time"
)

type credentials interface {
	// token returns a valid access token; refresh forces a new one.
	token(ctx context.Context, c *Client, refresh bool) (string, error)
	// login logs in anew and returns a token of its own, which the client
	// does not use.
	login(ctx context.Context, c *Client) (*LoginResponse, error)
}

type staticToken struct{ value string }

func (s *staticToken) token(context.Context, *Client, bool) (string, error) { return s.value, nil }

func (s *staticToken) login(context.Context, *Client) (*LoginResponse, error) {
	return nil, errors.New("the client authenticates with a fixed access token and has no credentials to log in with")
}

// session logs in with login on first use, renews the token when less than
// a third of its TTL is left, and logs in again once renewal can no longer
// extend it: for a method whose proof is a workload token, login obtains a
// fresh one each time, so a long apply outlives any single token.
type session struct {
	loginFunc func(ctx context.Context, c *Client) (*LoginResponse, error)

	mu        sync.Mutex
	current   string
	expiresAt time.Time
	maxAt     time.Time
	ttl       time.Duration
}

func (s *session) token(ctx context.Context, c *Client, refresh bool) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := time.Now()
	if !refresh && s.current != "" && now.Add(s.ttl/3).Before(s.expiresAt) {
		return s.current, nil
	}
	if !refresh && s.current != "" && now.Before(s.expiresAt) && now.Add(s.ttl).Before(s.maxAt) {
		var res LoginResponse
		if err := c.Call(ctx, RouteRenewToken, nil, nil, 0, AccessTokenRequest{AccessToken: s.current}, &res); err == nil {
			s.set(res, now)
			return s.current, nil
		}
	}
	res, err := s.loginFunc(ctx, c)
	if err != nil {
		return "", err
	}
	s.set(*res, now)
	s.maxAt = now.Add(time.Duration(res.AccessTokenMaxTTL) * time.Second)
	return s.current, nil
}

func (s *session) login(ctx context.Context, c *Client) (*LoginResponse, error) {
	return s.loginFunc(ctx, c)
}

func (s *session) set(res LoginResponse, now time.Time) {
	s.current = res.AccessToken
	s.ttl = time.Duration(res.ExpiresIn) * time.Second
	s.expiresAt = now.Add(s.ttl)
}

func universalSession(clientID, clientSecret string) *session {
	return &session{loginFunc: func(ctx context.Context, c *Client) (*LoginResponse, error) {
		return c.Login(ctx, UniversalAuthLoginRequest{ClientID: clientID, ClientSecret: clientSecret})
	}}
}

// TokenSource returns a workload's signed token (an OIDC ID token, a JWT)
// to exchange for an access token; it is asked again at every login.
type TokenSource func(ctx context.Context) (string, error)

// WithSignedTokenLogin logs in as identityID through login (RouteOIDCAuthLogin
// or RouteJWTAuthLogin) with tokens from source, renewing like universal auth.
func WithSignedTokenLogin(login *Route, identityID string, source TokenSource) Option {
	return func(c *Client) {
		c.creds = &session{loginFunc: func(ctx context.Context, c *Client) (*LoginResponse, error) {
			jwt, err := source(ctx)
			if err != nil {
				return nil, err
			}
			return send[LoginResponse](ctx, c, login, 0, TokenAuthLoginRequest{IdentityID: identityID, JWT: jwt})
		}}
	}
}
