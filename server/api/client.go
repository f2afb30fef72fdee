package api

import (
	"bytes"
	"context"
	crand "crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Client calls the idplane API. The provider, the CLI and the server's own
// tests all use it, so none of them can disagree with the route table.
type Client struct {
	base      string
	http      *http.Client
	userAgent string
	creds     credentials
	retry     RetryPolicy
	logf      func(ctx context.Context, msg string, fields map[string]any)
}

// HeaderIdempotencyKey is the header of an idempotent create (a Route with
// Idempotent set; IETF httpapi draft "The Idempotency-Key HTTP Header
// Field", Stripe's semantics): 1 to 255 printable ASCII characters, unique
// per request. The server keeps the first successful answer for 24 hours
// per organization and key and replays it, with HeaderIdempotentReplayed,
// to a retry with the same key and the same request; the same key with
// another request is a 422 idempotency_key_reused. The answer is committed
// with the object, so a retry while the first request still runs, or after
// its server died, runs the request too: of the two, the one committing
// second rolls back and answers the first's answer. An error answer is not
// kept: a retry runs the request again.
const HeaderIdempotencyKey = "Idempotency-Key"

// HeaderIdempotentReplayed is "true" on an answer replayed for an
// Idempotency-Key.
const HeaderIdempotentReplayed = "Idempotent-Replayed"

// MaxIdempotencyKeyLength bounds an Idempotency-Key.
const MaxIdempotencyKeyLength = 255

// ValidateIdempotencyKey accepts 1 to 255 printable ASCII characters.
func ValidateIdempotencyKey(k string) error {
	if k == "" || len(k) > MaxIdempotencyKeyLength || strings.ContainsFunc(k, func(r rune) bool { return r < 0x21 || r > 0x7e }) {
		return fmt.Errorf("must be 1 to %d printable ASCII characters without spaces (a UUID is a good choice)", MaxIdempotencyKeyLength)
	}
	return nil
}

func newIdempotencyKey() string {
	var b [16]byte
	_, _ = crand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// RetryPolicy retries 429 and 5xx responses with capped exponential backoff
// and jitter, honouring Retry-After.
type RetryPolicy struct {
	MaxAttempts int
	MinWait     time.Duration
	MaxWait     time.Duration
}

// Option configures a Client.
type Option func(*Client)

// WithHTTPClient sets the transport client.
func WithHTTPClient(h *http.Client) Option { return func(c *Client) { c.http = h } }

// WithUserAgent sets the User-Agent header.
func WithUserAgent(ua string) Option { return func(c *Client) { c.userAgent = ua } }

// WithRetry replaces the default retry policy (8 attempts, 250ms–10s: about
// 25 seconds of waiting, so a replica restarting under load, or a rolling
// upgrade, does not fail a terraform apply).
func WithRetry(p RetryPolicy) Option { return func(c *Client) { c.retry = p } }

// WithToken authenticates every request with a fixed access token.
func WithToken(token string) Option {
	return func(c *Client) { c.creds = &staticToken{value: token} }
}

// WithUniversalAuth logs in with a client ID and secret on first use, renews
// the token before it expires and logs in again when renewal is no longer
// possible.
func WithUniversalAuth(clientID, clientSecret string) Option {
	return func(c *Client) { c.creds = universalSession(clientID, clientSecret) }
}

// WithLogger receives one line per request: method, path, status, attempt
// and duration. It never sees a header or a body.
func WithLogger(f func(ctx context.Context, msg string, fields map[string]any)) Option {
	return func(c *Client) { c.logf = f }
}

// NewClient returns a client for the server at baseURL (e.g. http://127.0.0.1:8080).
func NewClient(baseURL string, opts ...Option) (*Client, error) {
	u, err := url.Parse(baseURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("host %q must be an http:// or https:// URL with a host", baseURL)
	}
	c := &Client{
		base:      strings.TrimRight(u.String(), "/"),
		http:      &http.Client{Timeout: 60 * time.Second},
		userAgent: "idplane-go-client",
		retry:     RetryPolicy{MaxAttempts: 8, MinWait: 250 * time.Millisecond, MaxWait: 10 * time.Second},
	}
	for _, o := range opts {
		o(c)
	}
	return c, nil
}

// Authenticate obtains a token now, so that wrong credentials surface as one
// error up front rather than on the first call.
func (c *Client) Authenticate(ctx context.Context) error {
	if c.creds == nil {
		return errors.New("no credentials configured")
	}
	_, err := c.creds.token(ctx, c, false)
	return err
}

// NewAccessToken logs in anew with the client's credentials and returns a
// token of its own, for a consumer that is handed it (Terraform's ephemeral
// idplane_access_token); revoking it does not affect the client.
func (c *Client) NewAccessToken(ctx context.Context) (*LoginResponse, error) {
	if c.creds == nil {
		return nil, errors.New("no credentials configured")
	}
	return c.creds.login(ctx, c)
}

// Call performs route r. params fill the path's {placeholders} in order;
// ifMatch, when non-zero, is sent as If-Match; in is the JSON body and out
// receives the JSON response.
func (c *Client) Call(ctx context.Context, r *Route, params []string, query url.Values, ifMatch int64, in, out any) error {
	path, err := fillPath(r.Path, params)
	if err != nil {
		return err
	}
	var body []byte
	if in != nil {
		if body, err = json.Marshal(in); err != nil {
			return fmt.Errorf("%s: encode request: %w", r.ID, err)
		}
	}
	if len(query) > 0 {
		path += "?" + query.Encode()
	}
	// One key per call of a create, the same on every retry: a retry after
	// a lost answer gets the first answer instead of a duplicate.
	idempotencyKey := ""
	if r.Idempotent {
		idempotencyKey = newIdempotencyKey()
	}
	reauthed := false
	for attempt := 1; ; attempt++ {
		token := ""
		if !r.Public && c.creds != nil {
			if token, err = c.creds.token(ctx, c, false); err != nil {
				return err
			}
		}
		status, header, resBody, err := c.send(ctx, r.Method, path, token, ifMatch, idempotencyKey, body, attempt)
		if err != nil {
			if attempt >= c.retry.MaxAttempts || ctx.Err() != nil {
				return fmt.Errorf("%s %s: %w", r.Method, path, err)
			}
			c.sleep(ctx, attempt, 0)
			continue
		}
		if status < 300 {
			if out == nil || status == http.StatusNoContent {
				return nil
			}
			if s, ok := out.(*string); ok {
				*s = string(resBody)
				return nil
			}
			if err := json.Unmarshal(resBody, out); err != nil {
				return fmt.Errorf("%s: decode response: %w", r.ID, err)
			}
			return nil
		}
		p := decodeProblem(status, header, resBody)
		if status == http.StatusUnauthorized && !r.Public && c.creds != nil && !reauthed {
			if _, err := c.creds.token(ctx, c, true); err == nil {
				reauthed = true
				continue
			}
		}
		if (status == http.StatusTooManyRequests || status >= 500) && attempt < c.retry.MaxAttempts {
			c.sleep(ctx, attempt, time.Duration(p.RetryAfter)*time.Second)
			if ctx.Err() == nil {
				continue
			}
		}
		return p
	}
}

func (c *Client) send(ctx context.Context, method, path, token string, ifMatch int64, idempotencyKey string, body []byte, attempt int) (int, http.Header, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, bytes.NewReader(body))
	if err != nil {
		return 0, nil, nil, err
	}
	req.Header.Set("User-Agent", c.userAgent)
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if ifMatch != 0 {
		req.Header.Set("If-Match", ETag(ifMatch))
	}
	if idempotencyKey != "" {
		req.Header.Set(HeaderIdempotencyKey, idempotencyKey)
	}
	start := time.Now()
	res, err := c.http.Do(req)
	if err != nil {
		c.log(ctx, "idplane request failed", map[string]any{"method": method, "path": path, "attempt": attempt, "error": err.Error()})
		return 0, nil, nil, err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(io.LimitReader(res.Body, 32<<20))
	c.log(ctx, "idplane request", map[string]any{"method": method, "path": path, "status": res.StatusCode, "attempt": attempt, "duration_ms": time.Since(start).Milliseconds()})
	return res.StatusCode, res.Header, b, err
}

func (c *Client) log(ctx context.Context, msg string, fields map[string]any) {
	if c.logf != nil {
		c.logf(ctx, msg, fields)
	}
}

func (c *Client) sleep(ctx context.Context, attempt int, retryAfter time.Duration) {
	wait := c.retry.MinWait << (attempt - 1)
	if wait > c.retry.MaxWait || wait <= 0 {
		wait = c.retry.MaxWait
	}
	wait = wait/2 + rand.N(wait/2+1)
	if retryAfter > wait {
		wait = retryAfter
	}
	t := time.NewTimer(wait)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}

func decodeProblem(status int, h http.Header, body []byte) *Problem {
	p := &Problem{}
	if err := json.Unmarshal(body, p); err != nil || p.Status == 0 {
		p = NewProblem(status, CodeInternal, "%s", strings.TrimSpace(string(body)))
	}
	p.Status = status
	if s, err := strconv.Atoi(h.Get("Retry-After")); err == nil {
		p.RetryAfter = s
	}
	return p
}

func fillPath(tmpl string, params []string) (string, error) {
	var b strings.Builder
	rest := tmpl
	for {
		i := strings.IndexByte(rest, '{')
		if i < 0 {
			b.WriteString(rest)
			break
		}
		j := strings.IndexByte(rest, '}')
		if len(params) == 0 {
			return "", fmt.Errorf("path %s: missing value for %s", tmpl, rest[i:j+1])
		}
		if params[0] == "" {
			return "", fmt.Errorf("path %s: empty value for %s", tmpl, rest[i:j+1])
		}
		b.WriteString(rest[:i])
		b.WriteString(url.PathEscape(params[0]))
		params = params[1:]
		rest = rest[j+1:]
	}
	if len(params) > 0 {
		return "", fmt.Errorf("path %s: %d values too many", tmpl, len(params))
	}
	return b.String(), nil
}

// ETag renders an object version as an entity tag.
func ETag(version int64) string { return `"` + strconv.FormatInt(version, 10) + `"` }

// ParseETag reads a version back from an If-Match or ETag value.
func ParseETag(s string) (int64, error) {
	s = strings.TrimPrefix(strings.TrimSpace(s), "W/")
	v, err := strconv.ParseInt(strings.Trim(s, `"`), 10, 64)
	if err != nil || v <= 0 {
		return 0, fmt.Errorf("If-Match must be a quoted object version such as \"3\"")
	}
	return v, nil
}
