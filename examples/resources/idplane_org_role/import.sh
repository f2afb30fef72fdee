# An organization role is imported by its ID.
terraform import idplane_org_role.identity_operator 0193a3c1-a1b2-7c3d-8e4f-5a6b7c8d9e0f
