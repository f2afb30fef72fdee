# A project is imported by its ID.
terraform import idplane_project.webshop 0193a3c1-8f0e-7c51-9a2b-3d4e5f607182
