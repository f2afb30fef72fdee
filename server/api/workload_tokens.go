package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"
)

// StaticTokenSource always returns tok.
func StaticTokenSource(tok string) TokenSource {
	return func(context.Context) (string, error) { return tok, nil }
}

// FileTokenSource reads the token from path at every login, so a token
// file that its platform rotates (GitLab's, Kubernetes' projected tokens)
// is always read fresh.
func FileTokenSource(path string) TokenSource {
	return func(context.Context) (string, error) {
		b, err := os.ReadFile(path)
		if err != nil {
			return "", fmt.Errorf("read token file: %w", err)
		}
		tok := strings.TrimSpace(string(b))
		if tok == "" {
			return "", fmt.Errorf("token file %s is empty", path)
		}
		return tok, nil
	}
}

// GitHub Actions hands a job its ID-token endpoint in these variables when
// the workflow has `permissions: id-token: write`.
const (
	EnvGitHubTokenURL     = "ACTIONS_ID_TOKEN_REQUEST_URL"
	EnvGitHubRequestToken = "ACTIONS_ID_TOKEN_REQUEST_TOKEN"
)

// GitHubActionsTokenSource requests a fresh ID token for audience from
// GitHub Actions' endpoint at every login. hc nil uses a client with a
// 10-second timeout.
func GitHubActionsTokenSource(requestURL, requestToken, audience string, hc *http.Client) TokenSource {
	if hc == nil {
		hc = &http.Client{Timeout: 10 * time.Second}
	}
	return func(ctx context.Context) (string, error) {
		u, err := url.Parse(requestURL)
		if err != nil {
			return "", fmt.Errorf("%s is not a URL: %w", EnvGitHubTokenURL, err)
		}
		if audience != "" {
			q := u.Query()
			q.Set("audience", audience)
			u.RawQuery = q.Encode()
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
		if err != nil {
			return "", err
		}
		req.Header.Set("Authorization", "Bearer "+requestToken)
		req.Header.Set("Accept", "application/json")
		res, err := hc.Do(req)
		if err != nil {
			return "", fmt.Errorf("request a GitHub Actions ID token: %w", err)
		}
		defer res.Body.Close()
		body, err := io.ReadAll(io.LimitReader(res.Body, 64<<10))
		if err != nil {
			return "", fmt.Errorf("read the GitHub Actions ID token: %w", err)
		}
		if res.StatusCode != http.StatusOK {
			return "", fmt.Errorf("GitHub Actions' ID-token endpoint answered HTTP %d (does the workflow have `permissions: id-token: write`?)", res.StatusCode)
		}
		var out struct {
			Value string `json:"value"`
		}
		if err := json.Unmarshal(body, &out); err != nil || out.Value == "" {
			return "", errors.New("GitHub Actions' ID-token endpoint answered no token")
		}
		return out.Value, nil
	}
}
