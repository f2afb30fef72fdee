# An environment is imported by its project ID and slug.
terraform import idplane_project_environment.production 0193a3c1-8f0e-7c51-9a2b-3d4e5f607182/prod
