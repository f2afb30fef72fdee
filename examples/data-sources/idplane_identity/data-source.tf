resource "idplane_identity" "reporting" {
  name = "reporting"
  role = "no-access"
}

# Look an identity up by name (or by id).
data "idplane_identity" "reporting" {
  name = idplane_identity.reporting.name
}

output "reporting_identity_id" {
  value = data.idplane_identity.reporting.id
}
