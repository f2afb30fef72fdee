package signedtoken

import (
	"context"
	"errors"
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/go-jose/go-jose/v4"

	"github.com/idplane/idplane/server/idptest"
	"github.com/idplane/idplane/server/internal/authmethod/login"
)

// FuzzMatchGlob compares the two-pointer matcher with the regular
// expression the glob means: `*` any run, everything else literal.
func FuzzMatchGlob(f *testing.F) {
	for _, seed := range [][2]string{{"repo:acme/*", "repo:acme/infra"}, {"a*b*c", "aXbYbZc"}, {"*", ""}, {"**a", "ba"}, {"x*", "y"}} {
		f.Add(seed[0], seed[1])
	}
	f.Fuzz(func(t *testing.T, pattern, s string) {
		// Configured globs are valid UTF-8 (the API refuses others), and so
		// is every string claim JSON decodes to.
		if len(pattern) > 64 || len(s) > 256 || !utf8.ValidString(pattern) || !utf8.ValidString(s) {
			return
		}
		parts := strings.Split(pattern, "*")
		for i, p := range parts {
			parts[i] = regexp.QuoteMeta(p)
		}
		want := regexp.MustCompile(`^(?s:` + strings.Join(parts, ".*") + `)$`).MatchString(s)
		if got := MatchGlob(pattern, s); got != want {
			t.Fatalf("MatchGlob(%q, %q) = %v, the regular expression says %v", pattern, s, got, want)
		}
	})
}

// FuzzVerify feeds arbitrary tokens to the verifier: it never panics and
// refuses everything it does not accept with a login refusal, never with
// another error; only a token signed by the key verifies.
func FuzzVerify(f *testing.F) {
	k := idptest.NewKey(jose.ES256)
	good := idptest.Sign(k, idptest.Claims("iss", "sub", nil, time.Hour, nil))
	f.Add(good)
	f.Add(good[:len(good)-3])
	f.Add("eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.")
	f.Add("a.b.c")
	f.Add(strings.Repeat("A", 20000))
	v := New(Options{})
	keys := Static{k.Public()}
	f.Fuzz(func(t *testing.T, raw string) {
		tok, err := v.Verify(context.Background(), raw, keys, Expect{})
		if err != nil {
			var le *login.Error
			if !errors.As(err, &le) || le.Public == "" {
				t.Fatalf("refusal %v is not a login refusal naming its check", err)
			}
			return
		}
		if raw != good || tok.Subject != "sub" {
			t.Fatalf("a token other than the signed one verified: %q", raw)
		}
	})
}
