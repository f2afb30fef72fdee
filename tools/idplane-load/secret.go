package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/idplane/idplane/server/api"
)

// startSecretRead creates a project with an environment, a secret in it
// and an identity that is a viewer of the project, logs that identity in
// with universal auth, and returns a request reading the secret as it
// (GET /api/v3/secrets/raw/{key}: authorized, decrypted, audited).
func startSecretRead(ctx context.Context, admin *api.Client, host string, hc *http.Client, lc *loadClient) (func() error, error) {
	slug := fmt.Sprintf("load-secrets-%d", time.Now().UnixNano())
	p, err := admin.CreateProject(ctx, api.ProjectInput{Name: slug, Slug: slug})
	if err != nil {
		return nil, err
	}
	if _, err := admin.CreateEnvironment(ctx, p.ID, api.EnvironmentInput{Name: "prod", Slug: "prod"}); err != nil {
		return nil, err
	}
	const key, value = "DB_URL", "postgres://orders.internal/orders"
	if _, err := admin.CreateSecret(ctx, key, api.SecretCreate{WorkspaceSlug: slug, Environment: "prod", SecretPath: "/db/orders", SecretValue: value}); err != nil {
		return nil, err
	}
	id, err := newLoadIdentity(ctx, admin, "load-secrets-")
	if err != nil {
		return nil, err
	}
	if _, err := admin.CreateMembership(ctx, p.ID, id, api.ProjectMembershipInput{Roles: []api.MembershipRole{{RoleSlug: "viewer"}}}); err != nil {
		return nil, err
	}
	ua, err := admin.PutUniversalAuth(ctx, id, 0, api.UniversalAuthInput{})
	if err != nil {
		return nil, err
	}
	cs, err := admin.CreateClientSecret(ctx, id, api.ClientSecretInput{Description: "idplane-load"})
	if err != nil {
		return nil, err
	}
	workload, err := api.NewClient(host, api.WithHTTPClient(hc))
	if err != nil {
		return nil, err
	}
	login, err := workload.Login(ctx, api.UniversalAuthLoginRequest{ClientID: ua.ClientID, ClientSecret: cs.ClientSecret})
	if err != nil {
		return nil, err
	}
	path := "/api/v3/secrets/raw/" + key + "?" + url.Values{"workspaceSlug": {slug}, "environment": {"prod"}, "secretPath": {"/db/orders"}}.Encode()
	want, _ := json.Marshal(map[string]string{"secretValue": value})
	return lc.phaseOf(call{method: http.MethodGet, path: path, bearer: "Bearer " + login.AccessToken,
		status: http.StatusOK, want: want[1 : len(want)-1]}), nil
}
