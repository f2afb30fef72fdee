# A membership is imported by project ID and identity ID.
terraform import idplane_project_identity.oncall 0193a3c1-8f0e-7c51-9a2b-3d4e5f607182/0193a3c1-9a10-7d2e-8b3c-4d5e6f708192
