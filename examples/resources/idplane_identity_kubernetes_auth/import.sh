# Kubernetes auth is imported by the ID of its identity. The reviewer JWT is
# never returned by the server: the first apply after the import sends the
# configured one again.
terraform import idplane_identity_kubernetes_auth.infra 0193a3c1-9a10-7d2e-8b3c-4d5e6f708192
