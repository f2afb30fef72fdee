package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/idplane/idplane/server/api"
)

// startCheck creates a project with an environment and an identity that is
// a viewer of it, and returns a request deciding whether that identity may
// read a secret there (POST /api/v1/authz/check, allowed), sent with
// bearer, the admin's token (admin holds authz check).
func startCheck(ctx context.Context, admin *api.Client, lc *loadClient, bearer string) (func() error, error) {
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
	return lc.phaseOf(call{method: http.MethodPost, path: api.RouteAuthzCheck.Path, bearer: bearer, body: body,
		status: http.StatusOK, want: []byte(`"allowed":true`)}), nil
}
