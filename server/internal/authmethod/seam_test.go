package authmethod_test

import (
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
)

// storage is what a method package must not import: the ORM, SQL and the
// store's models. Methods reach storage through their repository, which the
// core implements (service.Core).
func storage(imp string) bool {
	return strings.HasPrefix(imp, "gorm.io/") || imp == "database/sql" ||
		imp == "github.com/idplane/idplane/server/internal/store"
}

// No auth method package imports gorm, database/sql or the store.
func TestMethodsNeverImportStorage(t *testing.T) {
	methods := []string{"awsauth", "azure", "gcp", "jwtauth", "kubernetes", "methodconfig", "oidc", "tlscert", "universal"}
	out, err := exec.Command(filepath.Join(runtime.GOROOT(), "bin", "go"), "list",
		"-f", `{{.Name}} {{join .Imports " "}}`, "./...").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	seen := map[string]bool{}
	for line := range strings.Lines(string(out)) {
		f := strings.Fields(line)
		if len(f) == 0 || !slices.Contains(methods, f[0]) {
			continue
		}
		seen[f[0]] = true
		for _, imp := range f[1:] {
			if storage(imp) {
				t.Errorf("package %s imports %s; reach storage through its repository", f[0], imp)
			}
		}
	}
	for _, m := range methods {
		if !seen[m] {
			t.Errorf("go list did not list package %s", m)
		}
	}
	if !storage("gorm.io/gorm") || !storage("github.com/idplane/idplane/server/internal/store") || storage("github.com/idplane/idplane/server/internal/store/dbtext") {
		t.Error("storage() misjudges the ORM or the store")
	}
}
