# An identity is imported by its ID.
terraform import idplane_identity.checkout_prod 0193a3c1-9a10-7d2e-8b3c-4d5e6f708192
