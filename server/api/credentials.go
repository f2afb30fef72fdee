package api

import (
	"context"
	"sync"
	"time"
)

type credentials interface {
	// token returns a valid access token; refresh forces a new one.
	token(ctx context.Context, c *Client, refresh bool) (string, error)
}

type staticToken struct{ value string }

func (s *staticToken) token(context.Context, *Client, bool) (string, error) { return s.value, nil }

type universalLogin struct {
	clientID, clientSecret string

	mu        sync.Mutex
	current   string
	expiresAt time.Time
	maxAt     time.Time
	ttl       time.Duration
}

// token renews when less than a third of the TTL is left and logs in again
// once renewal can no longer extend the token.
func (u *universalLogin) token(ctx context.Context, c *Client, refresh bool) (string, error) {
	u.mu.Lock()
	defer u.mu.Unlock()
	now := time.Now()
	if !refresh && u.current != "" && now.Add(u.ttl/3).Before(u.expiresAt) {
		return u.current, nil
	}
	if !refresh && u.current != "" && now.Before(u.expiresAt) && now.Add(u.ttl).Before(u.maxAt) {
		var res LoginResponse
		if err := c.Call(ctx, RouteRenewToken, nil, nil, 0, AccessTokenRequest{AccessToken: u.current}, &res); err == nil {
			u.set(res, now)
			return u.current, nil
		}
	}
	var res LoginResponse
	if err := c.Call(ctx, RouteUniversalAuthLogin, nil, nil, 0, UniversalAuthLoginRequest{ClientID: u.clientID, ClientSecret: u.clientSecret}, &res); err != nil {
		return "", err
	}
	u.set(res, now)
	u.maxAt = now.Add(time.Duration(res.AccessTokenMaxTTL) * time.Second)
	return u.current, nil
}

func (u *universalLogin) set(res LoginResponse, now time.Time) {
	u.current = res.AccessToken
	u.ttl = time.Duration(res.ExpiresIn) * time.Second
	u.expiresAt = now.Add(u.ttl)
}
