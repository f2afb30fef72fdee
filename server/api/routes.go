package api

import (
	"net/http"
	"strings"
)

// Route describes one HTTP operation. The table below is the single source of
// the API: the server registers exactly these routes, the client calls them
// by name, and the OpenAPI document is generated from them.
type Route struct {
	ID       string // OpenAPI operationId
	Method   string
	Path     string // OpenAPI template, e.g. /api/v1/projects/{projectId}
	Summary  string
	Tag      string
	Public   bool // no bearer token required
	Body     any  // zero value of the JSON request body, nil for none
	Query    any  // zero value of a struct with `query` tags, nil for none
	Response any  // zero value of the JSON response body, nil for 204
	Status   int  // success status
	Raw      string
	// Idempotent creates accept an Idempotency-Key header: the server
	// stores the first answer and replays it to retries (see
	// HeaderIdempotencyKey). Every POST that creates (201) is one, but
	// those whose answer carries a secret value (carriesSecret).
	Idempotent bool
	// ReadOnly marks a POST that only answers a question (a decision, an
	// introspection): 200, no Idempotency-Key, never a conflict.
	ReadOnly bool
	// BodyNamesObjects: the body or query names objects that may not exist (404).
	BodyNamesObjects bool
	// Form: the body may also be application/x-www-form-urlencoded, one
	// value per JSON member (RFC 7662 introspection).
	Form bool
	// KeepsAuthorization: the route writes, but nothing authorization reads
	// (identities, their roles and memberships, roles, projects,
	// environments, tokens): a replica keeps what it cached for
	// authorization after it, and forgets only the secrets' rows it cached
	// (secret and folder writes). Every other write makes the replica
	// forget both.
	KeepsAuthorization bool
}

// EchoPath is Path with {name} turned into Echo's :name.
func (r *Route) EchoPath() string {
	return strings.NewReplacer("{", ":", "}", "").Replace(r.Path)
}

func route(id, method, path, tag, summary string, body, res any) *Route {
	status := http.StatusOK
	switch {
	case res == nil:
		status = http.StatusNoContent
	case method == http.MethodPost && !strings.Contains(path, "/auth/"):
		status = http.StatusCreated
	}
	return &Route{ID: id, Method: method, Path: path, Tag: tag, Summary: summary, Body: body, Response: res, Status: status,
		Idempotent: status == http.StatusCreated}
}

func public(r *Route) *Route { r.Public = true; return r }

func raw(r *Route, contentType string) *Route { r.Raw = contentType; return r }

func withQuery(r *Route, q any) *Route { r.Query = q; return r }

// readOnly makes a POST a question rather than a create.
func readOnly(r *Route) *Route {
	r.Status, r.Idempotent, r.ReadOnly = http.StatusOK, false, true
	return r
}

func namesObjects(r *Route) *Route { r.BodyNamesObjects = true; return r }

func form(r *Route) *Route { r.Form = true; return r }

// keepsAuthz marks a write that cannot change authorization (secrets,
// folders): set only where that is certain, as a wrong mark leaves a
// replica deciding on what it cached for up to a second.
func keepsAuthz(r *Route) *Route { r.KeepsAuthorization = true; return r }

// carriesSecret marks a create whose answer holds a secret value: it is not
// idempotent, as an Idempotency-Key would keep that answer, value and all,
// in the database in the clear.
func carriesSecret(r *Route) *Route { r.Idempotent = false; return r }

const (
	pProject      = "/api/v1/projects/{projectId}"
	pIdentity     = "/api/v1/identities/{identityId}"
	pUniversal    = pIdentity + "/universal-auth"
	pClientSecret = pUniversal + "/client-secrets"
	pMembership   = pProject + "/identity-memberships"
	pOIDC         = pIdentity + "/oidc-auth"
	pJWT          = pIdentity + "/jwt-auth"
	pGCP          = pIdentity + "/gcp-auth"
	pAzure        = pIdentity + "/azure-auth"
	pKubernetes   = pIdentity + "/kubernetes-auth"
	pAWS          = pIdentity + "/aws-auth"
	pTLSCert      = pIdentity + "/tls-cert-auth"
	pSecrets      = "/api/v3/secrets/raw"
	pSecret       = pSecrets + "/{secretName}"
	pSecretsBatch = "/api/v3/secrets/batch/raw"
)

// The API.
var (
	RouteHealthz = public(route("healthz", "GET", "/healthz", "system", "Liveness", nil, Health{}))
	RouteReadyz  = public(route("readyz", "GET", "/readyz", "system", "Readiness: the database answers", nil, Health{}))
	RouteMetrics = raw(public(route("metrics", "GET", "/metrics", "system", "Prometheus metrics", nil, "")), "text/plain")
	RouteJWKS    = raw(public(route("jwks", "GET", "/.well-known/jwks.json", "system", "Public keys that sign access tokens", nil, "")), "application/json")
	RouteOpenAPI = raw(public(route("openapi", "GET", "/api/openapi.json", "system", "This document", nil, "")), "application/json")

	RouteUniversalAuthLogin = public(route("universalAuthLogin", "POST", "/api/v1/auth/universal-auth/login", "auth", "Log in with a client ID and secret", UniversalAuthLoginRequest{}, LoginResponse{}))
	RouteRenewToken         = public(route("renewAccessToken", "POST", "/api/v1/auth/token/renew", "auth", "Renew an access token up to its max TTL", AccessTokenRequest{}, LoginResponse{}))
	RouteRevokeToken        = public(route("revokeAccessToken", "POST", "/api/v1/auth/token/revoke", "auth", "Revoke an access token", AccessTokenRequest{}, RevokeResponse{}))
	RouteTokenSelf          = route("tokenSelf", "GET", "/api/v1/auth/token/self", "auth", "Describe the caller's token", nil, TokenSelf{})
	RouteIntrospectToken    = form(readOnly(route("introspectToken", "POST", "/api/v1/auth/token/introspect", "auth",
		"RFC 7662 introspection of an access token of the caller's organization (token-introspection read)", TokenIntrospectionRequest{}, TokenIntrospection{})))

	RouteAuthzCheck = namesObjects(readOnly(route("authzCheck", "POST", "/api/v1/authz/check", "authz",
		"May an identity or access token perform an action at a project, environment and secret path? With the deciding rule (authz check)", AuthzCheck{}, AuthzDecision{})))
	RouteAuthzCheckBatch = namesObjects(readOnly(route("authzCheckBatch", "POST", "/api/v1/authz/check/batch", "authz",
		"Up to 100 authorization checks at once, answered in order (authz check)", AuthzCheckBatch{}, AuthzDecisionList{})))

	RouteListSecrets = namesObjects(withQuery(route("listSecrets", "GET", pSecrets, "secrets",
		"Infisical's raw secrets list: the secrets at a path (recursive: under it) that the caller may read (secrets read); every read audited", nil, SecretList{}), SecretListQuery{}))
	RouteGetSecret = withQuery(route("getSecret", "GET", pSecret, "secrets",
		"Infisical's raw secret retrieve, by key; version: a past version (secrets read); audited", nil, SecretResponse{}), SecretGetQuery{})
	RouteCreateSecret = keepsAuthz(carriesSecret(route("createSecret", "POST", pSecret, "secrets",
		"Create a secret, version 1 (secrets create)", SecretCreate{}, SecretResponse{})))
	RouteUpdateSecret = keepsAuthz(route("updateSecret", "PATCH", pSecret, "secrets",
		"Change a secret's value or comment: a new version (secrets edit)", SecretUpdate{}, SecretResponse{}))
	RouteCreateSecretsBatch = keepsAuthz(namesObjects(carriesSecret(route("createSecretsBatch", "POST", pSecretsBatch, "secrets",
		"Create up to 100 secrets at one place, all or none (secrets create)", SecretBatchCreate{}, SecretBatch{}))))
	RouteUpdateSecretsBatch = keepsAuthz(namesObjects(route("updateSecretsBatch", "PATCH", pSecretsBatch, "secrets",
		"Change up to 100 secrets (each a new version; mode upsert also creates), all or none (secrets edit, and create for upsert)", SecretBatchUpdate{}, SecretBatch{})))
	RouteDeleteSecretsBatch = keepsAuthz(namesObjects(route("deleteSecretsBatch", "DELETE", pSecretsBatch, "secrets",
		"Delete up to 100 secrets at one place, all or none; the answer has no values (secrets delete)", SecretBatchDelete{}, SecretBatch{})))
	RouteDeleteSecret = keepsAuthz(route("deleteSecret", "DELETE", pSecret, "secrets",
		"Delete a secret and its versions; the answer has no value (secrets delete)", SecretDelete{}, SecretResponse{}))

	RouteListFolders = namesObjects(withQuery(route("listFolders", "GET", "/api/v1/folders", "secrets",
		"Infisical's folders list: the folders directly under a path (secret-folders read)", nil, FolderList{}), FolderListQuery{}))
	RouteCreateFolder = keepsAuthz(namesObjects(route("createFolder", "POST", "/api/v1/folders", "secrets",
		"Create a folder under a path (secret-folders create at that path)", FolderCreate{}, FolderResponse{})))
	RouteUpdateFolder = keepsAuthz(route("updateFolder", "PATCH", "/api/v1/folders/{folderIdOrName}", "secrets",
		"Rename an empty folder, by ID or name (secret-folders edit at its parent path)", FolderUpdate{}, FolderResponse{}))
	RouteDeleteFolder = keepsAuthz(route("deleteFolder", "DELETE", "/api/v1/folders/{folderIdOrName}", "secrets",
		"Delete an empty folder (secret-folders delete at its parent path)", FolderDelete{}, FolderResponse{}))

	RouteListProjects  = route("listProjects", "GET", "/api/v1/projects", "projects", "List projects", nil, ProjectList{})
	RouteCreateProject = route("createProject", "POST", "/api/v1/projects", "projects", "Create a project", ProjectInput{}, Project{})
	RouteGetProject    = route("getProject", "GET", pProject, "projects", "Get a project", nil, Project{})
	RouteUpdateProject = route("updateProject", "PUT", pProject, "projects", "Replace a project's settings", ProjectInput{}, Project{})
	RouteDeleteProject = route("deleteProject", "DELETE", pProject, "projects", "Delete a project", nil, nil)

	RouteListEnvironments  = route("listEnvironments", "GET", pProject+"/environments", "projects", "List environments", nil, EnvironmentList{})
	RouteCreateEnvironment = route("createEnvironment", "POST", pProject+"/environments", "projects", "Create an environment", EnvironmentInput{}, Environment{})
	RouteGetEnvironment    = route("getEnvironment", "GET", pProject+"/environments/{slug}", "projects", "Get an environment", nil, Environment{})
	RouteUpdateEnvironment = route("updateEnvironment", "PUT", pProject+"/environments/{slug}", "projects", "Replace an environment", EnvironmentInput{}, Environment{})
	RouteDeleteEnvironment = route("deleteEnvironment", "DELETE", pProject+"/environments/{slug}", "projects", "Delete an environment", nil, nil)

	RouteListIdentities  = route("listIdentities", "GET", "/api/v1/identities", "identities", "List identities", nil, IdentityList{})
	RouteCreateIdentity  = route("createIdentity", "POST", "/api/v1/identities", "identities", "Create an identity", IdentityInput{}, Identity{})
	RouteGetIdentity     = route("getIdentity", "GET", pIdentity, "identities", "Get an identity", nil, Identity{})
	RouteUpdateIdentity  = route("updateIdentity", "PUT", pIdentity, "identities", "Replace an identity's settings", IdentityInput{}, Identity{})
	RouteDeleteIdentity  = route("deleteIdentity", "DELETE", pIdentity, "identities", "Delete an identity and revoke its tokens", nil, nil)
	RouteEffectivePerms  = route("getEffectivePermissions", "GET", pIdentity+"/effective-permissions", "identities", "What the identity may do now", nil, EffectivePermissions{})
	RouteGetUniversal    = route("getUniversalAuth", "GET", pUniversal, "universal-auth", "Get universal auth", nil, UniversalAuth{})
	RoutePutUniversal    = route("putUniversalAuth", "PUT", pUniversal, "universal-auth", "Attach or replace universal auth", UniversalAuthInput{}, UniversalAuth{})
	RoutePatchUniversal  = route("patchUniversalAuth", "PATCH", pUniversal, "universal-auth", "Change universal auth settings", UniversalAuthInput{}, UniversalAuth{})
	RouteDeleteUniversal = route("deleteUniversalAuth", "DELETE", pUniversal, "universal-auth", "Detach universal auth, revoking its secrets and tokens", nil, nil)

	RouteOIDCAuthLogin  = public(route("oidcAuthLogin", "POST", "/api/v1/auth/oidc-auth/login", "auth", "Log in with an OpenID Connect ID token", TokenAuthLoginRequest{}, LoginResponse{}))
	RouteJWTAuthLogin   = public(route("jwtAuthLogin", "POST", "/api/v1/auth/jwt-auth/login", "auth", "Log in with a JWT", TokenAuthLoginRequest{}, LoginResponse{}))
	RouteGCPAuthLogin   = public(route("gcpAuthLogin", "POST", "/api/v1/auth/gcp-auth/login", "auth", "Log in with a GCE identity token or a service-account-signed JWT", TokenAuthLoginRequest{}, LoginResponse{}))
	RouteAzureAuthLogin = public(route("azureAuthLogin", "POST", "/api/v1/auth/azure-auth/login", "auth", "Log in with an Azure managed-identity token", TokenAuthLoginRequest{}, LoginResponse{}))

	RouteGetOIDCAuth    = route("getOidcAuth", "GET", pOIDC, "oidc-auth", "Get OIDC auth", nil, OIDCAuth{})
	RoutePutOIDCAuth    = route("putOidcAuth", "PUT", pOIDC, "oidc-auth", "Attach or replace OIDC auth", OIDCAuthInput{}, OIDCAuth{})
	RouteDeleteOIDCAuth = route("deleteOidcAuth", "DELETE", pOIDC, "oidc-auth", "Detach OIDC auth, revoking its tokens", nil, nil)

	RouteGetJWTAuth    = route("getJwtAuth", "GET", pJWT, "jwt-auth", "Get JWT auth", nil, JWTAuth{})
	RoutePutJWTAuth    = route("putJwtAuth", "PUT", pJWT, "jwt-auth", "Attach or replace JWT auth", JWTAuthInput{}, JWTAuth{})
	RouteDeleteJWTAuth = route("deleteJwtAuth", "DELETE", pJWT, "jwt-auth", "Detach JWT auth, revoking its tokens", nil, nil)

	RouteGetGCPAuth    = route("getGcpAuth", "GET", pGCP, "gcp-auth", "Get GCP auth", nil, GCPAuth{})
	RoutePutGCPAuth    = route("putGcpAuth", "PUT", pGCP, "gcp-auth", "Attach or replace GCP auth", GCPAuthInput{}, GCPAuth{})
	RouteDeleteGCPAuth = route("deleteGcpAuth", "DELETE", pGCP, "gcp-auth", "Detach GCP auth, revoking its tokens", nil, nil)

	RouteGetAzureAuth    = route("getAzureAuth", "GET", pAzure, "azure-auth", "Get Azure auth", nil, AzureAuth{})
	RoutePutAzureAuth    = route("putAzureAuth", "PUT", pAzure, "azure-auth", "Attach or replace Azure auth", AzureAuthInput{}, AzureAuth{})
	RouteDeleteAzureAuth = route("deleteAzureAuth", "DELETE", pAzure, "azure-auth", "Detach Azure auth, revoking its tokens", nil, nil)

	RouteKubernetesAuthLogin = public(route("kubernetesAuthLogin", "POST", "/api/v1/auth/kubernetes-auth/login", "auth", "Log in with a Kubernetes service account token", TokenAuthLoginRequest{}, LoginResponse{}))
	RouteAWSAuthLogin        = public(route("awsAuthLogin", "POST", "/api/v1/auth/aws-auth/login", "auth", "Log in with a signed sts:GetCallerIdentity request", AWSAuthLoginRequest{}, LoginResponse{}))
	RouteTLSCertAuthLogin    = public(route("tlsCertAuthLogin", "POST", "/api/v1/auth/tls-cert-auth/login", "auth", "Log in with the connection's TLS client certificate", TLSCertAuthLoginRequest{}, LoginResponse{}))

	RouteGetKubernetesAuth    = route("getKubernetesAuth", "GET", pKubernetes, "kubernetes-auth", "Get Kubernetes auth", nil, KubernetesAuth{})
	RoutePutKubernetesAuth    = route("putKubernetesAuth", "PUT", pKubernetes, "kubernetes-auth", "Attach or replace Kubernetes auth", KubernetesAuthInput{}, KubernetesAuth{})
	RouteDeleteKubernetesAuth = route("deleteKubernetesAuth", "DELETE", pKubernetes, "kubernetes-auth", "Detach Kubernetes auth, revoking its tokens", nil, nil)

	RouteGetAWSAuth    = route("getAwsAuth", "GET", pAWS, "aws-auth", "Get AWS auth", nil, AWSAuth{})
	RoutePutAWSAuth    = route("putAwsAuth", "PUT", pAWS, "aws-auth", "Attach or replace AWS auth", AWSAuthInput{}, AWSAuth{})
	RouteDeleteAWSAuth = route("deleteAwsAuth", "DELETE", pAWS, "aws-auth", "Detach AWS auth, revoking its tokens", nil, nil)

	RouteGetTLSCertAuth    = route("getTlsCertAuth", "GET", pTLSCert, "tls-cert-auth", "Get TLS certificate auth", nil, TLSCertAuth{})
	RoutePutTLSCertAuth    = route("putTlsCertAuth", "PUT", pTLSCert, "tls-cert-auth", "Attach or replace TLS certificate auth", TLSCertAuthInput{}, TLSCertAuth{})
	RouteDeleteTLSCertAuth = route("deleteTlsCertAuth", "DELETE", pTLSCert, "tls-cert-auth", "Detach TLS certificate auth, revoking its tokens", nil, nil)

	RouteListClientSecrets  = route("listClientSecrets", "GET", pClientSecret, "universal-auth", "List client secrets (prefixes only)", nil, ClientSecretList{})
	RouteCreateClientSecret = route("createClientSecret", "POST", pClientSecret, "universal-auth", "Create a client secret; the value is returned once", ClientSecretInput{}, ClientSecretCreated{})
	RouteGetClientSecret    = route("getClientSecret", "GET", pClientSecret+"/{clientSecretId}", "universal-auth", "Get a client secret's details", nil, ClientSecret{})
	RouteRevokeClientSecret = route("revokeClientSecret", "DELETE", pClientSecret+"/{clientSecretId}", "universal-auth", "Revoke a client secret and its tokens", nil, nil)

	RouteListOrgRoles  = route("listOrgRoles", "GET", "/api/v1/org-roles", "roles", "List organization roles, built-ins first", nil, RoleList{})
	RouteCreateOrgRole = route("createOrgRole", "POST", "/api/v1/org-roles", "roles", "Create an organization role", RoleInput{}, Role{})
	RouteGetOrgRole    = route("getOrgRole", "GET", "/api/v1/org-roles/{roleId}", "roles", "Get an organization role by ID or slug", nil, Role{})
	RouteUpdateOrgRole = route("updateOrgRole", "PUT", "/api/v1/org-roles/{roleId}", "roles", "Replace an organization role", RoleInput{}, Role{})
	RouteDeleteOrgRole = route("deleteOrgRole", "DELETE", "/api/v1/org-roles/{roleId}", "roles", "Delete an organization role", nil, nil)

	RouteListProjectRoles  = route("listProjectRoles", "GET", pProject+"/roles", "roles", "List project roles, built-ins first", nil, RoleList{})
	RouteCreateProjectRole = route("createProjectRole", "POST", pProject+"/roles", "roles", "Create a project role", RoleInput{}, Role{})
	RouteGetProjectRole    = route("getProjectRole", "GET", pProject+"/roles/{roleId}", "roles", "Get a project role by ID or slug", nil, Role{})
	RouteUpdateProjectRole = route("updateProjectRole", "PUT", pProject+"/roles/{roleId}", "roles", "Replace a project role", RoleInput{}, Role{})
	RouteDeleteProjectRole = route("deleteProjectRole", "DELETE", pProject+"/roles/{roleId}", "roles", "Delete a project role", nil, nil)

	RouteListMemberships  = route("listProjectMemberships", "GET", pMembership, "memberships", "List the project's identity memberships", nil, ProjectMembershipList{})
	RouteGetMembership    = route("getProjectMembership", "GET", pMembership+"/{identityId}", "memberships", "Get an identity's membership", nil, ProjectMembership{})
	RouteCreateMembership = route("createProjectMembership", "POST", pMembership+"/{identityId}", "memberships", "Add an identity to the project", ProjectMembershipInput{}, ProjectMembership{})
	RouteUpdateMembership = route("updateProjectMembership", "PUT", pMembership+"/{identityId}", "memberships", "Replace an identity's project roles", ProjectMembershipInput{}, ProjectMembership{})
	RouteDeleteMembership = route("deleteProjectMembership", "DELETE", pMembership+"/{identityId}", "memberships", "Remove an identity from the project", nil, nil)

	RouteListAuditEvents = withQuery(route("listAuditEvents", "GET", "/api/v1/audit-events", "audit", "List audit events, newest first", nil, AuditEventList{}), AuditEventFilter{})

	RouteIdentityAudit = withQuery(route("getIdentityAudit", "GET", "/api/v1/identity-audit", "audit", "Identity audit: distinct permission sets, consolidation candidates and findings", nil, IdentityAudit{}), IdentityAuditQuery{})
)

// Routes lists every operation of the API.
var Routes = []*Route{
	RouteHealthz, RouteReadyz, RouteMetrics, RouteJWKS, RouteOpenAPI,
	RouteUniversalAuthLogin, RouteRenewToken, RouteRevokeToken, RouteTokenSelf, RouteIntrospectToken,
	RouteAuthzCheck, RouteAuthzCheckBatch,
	RouteListSecrets, RouteGetSecret, RouteCreateSecret, RouteUpdateSecret, RouteDeleteSecret,
	RouteCreateSecretsBatch, RouteUpdateSecretsBatch, RouteDeleteSecretsBatch,
	RouteListFolders, RouteCreateFolder, RouteUpdateFolder, RouteDeleteFolder,
	RouteListProjects, RouteCreateProject, RouteGetProject, RouteUpdateProject, RouteDeleteProject,
	RouteListEnvironments, RouteCreateEnvironment, RouteGetEnvironment, RouteUpdateEnvironment, RouteDeleteEnvironment,
	RouteListIdentities, RouteCreateIdentity, RouteGetIdentity, RouteUpdateIdentity, RouteDeleteIdentity, RouteEffectivePerms,
	RouteGetUniversal, RoutePutUniversal, RoutePatchUniversal, RouteDeleteUniversal,
	RouteListClientSecrets, RouteCreateClientSecret, RouteGetClientSecret, RouteRevokeClientSecret,
	RouteOIDCAuthLogin, RouteGetOIDCAuth, RoutePutOIDCAuth, RouteDeleteOIDCAuth,
	RouteJWTAuthLogin, RouteGetJWTAuth, RoutePutJWTAuth, RouteDeleteJWTAuth,
	RouteGCPAuthLogin, RouteGetGCPAuth, RoutePutGCPAuth, RouteDeleteGCPAuth,
	RouteAzureAuthLogin, RouteGetAzureAuth, RoutePutAzureAuth, RouteDeleteAzureAuth,
	RouteKubernetesAuthLogin, RouteGetKubernetesAuth, RoutePutKubernetesAuth, RouteDeleteKubernetesAuth,
	RouteAWSAuthLogin, RouteGetAWSAuth, RoutePutAWSAuth, RouteDeleteAWSAuth,
	RouteTLSCertAuthLogin, RouteGetTLSCertAuth, RoutePutTLSCertAuth, RouteDeleteTLSCertAuth,
	RouteListOrgRoles, RouteCreateOrgRole, RouteGetOrgRole, RouteUpdateOrgRole, RouteDeleteOrgRole,
	RouteListProjectRoles, RouteCreateProjectRole, RouteGetProjectRole, RouteUpdateProjectRole, RouteDeleteProjectRole,
	RouteListMemberships, RouteGetMembership, RouteCreateMembership, RouteUpdateMembership, RouteDeleteMembership,
	RouteListAuditEvents,
	RouteIdentityAudit,
}
