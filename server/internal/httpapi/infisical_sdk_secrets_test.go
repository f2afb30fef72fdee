package httpapi_test

import (
	"errors"
	"net/http"
	"strings"
	"testing"

	infisical "github.com/infisical/go-sdk"
	sdkerrors "github.com/infisical/go-sdk/packages/errors"

	"github.com/idplane/idplane/server/api"
	"github.com/idplane/idplane/server/servertest"
)

// Infisical's Go SDK, unchanged, logs in with universal auth and lists,
// retrieves (a past version too), creates, updates and deletes secrets; a
// refusal reaches it as an API error with our status and reason.
func TestInfisicalSDKSecrets(t *testing.T) {
	backends(t, func(t *testing.T, srv *servertest.Server) {
		e := newSecretsEnv(t, srv)
		ctx := t.Context()
		sdkAs := func(t *testing.T, identityID string) infisical.InfisicalClientInterface {
			t.Helper()
			ua := must(e.admin.PutUniversalAuth(ctx, identityID, 0, api.UniversalAuthInput{}))(t)
			cs := must(e.admin.CreateClientSecret(ctx, identityID, api.ClientSecretInput{Description: "sdk"}))(t)
			off := false
			c := infisical.NewInfisicalClient(ctx, infisical.Config{SiteUrl: srv.URL, AutoTokenRefresh: &off, SilentMode: true})
			if _, err := c.Auth().UniversalAuthLogin(ua.ClientID, cs.ClientSecret); err != nil {
				t.Fatalf("UniversalAuthLogin: %v", err)
			}
			return c
		}
		writer := e.member(t, "sdk-writer", "no-access", []api.MembershipRole{{RoleSlug: "member"}})
		sdk := sdkAs(t, writer.ID)
		pid := e.project.ID

		created, err := sdk.Secrets().Create(infisical.CreateSecretOptions{ProjectID: pid, Environment: "dev", SecretPath: "/app",
			SecretKey: "API_KEY", SecretValue: "k1", SecretComment: "first"})
		if err != nil {
			t.Fatalf("Create: %v", err)
		}
		if created.SecretKey != "API_KEY" || created.SecretValue != "k1" || created.Version != 1 || created.Workspace != pid ||
			created.Environment != "dev" || created.SecretComment != "first" || created.Type != "shared" || created.ID == "" {
			t.Fatalf("Create answered %+v", created)
		}
		if _, err := sdk.Secrets().Create(infisical.CreateSecretOptions{ProjectID: pid, Environment: "dev", SecretKey: "ROOT", SecretValue: "r"}); err != nil {
			t.Fatalf("Create at /: %v", err)
		}
		updated, err := sdk.Secrets().Update(infisical.UpdateSecretOptions{ProjectID: pid, Environment: "dev", SecretPath: "/app",
			SecretKey: "API_KEY", NewSecretValue: "k2"})
		if err != nil || updated.Version != 2 || updated.SecretValue != "k2" {
			t.Fatalf("Update: %+v, %v", updated, err)
		}
		got, err := sdk.Secrets().Retrieve(infisical.RetrieveSecretOptions{ProjectID: pid, Environment: "dev", SecretPath: "/app", SecretKey: "API_KEY"})
		if err != nil || got.SecretValue != "k2" || got.Version != 2 || got.ID != created.ID {
			t.Fatalf("Retrieve: %+v, %v", got, err)
		}
		old, err := sdk.Secrets().Retrieve(infisical.RetrieveSecretOptions{ProjectSlug: "shop", Environment: "dev", SecretPath: "/app", SecretKey: "API_KEY", Version: 1})
		if err != nil || old.SecretValue != "k1" || old.Version != 1 {
			t.Fatalf("Retrieve version 1: %+v, %v", old, err)
		}
		list, err := sdk.Secrets().List(infisical.ListSecretsOptions{ProjectID: pid, Environment: "dev", SecretPath: "/", Recursive: true})
		if err != nil || len(list) != 2 || list[0].SecretKey != "API_KEY" || list[0].SecretValue != "k2" || list[1].SecretKey != "ROOT" {
			t.Fatalf("List: %+v, %v", list, err)
		}
		list, err = sdk.Secrets().List(infisical.ListSecretsOptions{ProjectSlug: "shop", Environment: "dev"})
		if err != nil || len(list) != 1 || list[0].SecretKey != "ROOT" {
			t.Fatalf("List at /: %+v, %v", list, err)
		}
		deleted, err := sdk.Secrets().Delete(infisical.DeleteSecretOptions{ProjectID: pid, Environment: "dev", SecretPath: "/app", SecretKey: "API_KEY"})
		if err != nil || deleted.SecretKey != "API_KEY" || deleted.ID != created.ID {
			t.Fatalf("Delete: %+v, %v", deleted, err)
		}
		_, err = sdk.Secrets().Retrieve(infisical.RetrieveSecretOptions{ProjectID: pid, Environment: "dev", SecretPath: "/app", SecretKey: "API_KEY"})
		var apiErr *sdkerrors.APIError
		if !errors.As(err, &apiErr) || apiErr.StatusCode != http.StatusNotFound || !strings.Contains(apiErr.ErrorMessage, `secret "API_KEY" at dev:/app`) {
			t.Fatalf("Retrieve after Delete: %v", err)
		}

		batch, err := sdk.Secrets().Batch().Create(infisical.BatchCreateSecretsOptions{ProjectID: pid, Environment: "prod", SecretPath: "/db",
			Secrets: []infisical.BatchCreateSecret{{SecretKey: "USER", SecretValue: "app"}, {SecretKey: "PASS", SecretValue: "pw", SecretComment: "rotate"}}})
		if err != nil || len(batch) != 2 || batch[0].SecretKey != "USER" || batch[1].SecretValue != "pw" || batch[1].SecretPath != "/db" || batch[1].Version != 1 {
			t.Fatalf("Batch().Create: %+v, %v", batch, err)
		}

		folder, err := sdk.Folders().Create(infisical.CreateFolderOptions{ProjectID: pid, Environment: "dev", Path: "/app", Name: "cache"})
		if err != nil || folder.Name != "cache" || folder.Version != 1 || folder.ID == "" {
			t.Fatalf("Folders().Create: %+v, %v", folder, err)
		}
		folder, err = sdk.Folders().Update(infisical.UpdateFolderOptions{FolderID: folder.ID, ProjectID: pid, Environment: "dev", Path: "/app", NewName: "cache2"})
		if err != nil || folder.Name != "cache2" || folder.Version != 2 {
			t.Fatalf("Folders().Update: %+v, %v", folder, err)
		}
		folders, err := sdk.Folders().List(infisical.ListFoldersOptions{ProjectID: pid, Environment: "dev", Path: "/app"})
		if err != nil || len(folders) != 1 || folders[0].ID != folder.ID {
			t.Fatalf("Folders().List: %+v, %v", folders, err)
		}
		if _, err := sdk.Folders().Delete(infisical.DeleteFolderOptions{ProjectID: pid, Environment: "dev", Path: "/app", FolderID: folder.ID}); err != nil {
			t.Fatalf("Folders().Delete: %v", err)
		}
		if folders, err = sdk.Folders().List(infisical.ListFoldersOptions{ProjectID: pid, Environment: "dev", Path: "/app"}); err != nil || len(folders) != 0 {
			t.Fatalf("Folders().List after Delete: %+v, %v", folders, err)
		}

		// A reader of prod:/db/** only: refused elsewhere, with the reason.
		reader := sdkAs(t, e.member(t, "sdk-reader", "no-access", []api.MembershipRole{{RoleSlug: "db-reader"}}).ID)
		_, err = reader.Secrets().Retrieve(infisical.RetrieveSecretOptions{ProjectID: pid, Environment: "dev", SecretKey: "ROOT"})
		if !errors.As(err, &apiErr) || apiErr.StatusCode != http.StatusForbidden || !strings.Contains(apiErr.ErrorMessage, "no rule grants read on secrets at dev:/") {
			t.Fatalf("a refused Retrieve: %v (message %q)", err, apiErrMessage(apiErr))
		}
		_, err = reader.Secrets().Batch().Create(infisical.BatchCreateSecretsOptions{ProjectID: pid, Environment: "prod", SecretPath: "/db",
			Secrets: []infisical.BatchCreateSecret{{SecretKey: "MORE", SecretValue: "x"}}})
		if !errors.As(err, &apiErr) || apiErr.StatusCode != http.StatusForbidden || !strings.Contains(apiErr.ErrorMessage, "no rule grants create on secrets at prod:/db") {
			t.Fatalf("a refused Batch().Create: %v (message %q)", err, apiErrMessage(apiErr))
		}
		_, err = reader.Secrets().Retrieve(infisical.RetrieveSecretOptions{ProjectID: pid, Environment: "dev", SecretKey: "ROOT", Type: "personal"})
		if !errors.As(err, &apiErr) || apiErr.StatusCode != http.StatusBadRequest {
			t.Fatalf("a personal Retrieve: %v", err)
		}
	})
}
