package identityaudit

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

const findingsGuide = "../../../templates/guides/audit-findings.md.tmpl"

// Every finding code the package can emit (every Code* constant in its
// sources, so a new one cannot be missed) has its section, with what, why
// and how to fix, in the findings reference; and the reference documents
// no code the package does not have.
func TestEveryFindingCodeIsDocumented(t *testing.T) {
	guide, err := os.ReadFile(findingsGuide)
	if err != nil {
		t.Fatal(err)
	}
	codes := findingCodes(t)
	if len(codes) < 10 {
		t.Fatalf("found only %d finding codes: %v", len(codes), codes)
	}
	sections := map[string]string{}
	for _, part := range strings.Split(string(guide), "\n### ")[1:] {
		heading, body, _ := strings.Cut(part, "\n")
		sections[strings.Trim(heading, "`")] = body
	}
	for _, code := range codes {
		body, ok := sections[code]
		if !ok {
			t.Errorf("finding %s has no \"### `%s`\" section in %s", code, code, findingsGuide)
			continue
		}
		body, _, _ = strings.Cut(body, "\n## ")
		for _, part := range []string{"**What**", "**Why it matters**", "**How to fix**"} {
			if !strings.Contains(body, part) {
				t.Errorf("the section of %s lacks %s", code, part)
			}
		}
		if !strings.Contains(body, "**high**") && !strings.Contains(body, "**medium**") && !strings.Contains(body, "**low**") {
			t.Errorf("the section of %s names no severity", code)
		}
		delete(sections, code)
	}
	for code := range sections {
		t.Errorf("%s documents %q, which the audit does not emit", findingsGuide, code)
	}
}

// findingCodes returns the values of the package's Code* string constants.
func findingCodes(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	var codes []string
	fset := token.NewFileSet()
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range f.Decls {
			g, ok := d.(*ast.GenDecl)
			if !ok || g.Tok != token.CONST {
				continue
			}
			for _, spec := range g.Specs {
				vs := spec.(*ast.ValueSpec)
				for i, n := range vs.Names {
					if !strings.HasPrefix(n.Name, "Code") || i >= len(vs.Values) {
						continue
					}
					if lit, ok := vs.Values[i].(*ast.BasicLit); ok && lit.Kind == token.STRING {
						v, _ := strconv.Unquote(lit.Value)
						codes = append(codes, v)
					}
				}
			}
		}
	}
	return codes
}
