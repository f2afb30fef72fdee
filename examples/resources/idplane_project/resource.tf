resource "idplane_project" "webshop" {
  name        = "Webshop"
  slug        = "webshop"
  description = "Storefront and checkout services"
}
