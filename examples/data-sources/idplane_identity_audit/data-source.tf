# The organization's identity audit, from the live server.
data "idplane_identity_audit" "this" {
  production_environments = ["live"]
  unused_days             = 60
}

output "identities_needed" {
  description = "Distinct permission sets: the number of identities the organization needs."
  value       = data.idplane_identity_audit.this.distinct_permission_sets
}

output "consolidation_candidates" {
  description = "Identities that hold the same permissions and could share one identity."
  value       = [for g in data.idplane_identity_audit.this.groups : g.identities if length(g.identities) > 1]
}

output "high_findings" {
  value = [for f in data.idplane_identity_audit.this.findings : "${f.identity}: ${f.code}" if f.severity == "high"]
}
