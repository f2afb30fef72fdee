package signedtoken

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/idplane/idplane/server/api"
)

func TestMatchGlob(t *testing.T) {
	for _, tc := range []struct {
		pattern, s string
		want       bool
	}{
		{"", "", true},
		{"", "a", false},
		{"*", "", true},
		{"*", "anything", true},
		{"repo:acme/*", "repo:acme/infra:ref:refs/heads/main", true},
		{"repo:acme/*", "repo:evil/acme/x", false},
		{"repo:acme/*:ref:refs/heads/main", "repo:acme/infra:ref:refs/heads/main", true},
		{"repo:acme/*:ref:refs/heads/main", "repo:acme/infra:ref:refs/heads/dev", false},
		{"*main", "refs/heads/main", true},
		{"*main", "refs/heads/main2", false},
		{"a*b*c", "abc", true},
		{"a*b*c", "aXbYbZc", true},
		{"a*b*c", "aXbYc!", false},
		{"a**b", "ab", true},
		{"exact", "exact", true},
		{"exact", "exactly", false},
		{"exact", "Exact", false},
		{"?", "x", false}, // only * is special
		{"[a]", "a", false},
		{"acme/*", "acme/", true},
	} {
		if got := MatchGlob(tc.pattern, tc.s); got != tc.want {
			t.Errorf("MatchGlob(%q, %q) = %v, want %v", tc.pattern, tc.s, got, tc.want)
		}
	}
	// Pathological patterns stay bounded (quadratic at worst, never exponential).
	long := strings.Repeat("a", 4096)
	if MatchGlob(strings.Repeat("*a", 64)+"b", long) {
		t.Fatal("matched a string without b")
	}
}

func rawClaims(t *testing.T, s string) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func TestClaimPaths(t *testing.T) {
	c := rawClaims(t, `{"sub":"me","n":42,"f":1.5,"b":true,"nil":null,"list":["a","b"],
		"google":{"compute_engine":{"project_id":"p1","project_number":123456789012}},"dotted.name":"x"}`)
	for path, want := range map[string]string{"sub": "me", "n": "42", "f": "1.5", "b": "true",
		"google.compute_engine.project_id": "p1", "google.compute_engine.project_number": "123456789012"} {
		if got, ok := ClaimString(c, path); !ok || got != want {
			t.Errorf("ClaimString(%q) = %q, %v; want %q", path, got, ok, want)
		}
	}
	for _, path := range []string{"missing", "google.missing", "sub.x", "list", "google", "nil", "dotted.name"} {
		if got, ok := ClaimString(c, path); ok {
			t.Errorf("ClaimString(%q) = %q, want no scalar", path, got)
		}
	}
}

func TestCheckBindings(t *testing.T) {
	tok := &Token{Raw: rawClaims(t, `{"sub":"repo:acme/infra:ref:refs/heads/main","repository":"acme/infra",
		"ref":"refs/heads/main","groups":["dev","ops"],"run_number":7,"ctx":{"env":{"name":"prod"}},"obj":{"a":1}}`)}
	tok.Subject = "repo:acme/infra:ref:refs/heads/main"
	cases := []struct {
		name    string
		b       api.TokenBindings
		public  string // empty: accepted
		reasons []string
	}{
		{"nothing bound", api.TokenBindings{}, "", nil},
		{"subject glob", api.TokenBindings{BoundSubject: "repo:acme/*:ref:refs/heads/main"}, "", nil},
		{"subject glob mismatch", api.TokenBindings{BoundSubject: "repo:acme/*:ref:refs/heads/release"}, "subject does not match", []string{"repo:acme/infra"}},
		{"claim exact", api.TokenBindings{BoundClaims: map[string][]string{"repository": {"acme/infra"}}}, "", nil},
		{"claim one of several globs", api.TokenBindings{BoundClaims: map[string][]string{"repository": {"other/*", "acme/*"}}}, "", nil},
		{"claim mismatch", api.TokenBindings{BoundClaims: map[string][]string{"repository": {"evil/*"}}}, "claim repository does not match", []string{`"acme/infra"`}},
		{"every claim must match", api.TokenBindings{BoundClaims: map[string][]string{"repository": {"acme/*"}, "ref": {"refs/tags/*"}}}, "claim ref does not match", nil},
		{"claim missing", api.TokenBindings{BoundClaims: map[string][]string{"environment": {"*"}}}, "claim environment is missing", nil},
		{"nested path", api.TokenBindings{BoundClaims: map[string][]string{"ctx.env.name": {"prod"}}}, "", nil},
		{"nested path mismatch", api.TokenBindings{BoundClaims: map[string][]string{"ctx.env.name": {"staging"}}}, "claim ctx.env.name does not match", []string{`"prod"`}},
		{"nested path missing", api.TokenBindings{BoundClaims: map[string][]string{"ctx.env.region": {"*"}}}, "claim ctx.env.region is missing", nil},
		{"list claim, one element matches", api.TokenBindings{BoundClaims: map[string][]string{"groups": {"ops"}}}, "", nil},
		{"list claim, glob", api.TokenBindings{BoundClaims: map[string][]string{"groups": {"o*"}}}, "", nil},
		{"list claim, no element matches", api.TokenBindings{BoundClaims: map[string][]string{"groups": {"admin"}}}, "claim groups does not match", nil},
		{"number claim", api.TokenBindings{BoundClaims: map[string][]string{"run_number": {"7"}}}, "", nil},
		{"object claim never matches, not even *", api.TokenBindings{BoundClaims: map[string][]string{"obj": {"*"}}}, "claim obj does not match", nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := CheckBindings(tok, tc.b)
			wantVerdict(t, err, tc.public, tc.reasons...)
		})
	}
}

func TestMetadata(t *testing.T) {
	c := rawClaims(t, `{"repository":"acme/infra","run":7,"ok":true,"ctx":{"workflow":"deploy"},"list":["a"],"long":"`+strings.Repeat("x", api.MaxMetadataValLength+10)+`"}`)
	md := Metadata(c, map[string]string{"repo": "repository", "run": "run", "ok": "ok", "workflow": "ctx.workflow",
		"list": "list", "missing": "nope", "long": "long"})
	want := map[string]string{"repo": "acme/infra", "run": "7", "ok": "true", "workflow": "deploy"}
	for k, v := range want {
		if md[k] != v {
			t.Errorf("metadata %s = %q, want %q", k, md[k], v)
		}
	}
	for _, k := range []string{"list", "missing"} {
		if _, ok := md[k]; ok {
			t.Errorf("metadata %s copied from a claim that is not a scalar", k)
		}
	}
	if l := len([]rune(md["long"])); l > api.MaxMetadataValLength+1 {
		t.Errorf("a long claim was copied at %d characters", l)
	}
	if Metadata(c, nil) != nil {
		t.Error("no mapping, yet metadata")
	}
}
