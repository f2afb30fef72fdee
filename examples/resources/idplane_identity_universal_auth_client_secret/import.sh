# A client secret is imported by identity ID and client secret ID; its value
# is never returned again, so client_secret stays empty after an import.
terraform import idplane_identity_universal_auth_client_secret.deploy 0193a3c1-9a10-7d2e-8b3c-4d5e6f708192/0193a3c2-0b1c-7a2d-9e3f-405162738495
