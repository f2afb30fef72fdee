package api

import (
	"strings"
	"testing"
)

func TestDisplayStrings(t *testing.T) {
	tests := []struct {
		name  string
		check func(string) error
		in    string
		want  string // "" accepts
	}{
		{"plain name", ValidateName, "ci-runner 1", ""},
		{"unicode name", ValidateName, "déploiement 東京", ""},
		{"blank name", ValidateName, " \t", "must not be empty or blank"},
		{"long name", ValidateName, strings.Repeat("é", MaxNameLength+1), "at most 128 characters, got 129"},
		{"escape in name", ValidateName, "ci\x1b[31m", "found U+001B at character 3"},
		{"newline in name", ValidateName, "ci\nrunner", "found U+000A"},
		{"right-to-left override in name", ValidateName, "ci\u202etxt.exe", "found U+202E at character 3"},
		{"zero-width space in name", ValidateName, "ad\u200bmin", "found U+200B"},
		{"zero-width joiner in name", ValidateName, "a\u200db", "found U+200D"},
		{"byte order mark in name", ValidateName, "\ufeffadmin", "found U+FEFF at character 1"},
		{"C1 control in name", ValidateName, "a\u0085b", "found U+0085"},
		{"multi-line description", ValidateDescription, "first line\n\tsecond line\r\n", ""},
		{"bidi isolate in description", ValidateDescription, "x\u2066y", "found U+2066"},
		{"escape in description", ValidateDescription, "\x1b]0;title\x07", "found U+001B"},
		{"long description", ValidateDescription, strings.Repeat("a", MaxDescriptionLength+1), "at most 1024 characters"},
		{"metadata key", ValidateMetadataKey, "team", ""},
		{"empty metadata key", ValidateMetadataKey, "", "key must not be empty"},
		{"format character in metadata key", ValidateMetadataKey, "te\u200eam", "key must not contain control characters or Unicode format characters"},
		{"newline in metadata value", ValidateMetadataValue, "a\nb", "value must not contain control characters"},
		{"format character in metadata value", ValidateMetadataValue, "\u202aplatform", "found U+202A at character 1"},
		{"metadata value", ValidateMetadataValue, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.check(tt.in)
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("%q refused: %v", tt.in, err)
			case tt.want != "" && err == nil:
				t.Errorf("%q accepted, want an error mentioning %q", tt.in, tt.want)
			case tt.want != "" && !strings.Contains(err.Error(), tt.want):
				t.Errorf("%q: error %q, want it to mention %q", tt.in, err, tt.want)
			}
		})
	}
}

func TestInputsRefuseFormatCharacters(t *testing.T) {
	tests := []struct {
		name  string
		in    interface{ Validate(*FieldErrors) }
		field string
	}{
		{"identity name", &IdentityInput{Name: "ci\u202e", Role: "member"}, "name"},
		{"identity description", &IdentityInput{Name: "ci", Role: "member", Description: "\u200b"}, "description"},
		{"identity metadata key", &IdentityInput{Name: "ci", Role: "member", Metadata: map[string]string{"t\u200dm": "x"}}, `metadata["t\u200dm"]`},
		{"identity metadata value", &IdentityInput{Name: "ci", Role: "member", Metadata: map[string]string{"team": "\u2067x"}}, `metadata["team"]`},
		{"project name", &ProjectInput{Name: "\u061cweb", Slug: "web"}, "name"},
		{"project slug", &ProjectInput{Name: "web", Slug: "w\u200beb"}, "slug"},
		{"project description", &ProjectInput{Name: "web", Slug: "web", Description: "\u202d"}, "description"},
		{"environment name", &EnvironmentInput{Name: "pr\u00adod", Slug: "prod"}, "name"},
		{"client secret description", &ClientSecretInput{Description: "\u2028\u206f"}, "description"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var errs FieldErrors
			tt.in.Validate(&errs)
			if len(errs) != 1 || errs[0].Field != tt.field {
				t.Fatalf("errors %+v, want one for %s", errs, tt.field)
			}
		})
	}
	var errs FieldErrors
	(&RoleInput{Slug: "ops", Name: "O\u200cps", Description: "\ufeff"}).Validate(ScopeOrganization, &errs)
	if len(errs) != 2 || errs[0].Field != "name" || errs[1].Field != "description" {
		t.Errorf("role errors %+v, want name and description", errs)
	}
}
