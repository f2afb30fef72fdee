package signedtoken

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/idplane/idplane/server/api"
	"github.com/idplane/idplane/server/internal/authmethod/login"
	"github.com/idplane/idplane/server/internal/authmethod/methodconfig"
	"github.com/idplane/idplane/server/internal/store/dbtext"
)

// Claim returns the claim at path, dotted for nested objects
// ("google.compute_engine.project_id").
func Claim(claims map[string]any, path string) (any, bool) {
	var cur any = claims
	for _, seg := range strings.Split(path, ".") {
		m, ok := cur.(map[string]any)
		if !ok {
			return nil, false
		}
		if cur, ok = m[seg]; !ok {
			return nil, false
		}
	}
	return cur, true
}

// ClaimString returns a scalar claim as a string: strings as they are,
// numbers and booleans as JSON writes them.
func ClaimString(claims map[string]any, path string) (string, bool) {
	v, ok := Claim(claims, path)
	if !ok {
		return "", false
	}
	return scalar(v)
}

func scalar(v any) (string, bool) {
	switch x := v.(type) {
	case string:
		return x, true
	case bool:
		return strconv.FormatBool(x), true
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64), true
	case json.Number:
		return x.String(), true
	}
	return "", false
}

// MatchGlob reports whether s matches pattern, in which `*` stands for any
// run of characters (including none) and everything else is literal.
func MatchGlob(pattern, s string) bool {
	// The classic two-pointer wildcard match: linear for one star, and at
	// worst len(pattern)*len(s), both bounded.
	p, i, star, mark := 0, 0, -1, 0
	for i < len(s) {
		switch {
		case p < len(pattern) && pattern[p] == '*':
			star, mark = p, i
			p++
		case p < len(pattern) && pattern[p] == s[i]:
			p++
			i++
		case star >= 0:
			p = star + 1
			mark++
			i = mark
		default:
			return false
		}
	}
	for p < len(pattern) && pattern[p] == '*' {
		p++
	}
	return p == len(pattern)
}

// matchAny reports whether the claim value (a scalar, or a list any of
// whose scalars may match) matches any of the globs.
func matchAny(v any, globs []string) bool {
	vals := []any{v}
	if list, ok := v.([]any); ok {
		vals = list
	}
	for _, x := range vals {
		s, ok := scalar(x)
		if !ok {
			continue
		}
		if slices.ContainsFunc(globs, func(g string) bool { return MatchGlob(g, s) }) {
			return true
		}
	}
	return false
}

// CheckBindings applies the subject glob and the bound claims of OIDC and
// JWT auth (issuer and audiences are the Expect of Verify).
func CheckBindings(t *Token, b api.TokenBindings) error {
	if b.BoundSubject != "" && !MatchGlob(b.BoundSubject, t.Subject) {
		return login.Refused("subject does not match", fmt.Sprintf("subject does not match: sub %q", dbtext.Truncate(t.Subject, 256)))
	}
	for _, path := range slices.Sorted(maps.Keys(b.BoundClaims)) {
		v, ok := Claim(t.Raw, path)
		if !ok {
			return login.Refused(fmt.Sprintf("claim %s is missing", path), "claim "+path+" is missing")
		}
		if !matchAny(v, b.BoundClaims[path]) {
			got, _ := json.Marshal(v)
			return login.Refused(fmt.Sprintf("claim %s does not match", path),
				fmt.Sprintf("claim %s does not match: %s", path, dbtext.Truncate(string(got), 256)))
		}
	}
	return nil
}

// Metadata copies the claims named by mapping (metadata key to claim path)
// that are scalars; others are left out.
func Metadata(claims map[string]any, mapping map[string]string) map[string]string {
	if len(mapping) == 0 {
		return nil
	}
	out := make(map[string]string, len(mapping))
	for key, path := range mapping {
		if s, ok := ClaimString(claims, path); ok {
			out[key] = dbtext.Truncate(s, api.MaxMetadataValLength)
		}
	}
	return out
}

// VerifyBound verifies a token of OIDC or JWT auth: its signature against
// ks and its times, its issuer (b's bound issuer, else one of issuers, of
// which none checks nothing), then b's audiences, subject and claims. It
// answers the token's subject and b's claim metadata.
func (v *Verifier) VerifyBound(ctx context.Context, raw string, ks KeySet, issuers []string, b api.TokenBindings) (methodconfig.Verified, error) {
	expect := Expect{Issuers: issuers, Audiences: b.BoundAudiences}
	if b.BoundIssuer != "" {
		expect.Issuers = []string{b.BoundIssuer}
	}
	t, err := v.Verify(ctx, raw, ks, expect)
	if err != nil {
		return methodconfig.Verified{}, err
	}
	if err := CheckBindings(t, b); err != nil {
		return methodconfig.Verified{}, err
	}
	return methodconfig.Verified{Subject: t.Subject, Metadata: Metadata(t.Raw, b.ClaimMetadata)}, nil
}
