# An identity that a deployment step reads back.
resource "idplane_identity" "deployer" {
  name = "deployer"
  role = "member"
}

# A token for this run only, as the provider's own identity (a token of
# its own, not the provider's): never in the plan or the state, revoked
# when the run ends. To act as another identity, give its credentials:
#   universal = { client_id = ..., client_secret = ... }
#   oidc      = { identity_id = ..., token = ... }
ephemeral "idplane_access_token" "run" {}

# Another provider configuration (here idplane itself) works with it.
provider "idplane" {
  alias = "with_token"
  auth  = { token = ephemeral.idplane_access_token.run.access_token }
}

data "idplane_identity" "deployer" {
  provider = idplane.with_token
  id       = idplane_identity.deployer.id
}
