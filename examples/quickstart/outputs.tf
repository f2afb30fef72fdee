output "client_ids" {
  description = "Client ID of each workload's universal auth."
  value       = { for name, ua in idplane_identity_universal_auth.workload : name => ua.client_id }
}

output "client_secrets" {
  description = "Client secret of each workload; hand them to the workloads through your secret delivery, never in logs."
  value       = { for name, cs in idplane_identity_universal_auth_client_secret.workload : name => cs.client_secret }
  sensitive   = true
}
