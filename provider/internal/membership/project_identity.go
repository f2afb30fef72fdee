package membership

import (
	"github.com/hashicorp/terraform-plugin-framework/resource"

	"github.com/idplane/idplane/server/api"
)

// NewProjectIdentityResource is idplane_project_identity: an identity's roles in a project.
func NewProjectIdentityResource() resource.Resource {
	return &binding{scope: scope{Scope: "project", Member: "identity", MaxGrants: 32,
		Roles: "`admin`, `member`, `viewer`, `no-access` or a custom role of the project",
		Get:   (*api.Client).GetMembership, Create: (*api.Client).CreateMembership,
		Update: (*api.Client).UpdateMembership, Delete: (*api.Client).DeleteMembership}}
}
