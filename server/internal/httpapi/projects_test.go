package httpapi_test

import (
	"net/http"
	"slices"
	"testing"

	"github.com/idplane/idplane/server/api"
	"github.com/idplane/idplane/server/servertest"
)

func projectSlugs(l *api.ProjectList) []string {
	var out []string
	for _, p := range l.Projects {
		out = append(out, p.Slug)
	}
	return out
}

func TestProjectsContract(t *testing.T) {
	backends(t, func(t *testing.T, srv *servertest.Server) {
		ctx := t.Context()
		a := firstTenant(t, srv)
		c := a.c

		// create → get
		created := must(c.CreateProject(ctx, api.ProjectInput{Name: "Payments", Slug: "payments", Description: "card processing"}))(t)
		if created.ID == "" || created.Version != 1 || created.OrganizationID != a.boot.OrganizationID {
			t.Fatalf("created project %+v: want an ID, version 1 and organization %s", created, a.boot.OrganizationID)
		}
		got := must(c.GetProject(ctx, created.ID))(t)
		if got.Name != "Payments" || got.Slug != "payments" || got.Description != "card processing" || got.Version != 1 {
			t.Errorf("get project = %+v, want what was created", got)
		}
		if v := a.raw(t, "GET", "/api/v1/projects/"+created.ID, "", "").wantETag(t, http.StatusOK); v != 1 {
			t.Errorf("GET version %d, want 1", v)
		}

		// update with the current version
		updated := must(c.UpdateProject(ctx, created.ID, 1, api.ProjectInput{Name: "Payments v2", Slug: "payments-v2", Description: ""}))(t)
		if updated.Version != 2 || updated.Name != "Payments v2" || updated.Slug != "payments-v2" || updated.Description != "" {
			t.Errorf("updated project = %+v, want version 2 with the new settings", updated)
		}
		if v := a.raw(t, "GET", "/api/v1/projects/"+created.ID, "", "").wantETag(t, http.StatusOK); v != 2 {
			t.Errorf("GET after update: version %d, want 2", v)
		}
		// an update without If-Match is unconditional
		must(c.UpdateProject(ctx, created.ID, 0, api.ProjectInput{Name: "Payments v3", Slug: "payments-v2"}))(t)

		// stale If-Match: 412 on update and delete, nothing changes
		_, err := c.UpdateProject(ctx, created.ID, 2, api.ProjectInput{Name: "lost update", Slug: "payments-v2"})
		wantProblem(t, err, http.StatusPreconditionFailed, api.CodeVersionMismatch)
		wantProblem(t, c.DeleteProject(ctx, created.ID, 1), http.StatusPreconditionFailed, api.CodeVersionMismatch)
		if got := must(c.GetProject(ctx, created.ID))(t); got.Name != "Payments v3" || got.Version != 3 {
			t.Errorf("after stale writes project = %+v, want Payments v3 at version 3", got)
		}
		a.raw(t, "PUT", "/api/v1/projects/"+created.ID, `"2"`, `{"name":"x","slug":"payments-v2","description":""}`).
			problem(t, http.StatusPreconditionFailed, api.CodeVersionMismatch)

		// list
		other := must(c.CreateProject(ctx, api.ProjectInput{Name: "Billing", Slug: "billing"}))(t)
		if got := projectSlugs(must(c.ListProjects(ctx))(t)); !slices.Equal(got, []string{"billing", "payments-v2"}) {
			t.Errorf("list projects = %v, want [billing payments-v2]", got)
		}

		// duplicate slug on create and on update
		_, err = c.CreateProject(ctx, api.ProjectInput{Name: "Another", Slug: "billing"})
		wantProblem(t, err, http.StatusConflict, api.CodeConflict)
		_, err = c.UpdateProject(ctx, created.ID, 0, api.ProjectInput{Name: "Payments", Slug: "billing"})
		wantProblem(t, err, http.StatusConflict, api.CodeConflict)

		// delete → 404 everywhere
		if err := c.DeleteProject(ctx, created.ID, 3); err != nil {
			t.Fatalf("delete project: %v", err)
		}
		_, err = c.GetProject(ctx, created.ID)
		wantNotFound(t, err)
		_, err = c.UpdateProject(ctx, created.ID, 0, api.ProjectInput{Name: "x", Slug: "x"})
		wantNotFound(t, err)
		wantNotFound(t, c.DeleteProject(ctx, created.ID, 0))
		if got := projectSlugs(must(c.ListProjects(ctx))(t)); !slices.Equal(got, []string{"billing"}) {
			t.Errorf("list after delete = %v, want [billing]", got)
		}
		// the slug is free again
		must(c.CreateProject(ctx, api.ProjectInput{Name: "Payments", Slug: "payments-v2"}))(t)

		// tenant isolation: organization B sees none of A's projects, and
		// may use A's slugs for its own
		b := otherTenant(t, srv, "tenant-b")
		_, err = b.c.GetProject(ctx, other.ID)
		wantNotFound(t, err)
		_, err = b.c.UpdateProject(ctx, other.ID, 0, api.ProjectInput{Name: "stolen", Slug: "stolen"})
		wantNotFound(t, err)
		wantNotFound(t, b.c.DeleteProject(ctx, other.ID, 0))
		if got := must(b.c.ListProjects(ctx))(t); len(got.Projects) != 0 {
			t.Errorf("organization B lists %v, want no projects", projectSlugs(got))
		}
		mine := must(b.c.CreateProject(ctx, api.ProjectInput{Name: "Billing", Slug: "billing"}))(t)
		if mine.OrganizationID != b.boot.OrganizationID {
			t.Errorf("B's project is in organization %s, want %s", mine.OrganizationID, b.boot.OrganizationID)
		}
		if got := must(c.GetProject(ctx, other.ID))(t); got.Name != "Billing" {
			t.Errorf("A's project after B's attempts = %+v", got)
		}
	})
}

func envSlugs(l *api.EnvironmentList) []string {
	var out []string
	for _, e := range l.Environments {
		out = append(out, e.Slug)
	}
	return out
}

func TestEnvironmentsContract(t *testing.T) {
	backends(t, func(t *testing.T, srv *servertest.Server) {
		ctx := t.Context()
		a := firstTenant(t, srv)
		c := a.c
		proj := must(c.CreateProject(ctx, api.ProjectInput{Name: "Shop", Slug: "shop"}))(t)

		prod := must(c.CreateEnvironment(ctx, proj.ID, api.EnvironmentInput{Name: "Production", Slug: "prod", Position: 2}))(t)
		must(c.CreateEnvironment(ctx, proj.ID, api.EnvironmentInput{Name: "Development", Slug: "dev", Position: 0}))(t)
		if prod.ProjectID != proj.ID || prod.Version != 1 || prod.ID == "" {
			t.Fatalf("created environment %+v", prod)
		}
		got := must(c.GetEnvironment(ctx, proj.ID, "prod"))(t)
		if got.ID != prod.ID || got.Name != "Production" || got.Position != 2 {
			t.Errorf("get environment = %+v, want %+v", got, prod)
		}
		a.raw(t, "GET", "/api/v1/projects/"+proj.ID+"/environments/prod", "", "").wantETag(t, http.StatusOK)

		// update, slug included
		up := must(c.UpdateEnvironment(ctx, proj.ID, "prod", 1, api.EnvironmentInput{Name: "Live", Slug: "live", Position: 1}))(t)
		if up.Version != 2 || up.Slug != "live" || up.ID != prod.ID {
			t.Errorf("updated environment = %+v, want version 2 with slug live", up)
		}
		_, err := c.GetEnvironment(ctx, proj.ID, "prod")
		wantNotFound(t, err)
		must(c.CreateEnvironment(ctx, proj.ID, api.EnvironmentInput{Name: "Staging", Slug: "staging", Position: 5}))(t)
		if got := envSlugs(must(c.ListEnvironments(ctx, proj.ID))(t)); !slices.Equal(got, []string{"dev", "live", "staging"}) {
			t.Errorf("environments by position = %v, want [dev live staging]", got)
		}

		// stale version and duplicate slug
		_, err = c.UpdateEnvironment(ctx, proj.ID, "live", 1, api.EnvironmentInput{Name: "x", Slug: "live"})
		wantProblem(t, err, http.StatusPreconditionFailed, api.CodeVersionMismatch)
		wantProblem(t, c.DeleteEnvironment(ctx, proj.ID, "live", 1), http.StatusPreconditionFailed, api.CodeVersionMismatch)
		_, err = c.CreateEnvironment(ctx, proj.ID, api.EnvironmentInput{Name: "Dev again", Slug: "dev"})
		wantProblem(t, err, http.StatusConflict, api.CodeConflict)
		_, err = c.UpdateEnvironment(ctx, proj.ID, "live", 0, api.EnvironmentInput{Name: "Live", Slug: "dev"})
		wantProblem(t, err, http.StatusConflict, api.CodeConflict)
		// the same slug in another project is fine
		proj2 := must(c.CreateProject(ctx, api.ProjectInput{Name: "Shop 2", Slug: "shop-2"}))(t)
		must(c.CreateEnvironment(ctx, proj2.ID, api.EnvironmentInput{Name: "Development", Slug: "dev"}))(t)

		// delete → 404
		if err := c.DeleteEnvironment(ctx, proj.ID, "live", 2); err != nil {
			t.Fatalf("delete environment: %v", err)
		}
		_, err = c.GetEnvironment(ctx, proj.ID, "live")
		wantNotFound(t, err)
		wantNotFound(t, c.DeleteEnvironment(ctx, proj.ID, "live", 0))
		if got := envSlugs(must(c.ListEnvironments(ctx, proj.ID))(t)); !slices.Equal(got, []string{"dev", "staging"}) {
			t.Errorf("environments after delete = %v, want [dev staging]", got)
		}

		// deleting the project takes its environments with it
		if err := c.DeleteProject(ctx, proj2.ID, 0); err != nil {
			t.Fatal(err)
		}
		_, err = c.ListEnvironments(ctx, proj2.ID)
		wantNotFound(t, err)

		// tenant isolation
		b := otherTenant(t, srv, "tenant-b")
		_, err = b.c.GetEnvironment(ctx, proj.ID, "dev")
		wantNotFound(t, err)
		_, err = b.c.ListEnvironments(ctx, proj.ID)
		wantNotFound(t, err)
		_, err = b.c.CreateEnvironment(ctx, proj.ID, api.EnvironmentInput{Name: "Evil", Slug: "evil"})
		wantNotFound(t, err)
		_, err = b.c.UpdateEnvironment(ctx, proj.ID, "dev", 0, api.EnvironmentInput{Name: "Evil", Slug: "dev"})
		wantNotFound(t, err)
		wantNotFound(t, b.c.DeleteEnvironment(ctx, proj.ID, "dev", 0))
		if got := envSlugs(must(c.ListEnvironments(ctx, proj.ID))(t)); !slices.Equal(got, []string{"dev", "staging"}) {
			t.Errorf("A's environments after B's attempts = %v, want [dev staging]", got)
		}
	})
}

// Request bodies that cannot be decoded or fail validation are problem+json
// documents naming the field.
func TestRequestValidationNamesFields(t *testing.T) {
	backends(t, func(t *testing.T, srv *servertest.Server) {
		a := firstTenant(t, srv)
		post := func(body string) *api.Problem {
			t.Helper()
			return a.raw(t, "POST", "/api/v1/projects", "", body).problem(t, http.StatusBadRequest, api.CodeValidation)
		}
		wantFieldError(t, post(`{"name":"A","slug":"a","descripton":"typo"}`), "descripton", "not a field")
		wantFieldError(t, post(`{"name":5,"slug":"a"}`), "name", "string")
		wantFieldError(t, post(`{"name":"A","slug":"Not A Slug"}`), "slug", "^[a-z0-9]+(-[a-z0-9]+)*$")
		wantFieldError(t, post(`{"name":"","slug":"a"}`), "name", "empty")
		wantFieldError(t, post(`{"name":"A",`), "body", "invalid JSON")
		wantFieldError(t, post(``), "body")
		wantFieldError(t, post(`{"name":"A","slug":"a"} {}`), "body")

		proj := must(a.c.CreateProject(t.Context(), api.ProjectInput{Name: "P", Slug: "p"}))(t)
		p := a.raw(t, "PUT", "/api/v1/projects/"+proj.ID, "three", `{"name":"P","slug":"p"}`).problem(t, http.StatusBadRequest, api.CodeValidation)
		wantFieldError(t, p, "If-Match", "version")
		p = a.raw(t, "POST", "/api/v1/projects/"+proj.ID+"/environments", "", `{"name":"E","slug":"e","position":"first"}`).
			problem(t, http.StatusBadRequest, api.CodeValidation)
		wantFieldError(t, p, "position", "number")
		if got := must(a.c.ListProjects(t.Context()))(t); len(got.Projects) != 1 {
			t.Errorf("invalid requests created projects: %v", projectSlugs(got))
		}
	})
}
