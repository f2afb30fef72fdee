data "idplane_identities" "all" {}

output "identity_names" {
  value = [for i in data.idplane_identities.all.identities : i.name]
}
