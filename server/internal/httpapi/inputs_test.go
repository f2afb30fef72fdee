package httpapi_test

import (
	"net/http"
	"testing"

	"github.com/idplane/idplane/server/api"
	"github.com/idplane/idplane/server/servertest"
)

// Display strings that render as something other than what they are (a
// right-to-left override, a zero-width space) are refused with the field
// named, and nothing is created.
func TestDisplayStringsRefuseFormatCharacters(t *testing.T) {
	a := firstTenant(t, servertest.Start(t, servertest.Options{Backend: servertest.SQLite}))
	ctx := t.Context()

	_, err := a.c.CreateIdentity(ctx, api.IdentityInput{Name: "invoice\u202efdp.exe", Role: "member"})
	wantFieldError(t, wantProblem(t, err, http.StatusBadRequest, api.CodeValidation), "name", "U+202E", "Unicode format characters")
	_, err = a.c.CreateIdentity(ctx, api.IdentityInput{Name: "ci", Role: "member", Metadata: map[string]string{"team": "plat\u200bform"}})
	wantFieldError(t, wantProblem(t, err, http.StatusBadRequest, api.CodeValidation), `metadata["team"]`, "value", "U+200B")
	_, err = a.c.CreateProject(ctx, api.ProjectInput{Name: "web", Slug: "web", Description: "\x1b[2Jcleared"})
	wantFieldError(t, wantProblem(t, err, http.StatusBadRequest, api.CodeValidation), "description", "U+001B")
	_, err = a.c.CreateOrgRole(ctx, api.RoleInput{Slug: "ops", Name: "\u2066ops", Permissions: []api.PermissionRule{}})
	wantFieldError(t, wantProblem(t, err, http.StatusBadRequest, api.CodeValidation), "name", "U+2066")

	if got := identityNames(must(a.c.ListIdentities(ctx))(t)); len(got) != 1 {
		t.Errorf("identities %v, want only the admin", got)
	}
	if l := must(a.c.ListProjects(ctx))(t); len(l.Projects) != 0 {
		t.Errorf("projects %+v, want none", l.Projects)
	}
}
