package httpapi

import (
	"strings"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"

	"github.com/idplane/idplane/server/api"
)

// secretsPrefix is where the secrets API's routes are: their bodies may
// carry a value of up to api.MaxSecretValueBytes, JSON-escaped.
const secretsPrefix = "/api/v3/secrets/"

// bodyLimits caps request bodies at 1 MiB, and those of the secrets API at
// 8 MiB, enough for a 1 MiB value however it is escaped; the service refuses
// a larger value itself (413) before anything is written.
func bodyLimits(e *echo.Echo) {
	isSecrets := func(c echo.Context) bool { return strings.HasPrefix(c.Request().URL.Path, secretsPrefix) }
	e.Use(middleware.BodyLimitWithConfig(middleware.BodyLimitConfig{Limit: "1M", Skipper: isSecrets}))
	e.Use(middleware.BodyLimitWithConfig(middleware.BodyLimitConfig{Limit: "8M",
		Skipper: func(c echo.Context) bool { return !isSecrets(c) }}))
}

func (s *Server) secretRoutes() {
	handle(s, api.RouteListSecrets, func(c *Ctx, _ *None) (*api.SecretList, error) {
		q, err := api.ParseSecretListQuery(c.QueryParams())
		if err != nil {
			return nil, err
		}
		return s.svc.ListSecrets(c.Request().Context(), c.Caller, q)
	})
	handle(s, api.RouteGetSecret, func(c *Ctx, _ *None) (*api.SecretResponse, error) {
		q, err := api.ParseSecretGetQuery(c.QueryParams())
		if err != nil {
			return nil, err
		}
		return s.svc.GetSecret(c.Request().Context(), c.Caller, c.Param("secretName"), q)
	})
	handle(s, api.RouteCreateSecret, func(c *Ctx, in *api.SecretCreate) (*api.SecretResponse, error) {
		return s.svc.CreateSecret(c.Request().Context(), c.Caller, c.Param("secretName"), in)
	})
	handle(s, api.RouteCreateSecretsBatch, func(c *Ctx, in *api.SecretBatchCreate) (*api.SecretBatch, error) {
		return s.svc.CreateSecrets(c.Request().Context(), c.Caller, in)
	})
	handle(s, api.RouteUpdateSecretsBatch, func(c *Ctx, in *api.SecretBatchUpdate) (*api.SecretBatch, error) {
		return s.svc.UpdateSecrets(c.Request().Context(), c.Caller, in)
	})
	handle(s, api.RouteDeleteSecretsBatch, func(c *Ctx, in *api.SecretBatchDelete) (*api.SecretBatch, error) {
		return s.svc.DeleteSecrets(c.Request().Context(), c.Caller, in)
	})
	handle(s, api.RouteListFolders, func(c *Ctx, _ *None) (*api.FolderList, error) {
		q := c.QueryParams()
		return s.svc.ListFolders(c.Request().Context(), c.Caller, api.FolderListQuery{WorkspaceID: q.Get("workspaceId"),
			WorkspaceSlug: q.Get("workspaceSlug"), Environment: q.Get("environment"), Path: q.Get("path")})
	})
	handle(s, api.RouteCreateFolder, func(c *Ctx, in *api.FolderCreate) (*api.FolderResponse, error) {
		return s.svc.CreateFolder(c.Request().Context(), c.Caller, in)
	})
	handle(s, api.RouteUpdateFolder, func(c *Ctx, in *api.FolderUpdate) (*api.FolderResponse, error) {
		return WithVersion(c, func(v int64) (*api.FolderResponse, error) {
			return s.svc.RenameFolder(c.Request().Context(), c.Caller, c.Param("folderIdOrName"), v, in)
		})
	})
	handle(s, api.RouteDeleteFolder, func(c *Ctx, in *api.FolderDelete) (*api.FolderResponse, error) {
		return WithVersion(c, func(v int64) (*api.FolderResponse, error) {
			return s.svc.DeleteFolder(c.Request().Context(), c.Caller, c.Param("folderIdOrName"), v, in)
		})
	})
	handle(s, api.RouteUpdateSecret, func(c *Ctx, in *api.SecretUpdate) (*api.SecretResponse, error) {
		return WithVersion(c, func(v int64) (*api.SecretResponse, error) {
			return s.svc.UpdateSecret(c.Request().Context(), c.Caller, c.Param("secretName"), v, in)
		})
	})
	handle(s, api.RouteDeleteSecret, func(c *Ctx, in *api.SecretDelete) (*api.SecretResponse, error) {
		return WithVersion(c, func(v int64) (*api.SecretResponse, error) {
			return s.svc.DeleteSecret(c.Request().Context(), c.Caller, c.Param("secretName"), v, in)
		})
	})
}
