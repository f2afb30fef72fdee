# A project role is imported by project ID and role ID.
terraform import idplane_project_role.prod_runtime 0193a3c1-8f0e-7c51-9a2b-3d4e5f607182/0193a3c1-b2c3-7d4e-8f50-6a7b8c9d0e1f
