package api

import (
	"fmt"
	"time"
)

// Identity is a machine identity: a workload, like an AWS IAM role.
type Identity struct {
	ID               string            `json:"id"`
	OrganizationID   string            `json:"organizationId"`
	Name             string            `json:"name"`
	Role             string            `json:"role"`
	Description      string            `json:"description"`
	Metadata         map[string]string `json:"metadata"`
	DeleteProtection bool              `json:"deleteProtection"`
	AuthMethods      []string          `json:"authMethods"`
	Version          int64             `json:"version"`
	CreatedAt        time.Time         `json:"createdAt"`
	UpdatedAt        time.Time         `json:"updatedAt"`
}

// IdentityInput creates an identity (POST) or replaces its settings (PUT).
type IdentityInput struct {
	Name             string            `json:"name"`
	Role             string            `json:"role"`
	Description      string            `json:"description"`
	Metadata         map[string]string `json:"metadata"`
	DeleteProtection bool              `json:"deleteProtection"`
}

// Validate checks the fields a server and a Terraform plan can both check.
func (in *IdentityInput) Validate(errs *FieldErrors) {
	validateName(errs, "name", in.Name)
	if err := ValidateSlug(in.Role); err != nil {
		errs.Add("role", "%s (an organization role slug such as admin, member or no-access)", err)
	}
	validateDescription(errs, "description", in.Description)
	ValidateMetadata(errs, "metadata", in.Metadata)
}

// ValidateMetadata checks identity metadata: at most MaxMetadataEntries
// entries whose keys and values pass ValidateMetadataKey and
// ValidateMetadataValue.
func ValidateMetadata(errs *FieldErrors, field string, m map[string]string) {
	if len(m) > MaxMetadataEntries {
		errs.Add(field, "must hold at most %d entries, got %d", MaxMetadataEntries, len(m))
		return
	}
	for k, v := range m {
		f := fmt.Sprintf("%s[%q]", field, k)
		if err := ValidateMetadataKey(k); err != nil {
			errs.Add(f, "%s", err)
		} else if err := ValidateMetadataValue(v); err != nil {
			errs.Add(f, "%s", err)
		}
	}
}

// IdentityList is the body of GET /api/v1/identities.
type IdentityList struct {
	Identities []Identity `json:"identities"`
}
