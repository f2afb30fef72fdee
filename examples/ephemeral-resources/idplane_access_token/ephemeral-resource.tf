# An identity that a deployment step acts as, with universal auth.
resource "idplane_identity" "deployer" {
  name = "deployer"
  role = "member"
}

resource "idplane_identity_universal_auth" "deployer" {
  identity_id = idplane_identity.deployer.id
}

resource "idplane_identity_universal_auth_client_secret" "deployer" {
  identity_id = idplane_identity_universal_auth.deployer.identity_id
  description = "exchanged for run-long tokens"
  ttl         = 2592000
}

# A token for this run only, as the deployer: never in the plan or the
# state, revoked when the run ends.
ephemeral "idplane_access_token" "deployer" {
  universal = {
    client_id     = idplane_identity_universal_auth.deployer.client_id
    client_secret = idplane_identity_universal_auth_client_secret.deployer.client_secret
  }
}

# Another provider configuration (here idplane itself) works with it.
provider "idplane" {
  alias = "as_deployer"
  auth  = { token = ephemeral.idplane_access_token.deployer.access_token }
}

data "idplane_identity" "deployer" {
  provider = idplane.as_deployer
  id       = idplane_identity.deployer.id
}
