package httpapi_test

import (
	"net/url"
	"strings"
	"testing"

	"github.com/idplane/idplane/server/api"
)

// secretMatrixRows are the secrets API's rows of the authorization matrix.
// The built-in project role member holds every secrets action; no-access
// and env-manager (custom) hold none; another organization does not see
// the fixture project (404); the auditor, which reads every other object,
// reads no secret and no folder. Each cell works on a secret of its own.
func secretMatrixRows() map[string]*matrixRow {
	const (
		allow = matrixAllow
		deny  = matrixDeny
		gone  = matrixGone
	)
	at := url.Values{"workspaceSlug": {"matrix"}, "environment": {"dev"}, "secretPath": {"/"}}
	fresh := func(t *testing.T, f *matrixFixture) string {
		key := "K_" + f.slug("secret")
		matrixMust[*api.Secret](t, "create secret")(f.admin.CreateSecret(t.Context(), key,
			api.SecretCreate{WorkspaceSlug: "matrix", Environment: "dev", SecretValue: "v"}))
		return key
	}
	return map[string]*matrixRow{
		api.RouteListSecrets.ID: {member: allow, noAccess: deny, custom: deny, otherOrg: gone, auditor: deny, query: at,
			req: func(t *testing.T, f *matrixFixture) ([]string, any) { fresh(t, f); return nil, nil },
			check: func(t *testing.T, f *matrixFixture, who matrixCaller, out any) {
				if l := out.(*api.SecretList); len(l.Secrets) == 0 || l.Secrets[0].SecretValue != "v" {
					t.Errorf("list %+v, want the fixture's secrets", l.Secrets)
				}
			}},
		api.RouteGetSecret.ID: {member: allow, noAccess: deny, custom: deny, otherOrg: gone, auditor: deny, query: at,
			req: func(t *testing.T, f *matrixFixture) ([]string, any) { return []string{fresh(t, f)}, nil },
			check: func(t *testing.T, f *matrixFixture, who matrixCaller, out any) {
				if s := out.(*api.SecretResponse).Secret; s.SecretValue != "v" || s.Workspace != f.project.ID {
					t.Errorf("secret %+v", s)
				}
			}},
		api.RouteCreateSecret.ID: {member: allow, noAccess: deny, custom: deny, otherOrg: gone,
			req: func(t *testing.T, f *matrixFixture) ([]string, any) {
				return []string{"K_" + f.slug("new")}, api.SecretCreate{WorkspaceSlug: "matrix", Environment: "dev", SecretValue: "v"}
			}},
		api.RouteCreateSecretsBatch.ID: {member: allow, noAccess: deny, custom: deny, otherOrg: gone,
			req: func(t *testing.T, f *matrixFixture) ([]string, any) {
				return nil, api.SecretBatchCreate{WorkspaceSlug: "matrix", Environment: "dev", SecretPath: "/batch",
					Secrets: []api.SecretBatchItem{{SecretKey: "K_" + f.slug("a"), SecretValue: "a"}, {SecretKey: "K_" + f.slug("b"), SecretValue: "b"}}}
			},
			check: func(t *testing.T, f *matrixFixture, who matrixCaller, out any) {
				if b := out.(*api.SecretBatch); len(b.Secrets) != 2 || b.Secrets[1].SecretValue != "b" || b.Secrets[1].SecretPath != "/batch" {
					t.Errorf("batch %+v", b.Secrets)
				}
			}},
		api.RouteUpdateSecretsBatch.ID: {member: allow, noAccess: deny, custom: deny, otherOrg: gone,
			req: func(t *testing.T, f *matrixFixture) ([]string, any) {
				a, b, v := fresh(t, f), fresh(t, f), "v2"
				return nil, api.SecretBatchUpdate{WorkspaceSlug: "matrix", Environment: "dev",
					Secrets: []api.SecretBatchUpdateItem{{SecretKey: a, SecretValue: &v}, {SecretKey: b, NewSecretName: b + "_NEW"}}}
			},
			check: func(t *testing.T, f *matrixFixture, who matrixCaller, out any) {
				if b := out.(*api.SecretBatch); len(b.Secrets) != 2 || b.Secrets[0].SecretValue != "v2" || b.Secrets[0].Version != 2 ||
					!strings.HasSuffix(b.Secrets[1].SecretKey, "_NEW") || b.Secrets[1].SecretValue != "" || !b.Secrets[1].SecretValueHidden {
					t.Errorf("batch update %+v", b.Secrets)
				}
			}},
		api.RouteDeleteSecretsBatch.ID: {member: allow, noAccess: deny, custom: deny, otherOrg: gone,
			req: func(t *testing.T, f *matrixFixture) ([]string, any) {
				return nil, api.SecretBatchDelete{WorkspaceSlug: "matrix", Environment: "dev",
					Secrets: []api.SecretBatchDeleteItem{{SecretKey: fresh(t, f)}, {SecretKey: fresh(t, f)}}}
			},
			check: func(t *testing.T, f *matrixFixture, who matrixCaller, out any) {
				if b := out.(*api.SecretBatch); len(b.Secrets) != 2 || b.Secrets[0].SecretValue != "" || b.Secrets[1].Version != 1 {
					t.Errorf("batch delete %+v", b.Secrets)
				}
			}},
		api.RouteListFolders.ID: {member: allow, noAccess: deny, custom: deny, otherOrg: gone, auditor: deny, query: url.Values{"workspaceSlug": {"matrix"}, "environment": {"dev"}},
			req: func(t *testing.T, f *matrixFixture) ([]string, any) { return nil, nil }},
		api.RouteCreateFolder.ID: {member: allow, noAccess: deny, custom: deny, otherOrg: gone,
			req: func(t *testing.T, f *matrixFixture) ([]string, any) {
				return nil, api.FolderCreate{WorkspaceSlug: "matrix", Environment: "dev", Name: f.slug("folder")}
			},
			check: func(t *testing.T, f *matrixFixture, who matrixCaller, out any) {
				if fo := out.(*api.FolderResponse).Folder; fo.Version != 1 || fo.Path != "/"+fo.Name {
					t.Errorf("folder %+v", fo)
				}
			}},
		api.RouteUpdateFolder.ID: {member: allow, noAccess: deny, custom: deny, otherOrg: gone,
			req: func(t *testing.T, f *matrixFixture) ([]string, any) {
				fo := matrixMust[*api.Folder](t, "create folder")(f.admin.CreateFolder(t.Context(), api.FolderCreate{WorkspaceSlug: "matrix", Environment: "dev", Name: f.slug("old")}))
				return []string{fo.ID}, api.FolderUpdate{WorkspaceSlug: "matrix", Environment: "dev", Name: f.slug("new")}
			},
			check: func(t *testing.T, f *matrixFixture, who matrixCaller, out any) {
				if fo := out.(*api.FolderResponse).Folder; fo.Version != 2 {
					t.Errorf("renamed folder %+v", fo)
				}
			}},
		api.RouteDeleteFolder.ID: {member: allow, noAccess: deny, custom: deny, otherOrg: gone,
			req: func(t *testing.T, f *matrixFixture) ([]string, any) {
				name := f.slug("gone")
				matrixMust[*api.Folder](t, "create folder")(f.admin.CreateFolder(t.Context(), api.FolderCreate{WorkspaceSlug: "matrix", Environment: "dev", Name: name}))
				return []string{name}, api.FolderDelete{WorkspaceSlug: "matrix", Environment: "dev"}
			}},
		api.RouteUpdateSecret.ID: {member: allow, noAccess: deny, custom: deny, otherOrg: gone,
			req: func(t *testing.T, f *matrixFixture) ([]string, any) {
				v := "v2"
				return []string{fresh(t, f)}, api.SecretUpdate{WorkspaceSlug: "matrix", Environment: "dev", SecretValue: &v}
			}},
		api.RouteDeleteSecret.ID: {member: allow, noAccess: deny, custom: deny, otherOrg: gone,
			req: func(t *testing.T, f *matrixFixture) ([]string, any) {
				return []string{fresh(t, f)}, api.SecretDelete{WorkspaceSlug: "matrix", Environment: "dev"}
			}},
	}
}
