package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/idplane/idplane/server/api"
)

// startCheck creates a project with an environment and an identity that is
// a viewer of it, and returns a request deciding whether that identity may
// read a secret there (POST /api/v1/authz/check, allowed), sent with
// bearer, the admin's token (admin holds authz check).
func startCheck(ctx context.Context, admin *api.Client, host string, hc *http.Client, bearer string) (func(context.Context) error, error) {
	slug := fmt.Sprintf("load-%d", time.Now().UnixNano())
	p, err := admin.CreateProject(ctx, api.ProjectInput{Name: slug, Slug: slug})
	if err != nil {
		return nil, err
	}
	if _, err := admin.CreateEnvironment(ctx, p.ID, api.EnvironmentInput{Name: "prod", Slug: "prod"}); err != nil {
		return nil, err
	}
	id, err := admin.CreateIdentity(ctx, api.IdentityInput{Name: slug, Role: "no-access"})
	if err != nil {
		return nil, err
	}
	if _, err := admin.CreateMembership(ctx, p.ID, id.ID, api.ProjectMembershipInput{Roles: []api.MembershipRole{{RoleSlug: "viewer"}}}); err != nil {
		return nil, err
	}
	body, err := json.Marshal(api.AuthzCheck{IdentityID: id.ID, Project: slug, Environment: "prod", SecretPath: "/db/orders", Action: api.ActionRead})
	if err != nil {
		return nil, err
	}
	return func(ctx context.Context) error {
		req, _ := http.NewRequestWithContext(ctx, http.MethodPost, host+api.RouteAuthzCheck.Path, bytes.NewReader(body))
		req.Header.Set("Authorization", bearer)
		req.Header.Set("Content-Type", "application/json")
		res, err := hc.Do(req)
		if err != nil {
			return err
		}
		defer res.Body.Close()
		var d api.AuthzDecision
		if res.StatusCode != http.StatusOK {
			b, _ := io.ReadAll(res.Body)
			return fmt.Errorf("authz/check: HTTP %d: %s", res.StatusCode, b)
		}
		if err := json.NewDecoder(res.Body).Decode(&d); err != nil {
			return err
		}
		if !d.Allowed {
			return fmt.Errorf("authz/check: %s (%s), want allow", d.Decision, d.Reason)
		}
		return nil
	}, nil
}
