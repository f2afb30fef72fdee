# One identity per distinct set of permissions: every checkout server in
# production shares this identity, whatever the number of machines.
resource "idplane_identity" "checkout_prod" {
  name        = "checkout-prod"
  role        = "no-access"
  description = "Checkout service, production"
  metadata = {
    team        = "payments"
    cost-center = "cc-1042"
  }
  delete_protection = true
}
