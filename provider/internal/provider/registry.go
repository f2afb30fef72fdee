package provider

import (
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/resource"

	"github.com/idplane/idplane/provider/internal/project"
)

var resources = []func() resource.Resource{
	project.NewProjectResource,
}

var dataSources = []func() datasource.DataSource{}
