# Lets a platform pipeline manage identities without touching roles or projects.
resource "idplane_org_role" "identity_operator" {
  slug        = "identity-operator"
  name        = "Identity operator"
  description = "Creates and rotates machine identities"
  permissions = [
    { subject = "identities", actions = ["read", "create", "edit"] },
    { subject = "roles", actions = ["read"] },
  ]
}
