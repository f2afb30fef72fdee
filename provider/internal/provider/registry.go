package provider

import (
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/resource"

	"github.com/idplane/idplane/provider/internal/audit"
	"github.com/idplane/idplane/provider/internal/identity"
	"github.com/idplane/idplane/provider/internal/membership"
	"github.com/idplane/idplane/provider/internal/project"
	"github.com/idplane/idplane/provider/internal/role"
	"github.com/idplane/idplane/provider/internal/secret"
	"github.com/idplane/idplane/provider/internal/tokenauth"
	"github.com/idplane/idplane/provider/internal/universalauth"
)

var resources = []func() resource.Resource{
	role.NewOrgRoleResource,
	role.NewProjectRoleResource,
	membership.NewProjectIdentityResource,
	project.NewProjectResource,
	project.NewEnvironmentResource,
	identity.NewIdentityResource,
	universalauth.NewUniversalAuthResource,
	universalauth.NewClientSecretResource,
	tokenauth.NewOIDCAuthResource,
	tokenauth.NewJWTAuthResource,
	tokenauth.NewGCPAuthResource,
	tokenauth.NewAzureAuthResource,
	tokenauth.NewKubernetesAuthResource,
	tokenauth.NewAWSAuthResource,
	tokenauth.NewTLSCertAuthResource,
	secret.NewResource,
}

var dataSources = []func() datasource.DataSource{
	role.NewOrgRoleDataSource,
	role.NewProjectRoleDataSource,
	project.NewProjectDataSource,
	identity.NewIdentityDataSource,
	identity.NewIdentitiesDataSource,
	audit.NewIdentityAuditDataSource,
	project.NewEnvironmentsDataSource,
	membership.NewProjectIdentitiesDataSource,
	universalauth.NewUniversalAuthDataSource,
	role.NewEffectivePermissionsDataSource,
}
