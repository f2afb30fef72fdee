package authz

import (
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/gobwas/glob"
	"github.com/gobwas/glob/syntax"

	"github.com/idplane/idplane/server/api"
)

func FuzzValidateRules(f *testing.F) {
	for _, seed := range []string{
		`[]`,
		`[{"subject":"secrets","actions":["read","describe"],"conditions":{"environments":["prod","dev-*"],"secretPaths":["/database/**","/app/*"]},"inverted":false}]`,
		`[{"subject":"secrets","actions":["read"],"conditions":{"secretPaths":["/a/[b","/{x,y","relative"]},"inverted":true}]`,
		`[{"subject":"project","actions":["read","read",""],"conditions":{}}]`,
		`[{"subject":"nope","actions":null,"conditions":{"environments":["Prod","q?a","*"]}}]`,
		`[{"subject":"secret-folders","actions":["create"],"conditions":{"secretPaths":["/\u0000","/[!a-z]/\\*"]}}]`,
		`[{"subject":"identities"},{"subject":"roles","actions":["edit"],"inverted":true}]`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var rules []api.PermissionRule
		if json.Unmarshal(data, &rules) != nil {
			return
		}
		for _, scope := range []api.Scope{api.ScopeOrganization, api.ScopeProject} {
			var errs api.FieldErrors
			api.ValidateRules(scope, "permissions", rules, &errs)
			if errs.Err() != nil {
				continue
			}
			normalized := api.NormalizeRules(rules)
			p := &Permissions{OrgRole: RoleMember, Org: normalized, Projects: map[string][]api.PermissionRule{"p": normalized}}
			for _, r := range normalized {
				for _, a := range r.Actions {
					p.Can(r.Subject, a)
					p.CanProject("p", r.Subject, a)
					p.CanPath("p", r.Subject, a, "prod", "/database/pg")
					p.CanSecret("p", a, "dev", "/app/a/b")
				}
			}
		}
	})
}

func FuzzGlobMatch(f *testing.F) {
	for _, seed := range [][2]string{
		{"/database/**", "/database/pg/replica"},
		{"/app/*", "/app/a/b"},
		{"/app/config", "/app/config"},
		{"/a?c", "/abc"},
		{"/[a-c]/{x,y}", "/b/y"},
		{`/a\*`, "/a*"},
		{"/[", "/["},
		{"/caf\u00e9", "/caf\u00e9"},
		{"/\xff", "/\xff"},
		{"prod-*", "prod-eu"},
		{"/a,b}", "/a,b}"},
		{"0{}", "0"},
		{"/x{a,}", "/x"},
	} {
		f.Add(seed[0], seed[1])
	}
	f.Fuzz(func(t *testing.T, pattern, path string) {
		got := matchGlob(pattern, path)
		if api.ValidateGlob(pattern) != nil {
			if got {
				t.Fatalf("invalid pattern %q matched %q", pattern, path)
			}
			return
		}
		// Unprotected by safeMatch: a pattern that validates must not panic
		// the library.
		g := glob.MustCompile(pattern, '/')
		if g.Match(path) != got {
			t.Fatalf("cached match of %q on %q differs from a fresh one", pattern, path)
		}
		if strings.ContainsFunc(pattern, func(r rune) bool { return r < utf8.RuneSelf && syntax.Special(byte(r)) }) {
			return
		}
		if !g.Match(pattern) {
			t.Fatalf("literal pattern %q does not match itself", pattern)
		}
		if got != (pattern == path) {
			t.Fatalf("literal pattern %q: match(%q) = %v", pattern, path, got)
		}
	})
}

func BenchmarkCanSecret(b *testing.B) {
	rules := mustProject(b, RoleViewer).Rules
	for _, env := range []string{"dev", "staging-*", "prod"} {
		rules = append(rules,
			api.PermissionRule{Subject: "secrets", Actions: []string{"read", "edit"}, Conditions: &api.PermissionConditions{Environments: []string{env}, SecretPaths: []string{"/app/*", "/database/**"}}},
			api.PermissionRule{Subject: "secrets", Actions: []string{"delete"}, Inverted: true, Conditions: &api.PermissionConditions{Environments: []string{env}, SecretPaths: []string{"/database/root/**"}}},
		)
	}
	p := &Permissions{OrgRole: RoleMember, Projects: map[string][]api.PermissionRule{"p1": api.NormalizeRules(rules)}}
	b.ReportAllocs()
	for b.Loop() {
		if !p.CanSecret("p1", "edit", "staging-eu", "/database/pg/replica") {
			b.Fatal("denied")
		}
	}
}
