package authz

import (
	"fmt"
	"regexp"
	"strings"
	"sync"

	"github.com/gobwas/glob/syntax"
	"github.com/gobwas/glob/syntax/ast"

	"github.com/idplane/idplane/server/api"
)

// globs caches compiled patterns (string → *regexp.Regexp, nil when
// invalid): every request evaluates them, and the set of patterns is bounded
// by the stored roles.
var globs sync.Map

// matchGlob reports whether s matches pattern, a glob over "/"-separated
// segments. An invalid pattern matches nothing.
func matchGlob(pattern, s string) bool {
	v, ok := globs.Load(pattern)
	if !ok {
		if len(pattern) > api.MaxPatternLength {
			return false
		}
		var re *regexp.Regexp
		if api.ValidateGlob(pattern) == nil {
			re, _ = compileGlob(pattern)
		}
		v, _ = globs.LoadOrStore(pattern, re)
	}
	re, _ := v.(*regexp.Regexp)
	return re != nil && re.MatchString(s)
}

// compileGlob parses pattern with the gobwas/glob grammar, which
// api.ValidateGlob and the Terraform provider accept, and translates it to a
// regular expression. gobwas/glob's own matchers backtrack: "/*x*a*a*a*a*a"
// against a 100-byte path takes seconds, and both the pattern (a custom role)
// and the path (the request) come from callers. RE2 matches in linear time.
func compileGlob(pattern string) (*regexp.Regexp, error) {
	tree, err := syntax.Parse(pattern)
	if err != nil {
		return nil, err
	}
	var b strings.Builder
	b.WriteString(`^(?s:`)
	if err := writeRegexp(&b, tree); err != nil {
		return nil, err
	}
	b.WriteString(`)$`)
	return regexp.Compile(b.String())
}

func writeRegexp(b *strings.Builder, n *ast.Node) error {
	switch n.Kind {
	case ast.KindNothing:
	case ast.KindPattern:
		for _, c := range n.Children {
			if err := writeRegexp(b, c); err != nil {
				return err
			}
		}
	case ast.KindAnyOf:
		b.WriteString(`(?:`)
		for i, c := range n.Children {
			if i > 0 {
				b.WriteByte('|')
			}
			if err := writeRegexp(b, c); err != nil {
				return err
			}
		}
		b.WriteByte(')')
	case ast.KindText:
		b.WriteString(regexp.QuoteMeta(n.Value.(ast.Text).Text))
	case ast.KindAny:
		b.WriteString(`[^/]*`)
	case ast.KindSuper:
		b.WriteString(`.*`)
	case ast.KindSingle:
		b.WriteString(`[^/]`)
	case ast.KindList:
		l := n.Value.(ast.List)
		writeClass(b, l.Not, func() {
			for _, r := range l.Chars {
				fmt.Fprintf(b, `\x{%x}`, r)
			}
		})
	case ast.KindRange:
		r := n.Value.(ast.Range)
		writeClass(b, r.Not, func() { fmt.Fprintf(b, `\x{%x}-\x{%x}`, r.Lo, r.Hi) })
	default:
		return fmt.Errorf("unknown glob node %v", n.Kind)
	}
	return nil
}

func writeClass(b *strings.Builder, not bool, body func()) {
	b.WriteByte('[')
	if not {
		b.WriteByte('^')
	}
	body()
	b.WriteByte(']')
}
