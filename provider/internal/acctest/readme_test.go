package acctest_test

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// The README states its security guarantees as tested: every bullet of
// "Security guarantees, as tested" names at least one test, and every test
// the README names exists, once, so a renamed or removed test fails here
// rather than leaving a claim nothing shows.
func TestREADMENamesTestsThatExist(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join(repoDir, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	readme := string(raw)
	testName := regexp.MustCompile("`((?:Test|Fuzz)[A-Z][A-Za-z0-9_]*)`")

	_, section, ok := strings.Cut(readme, "\n### Security guarantees, as tested\n")
	if !ok {
		t.Fatal("README.md has no section \"Security guarantees, as tested\"")
	}
	// An introduction, then the bullets, then the next paragraph.
	parts := strings.SplitN(strings.TrimLeft(section, "\n"), "\n\n", 3)
	bullets := strings.Split("\n"+parts[min(1, len(parts)-1)], "\n- ")[1:]
	if len(bullets) < 5 {
		t.Fatalf("the security section has %d bullets, want the guarantees", len(bullets))
	}
	for _, b := range bullets {
		if !testName.MatchString(b) {
			t.Errorf("a security guarantee names no test: %.80s...", b)
		}
	}

	defined := map[string]int{}
	funcName := regexp.MustCompile(`(?m)^func ((?:Test|Fuzz)[A-Z][A-Za-z0-9_]*)\(`)
	err = filepath.WalkDir(repoDir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == ".git" || d.Name() == "node_modules") {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, "_test.go") {
			return nil
		}
		src, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, m := range funcName.FindAllStringSubmatch(string(src), -1) {
			defined[m[1]]++
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range testName.FindAllStringSubmatch(readme, -1) {
		if n := defined[m[1]]; n != 1 {
			t.Errorf("README.md names %s, defined %d times in the repository's tests, want once", m[1], n)
		}
	}
}
