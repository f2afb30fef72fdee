# Built-in roles are readable like custom ones.
data "idplane_org_role" "member" {
  slug = "member"
}

output "member_permissions" {
  value = data.idplane_org_role.member.permissions
}
