package authz

import (
	"encoding/json"
	"maps"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/gobwas/glob/syntax"
	"github.com/gobwas/glob/syntax/ast"

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
		{"0**0", "0"},
		{"/[!a]/x", "///x"},
		{"*0", "\xe3"},
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
		if _, err := compileGlob(pattern); err != nil {
			t.Fatalf("valid pattern %q does not translate: %v", pattern, err)
		}
		if len(path) <= 64 {
			if want := referenceMatch(t, pattern, path); want != got {
				t.Fatalf("match(%q, %q) = %v, reference says %v", pattern, path, got, want)
			}
		}
		if strings.ContainsFunc(pattern, func(r rune) bool { return r < utf8.RuneSelf && syntax.Special(byte(r)) }) {
			return
		}
		if !matchGlob(pattern, pattern) {
			t.Fatalf("literal pattern %q does not match itself", pattern)
		}
		if got != (pattern == path) {
			t.Fatalf("literal pattern %q: match(%q) = %v", pattern, path, got)
		}
	})
}

// referenceMatch interprets the glob's syntax tree directly, tracking every
// position of s a prefix of the pattern can end at. gobwas/glob's own
// matcher is no oracle: it says "0**0" matches "0".
func referenceMatch(t *testing.T, pattern, s string) bool {
	tree, err := syntax.Parse(pattern)
	if err != nil {
		t.Fatalf("valid pattern %q does not parse: %v", pattern, err)
	}
	return referenceEnds(t, tree, s, map[int]bool{0: true})[len(s)]
}

func referenceEnds(t *testing.T, n *ast.Node, s string, starts map[int]bool) map[int]bool {
	ends := map[int]bool{}
	oneRune := func(ok func(rune) bool) {
		for i := range starts {
			if r, w := utf8.DecodeRuneInString(s[i:]); w > 0 && ok(r) {
				ends[i+w] = true
			}
		}
	}
	switch n.Kind {
	case ast.KindNothing:
		return starts
	case ast.KindPattern:
		for _, c := range n.Children {
			starts = referenceEnds(t, c, s, starts)
		}
		return starts
	case ast.KindAnyOf:
		for _, c := range n.Children {
			maps.Copy(ends, referenceEnds(t, c, s, starts))
		}
	case ast.KindText:
		for i := range starts {
			if text := n.Value.(ast.Text).Text; strings.HasPrefix(s[i:], text) {
				ends[i+len(text)] = true
			}
		}
	case ast.KindAny, ast.KindSuper:
		for i := range starts {
			ends[i] = true
			for j := i; j < len(s); {
				r, w := utf8.DecodeRuneInString(s[j:])
				if r == '/' && n.Kind == ast.KindAny {
					break
				}
				j += w
				ends[j] = true
			}
		}
	case ast.KindSingle:
		oneRune(func(r rune) bool { return r != '/' })
	case ast.KindList:
		l := n.Value.(ast.List)
		oneRune(func(r rune) bool { return strings.ContainsRune(l.Chars, r) != l.Not })
	case ast.KindRange:
		rg := n.Value.(ast.Range)
		oneRune(func(r rune) bool { return (r >= rg.Lo && r <= rg.Hi) != rg.Not })
	default:
		t.Fatalf("unknown node %v", n.Kind)
	}
	return ends
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
