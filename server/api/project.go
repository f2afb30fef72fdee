package api

import "time"

// Project groups environments holding secrets under paths.
type Project struct {
	ID             string    `json:"id"`
	OrganizationID string    `json:"organizationId"`
	Name           string    `json:"name"`
	Slug           string    `json:"slug"`
	Description    string    `json:"description"`
	Version        int64     `json:"version"`
	CreatedAt      time.Time `json:"createdAt"`
	UpdatedAt      time.Time `json:"updatedAt"`
}

// ProjectInput creates a project (POST) or replaces its settings (PUT).
type ProjectInput struct {
	Name        string `json:"name"`
	Slug        string `json:"slug"`
	Description string `json:"description"`
}

// Validate checks the fields a server and a Terraform plan can both check.
func (in *ProjectInput) Validate(errs *FieldErrors) {
	validateName(errs, "name", in.Name)
	if err := ValidateSlug(in.Slug); err != nil {
		errs.Add("slug", "%s", err)
	}
	validateDescription(errs, "description", in.Description)
}

// ProjectList is the body of GET /api/v1/projects.
type ProjectList struct {
	Projects []Project `json:"projects"`
}

// Environment is a stage of a project (dev, staging, prod).
type Environment struct {
	ID        string    `json:"id"`
	ProjectID string    `json:"projectId"`
	Name      string    `json:"name"`
	Slug      string    `json:"slug"`
	Position  int       `json:"position"`
	Version   int64     `json:"version"`
	CreatedAt time.Time `json:"createdAt"`
	UpdatedAt time.Time `json:"updatedAt"`
}

// EnvironmentInput creates an environment (POST) or replaces it (PUT).
type EnvironmentInput struct {
	Name     string `json:"name"`
	Slug     string `json:"slug"`
	Position int    `json:"position"`
}

// Validate checks the fields a server and a Terraform plan can both check.
func (in *EnvironmentInput) Validate(errs *FieldErrors) {
	validateName(errs, "name", in.Name)
	if err := ValidateSlug(in.Slug); err != nil {
		errs.Add("slug", "%s", err)
	}
	if in.Position < 0 || in.Position > 1000 {
		errs.Add("position", "must be between 0 and 1000")
	}
}

// EnvironmentList is the body of GET /api/v1/projects/{projectId}/environments.
type EnvironmentList struct {
	Environments []Environment `json:"environments"`
}
