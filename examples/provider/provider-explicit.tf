variable "idplane_host" {
  type    = string
  default = "http://127.0.0.1:8080"
}

variable "idplane_client_id" {
  type = string
}

variable "idplane_client_secret" {
  type      = string
  sensitive = true
}

provider "idplane" {
  host = var.idplane_host
  auth = {
    universal = {
      client_id     = var.idplane_client_id
      client_secret = var.idplane_client_secret
    }
  }
}
