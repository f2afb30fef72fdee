# JWT auth is imported by the ID of its identity.
terraform import idplane_identity_jwt_auth.billing 0193a3c1-9a10-7d2e-8b3c-4d5e6f708192
