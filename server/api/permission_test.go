package api

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
)

func TestSubjectsAndActions(t *testing.T) {
	if got, want := Subjects(ScopeOrganization), []string{"all-projects", "audit-logs", "authz", "identities", "projects", "roles", "settings", "token-introspection"}; !slices.Equal(got, want) {
		t.Errorf("org subjects = %v, want %v", got, want)
	}
	if got, want := Subjects(ScopeProject), []string{"environments", "identities", "project", "roles", "secret-folders", "secrets"}; !slices.Equal(got, want) {
		t.Errorf("project subjects = %v, want %v", got, want)
	}
	if got, want := Actions(ScopeProject, "secrets"), []string{"create", "delete", "describe", "edit", "read"}; !slices.Equal(got, want) {
		t.Errorf("secrets actions = %v, want %v", got, want)
	}
	if got := Actions(ScopeOrganization, "secrets"); got != nil {
		t.Errorf("org secrets actions = %v, want nil", got)
	}
	Actions(ScopeProject, "roles")[0] = "mutated"
	if Actions(ScopeProject, "roles")[0] != "create" {
		t.Error("Actions exposes the catalog to mutation")
	}
}

func TestValidateRules(t *testing.T) {
	type fe struct{ field, contains string }
	many := func(n int, s string) []string {
		out := make([]string, n)
		for i := range out {
			out[i] = s + strings.Repeat("a", i+1)
		}
		return out
	}
	tests := []struct {
		name  string
		scope Scope
		rules []PermissionRule
		want  []fe
	}{
		{"valid org", ScopeOrganization, []PermissionRule{{Subject: "identities", Actions: []string{"read", "edit"}}, {Subject: "settings", Actions: []string{"edit"}, Inverted: true}}, nil},
		{"valid project with conditions", ScopeProject, []PermissionRule{{Subject: "secrets", Actions: []string{"read"}, Conditions: &PermissionConditions{Environments: []string{"prod", "dev-*", "qa?"}, SecretPaths: []string{"/database/**", "/app/*", "/{a,b}/[x-z]"}}}}, nil},
		{"empty condition lists are absent", ScopeProject, []PermissionRule{{Subject: "project", Actions: []string{"read"}, Conditions: &PermissionConditions{Environments: []string{}}}}, nil},
		{"empty condition lists in org scope", ScopeOrganization, []PermissionRule{{Subject: "roles", Actions: []string{"read"}, Conditions: &PermissionConditions{}}}, nil},
		{"unknown action", ScopeProject, []PermissionRule{{Subject: "project", Actions: []string{"read"}}, {Subject: "secrets", Actions: []string{"write"}}},
			[]fe{{"permissions[1].actions[0]", `unknown action "write" for subject "secrets"; allowed: create, delete, describe, edit, read`}}},
		{"action of other scope", ScopeOrganization, []PermissionRule{{Subject: "audit-logs", Actions: []string{"read", "delete"}}},
			[]fe{{"permissions[0].actions[1]", `unknown action "delete" for subject "audit-logs"; allowed: read`}}},
		{"unknown subject", ScopeOrganization, []PermissionRule{{Subject: "secrets", Actions: []string{"read"}}},
			[]fe{{"permissions[0].subject", `unknown subject "secrets" for organization scope; allowed: all-projects, audit-logs, authz, identities, projects, roles, settings, token-introspection`}}},
		{"empty actions", ScopeProject, []PermissionRule{{Subject: "environments"}},
			[]fe{{"permissions[0].actions", "must hold at least one action; allowed: create, delete, edit, read"}}},
		{"empty action string", ScopeProject, []PermissionRule{{Subject: "environments", Actions: []string{""}}},
			[]fe{{"permissions[0].actions[0]", `unknown action "" for subject "environments"; allowed: create, delete, edit, read`}}},
		{"duplicate action", ScopeProject, []PermissionRule{{Subject: "roles", Actions: []string{"read", "edit", "read"}}},
			[]fe{{"permissions[0].actions[2]", `duplicate action "read"`}}},
		{"conditions on project subject", ScopeProject, []PermissionRule{{Subject: "environments", Actions: []string{"read"}, Conditions: &PermissionConditions{Environments: []string{"prod"}}}},
			[]fe{{"permissions[0].conditions", `not allowed on subject "environments"; only on: secret-folders, secrets`}}},
		{"conditions in org scope", ScopeOrganization, []PermissionRule{{Subject: "roles", Actions: []string{"read"}, Conditions: &PermissionConditions{SecretPaths: []string{"/a"}}}},
			[]fe{{"permissions[0].conditions", "not allowed in organization scope"}}},
		{"relative secret path", ScopeProject, []PermissionRule{{Subject: "secrets", Actions: []string{"read"}}, {Subject: "secret-folders", Actions: []string{"read"}, Conditions: &PermissionConditions{SecretPaths: []string{"/ok", "database/*"}}}},
			[]fe{{"permissions[1].conditions.secretPaths[1]", `"database/*" must start with "/"`}}},
		{"bad glob", ScopeProject, []PermissionRule{{Subject: "secrets", Actions: []string{"read"}, Conditions: &PermissionConditions{SecretPaths: []string{"/a/[b"}}}},
			[]fe{{"permissions[0].conditions.secretPaths[0]", "does not compile"}}},
		{"control char in glob", ScopeProject, []PermissionRule{{Subject: "secrets", Actions: []string{"read"}, Conditions: &PermissionConditions{SecretPaths: []string{"/a\x00b"}}}},
			[]fe{{"permissions[0].conditions.secretPaths[0]", "control characters"}}},
		{"long glob", ScopeProject, []PermissionRule{{Subject: "secrets", Actions: []string{"read"}, Conditions: &PermissionConditions{SecretPaths: []string{"/" + strings.Repeat("a", 256)}}}},
			[]fe{{"permissions[0].conditions.secretPaths[0]", "at most 256 bytes, got 257"}}},
		{"bad environment slug", ScopeProject, []PermissionRule{{Subject: "secrets", Actions: []string{"read"}, Conditions: &PermissionConditions{Environments: []string{"Prod"}}}},
			[]fe{{"permissions[0].conditions.environments[0]", `"Prod" is not a valid slug: must be 1-64 characters matching ^[a-z0-9]+(-[a-z0-9]+)*$`}}},
		{"bad environment glob", ScopeProject, []PermissionRule{{Subject: "secrets", Actions: []string{"read"}, Conditions: &PermissionConditions{Environments: []string{"prod", "pr[o]d*"}}}},
			[]fe{{"permissions[0].conditions.environments[1]", `may only contain a-z, 0-9, "-", "*" and "?"`}}},
		{"duplicate pattern", ScopeProject, []PermissionRule{{Subject: "secrets", Actions: []string{"read"}, Conditions: &PermissionConditions{Environments: []string{"prod", "prod"}}}},
			[]fe{{"permissions[0].conditions.environments[1]", `duplicate pattern "prod"`}}},
		{"too many patterns", ScopeProject, []PermissionRule{{Subject: "secrets", Actions: []string{"read"}, Conditions: &PermissionConditions{SecretPaths: many(21, "/")}}},
			[]fe{{"permissions[0].conditions.secretPaths", "at most 20 patterns, got 21"}}},
		{"too many rules", ScopeProject, slices.Repeat([]PermissionRule{{Subject: "project", Actions: []string{"read"}}}, 101),
			[]fe{{"permissions", "at most 100 rules, got 101"}}},
		{"several failures", ScopeProject, []PermissionRule{{Subject: "nope", Actions: []string{"x"}}, {Subject: "secrets", Actions: []string{"read", "read"}, Conditions: &PermissionConditions{Environments: []string{"*"}, SecretPaths: []string{"x"}}}},
			[]fe{
				{"permissions[0].subject", "allowed: environments, identities, project, roles, secret-folders, secrets"},
				{"permissions[1].actions[1]", "duplicate"},
				{"permissions[1].conditions.secretPaths[0]", "must start with"},
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var errs FieldErrors
			ValidateRules(tt.scope, "permissions", tt.rules, &errs)
			if len(errs) != len(tt.want) {
				t.Fatalf("got %d errors %v, want %d", len(errs), errs, len(tt.want))
			}
			for i, w := range tt.want {
				if errs[i].Field != w.field || !strings.Contains(errs[i].Message, w.contains) {
					t.Errorf("error %d = %s: %s, want %s: …%s…", i, errs[i].Field, errs[i].Message, w.field, w.contains)
				}
			}
			if (errs.Err() == nil) != (len(tt.want) == 0) {
				t.Errorf("Err() = %v", errs.Err())
			}
		})
	}
}

func TestValidateSlug(t *testing.T) {
	for _, s := range []string{"a", "prod", "eu-west-1", "0", "1-2-3", strings.Repeat("a", 64)} {
		if err := ValidateSlug(s); err != nil {
			t.Errorf("ValidateSlug(%q) = %v", s, err)
		}
	}
	for _, s := range []string{"", "-", "-a", "a-", "a--b", "a-B", "A", "a_b", "a b", "é", strings.Repeat("a", 65)} {
		if err := ValidateSlug(s); err == nil {
			t.Errorf("ValidateSlug(%q) accepted", s)
		}
	}
}

func TestValidateGlob(t *testing.T) {
	for _, s := range []string{"/", "/a/*", "/a/**", "/a?c", "/[a-c]/{x,y}", `/a\*`, "relative-ok", "/x{a,}", `/\{`, "/[{]"} {
		if err := ValidateGlob(s); err != nil {
			t.Errorf("ValidateGlob(%q) = %v", s, err)
		}
	}
	for _, s := range []string{"", "/[", "/{a,b", "/a}", "/a{}b", "/{,}", "/{a,{}}", "/a\x00", "/\xff", "/" + strings.Repeat("a", 256)} {
		if err := ValidateGlob(s); err == nil {
			t.Errorf("ValidateGlob(%q) accepted", s)
		}
	}
}

func TestNormalizeRules(t *testing.T) {
	in := []PermissionRule{
		{Subject: "secrets", Actions: []string{"read", "describe"}, Conditions: &PermissionConditions{SecretPaths: []string{"/b", "/a"}, Environments: []string{"prod", "dev"}}},
		{Subject: "secrets", Actions: []string{"delete"}, Inverted: true},
		{Subject: "project", Actions: []string{"read"}, Conditions: &PermissionConditions{}},
		{Subject: "secrets", Actions: []string{"describe", "read"}},
	}
	orig, _ := json.Marshal(in)
	got, _ := json.Marshal(NormalizeRules(in))
	want := `[{"subject":"project","actions":["read"],"inverted":false},` +
		`{"subject":"secrets","actions":["describe","read"],"inverted":false},` +
		`{"subject":"secrets","actions":["describe","read"],"conditions":{"environments":["dev","prod"],"secretPaths":["/a","/b"]},"inverted":false},` +
		`{"subject":"secrets","actions":["delete"],"inverted":true}]`
	if string(got) != want {
		t.Errorf("NormalizeRules =\n%s\nwant\n%s", got, want)
	}
	if after, _ := json.Marshal(in); string(after) != string(orig) {
		t.Error("NormalizeRules mutated its input")
	}
	rev := slices.Clone(in)
	slices.Reverse(rev)
	if again, _ := json.Marshal(NormalizeRules(rev)); string(again) != want {
		t.Errorf("order depends on input order:\n%s", again)
	}
	// Never null on the wire: a role without rules has "permissions": [].
	if got := NormalizeRules(nil); got == nil || len(got) != 0 {
		t.Errorf("NormalizeRules(nil) = %#v, want an empty non-nil slice", got)
	}
}
