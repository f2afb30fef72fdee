package authmethod_test

import (
	"os/exec"
	"slices"
	"strings"
	"testing"
)

// storage is what the auth method packages must not reach: the ORM, SQL
// and the store's models (the store's gorm-free text helpers aside).
func storage(pkg string) bool {
	return strings.HasPrefix(pkg, "gorm.io/") || pkg == "database/sql" ||
		pkg == "github.com/idplane/idplane/server/internal/store"
}

// goList maps each package under this one, by name, to the packages
// format lists for it ({{.Imports}} or {{.Deps}}).
func goList(t *testing.T, field string) map[string][]string {
	t.Helper()
	// go test puts its own go first on the PATH.
	out, err := exec.Command("go", "list",
		"-f", `{{.Name}} {{join .`+field+` " "}}`, "./...").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	pkgs := map[string][]string{}
	for line := range strings.Lines(string(out)) {
		if f := strings.Fields(line); len(f) > 0 {
			pkgs[f[0]] = f[1:]
		}
	}
	return pkgs
}

// A method package (its statement and verifier) depends on nothing of the
// core's storage, not even transitively: it is unit-tested without a
// database. The hosts that run methods on the core reach storage only
// through the repositories the core implements, never directly.
func TestMethodsNeverReachStorage(t *testing.T) {
	methods := []string{"awsauth", "azure", "gcp", "jwtauth", "kubernetes", "methodconfig", "oidc", "tlscert", "universal"}
	deps := goList(t, "Deps")
	for _, m := range methods {
		d, ok := deps[m]
		if !ok {
			t.Errorf("go list did not list package %s", m)
		}
		if i := slices.IndexFunc(d, storage); i >= 0 {
			t.Errorf("package %s depends on %s; it may reach storage only through its host", m, d[i])
		}
	}
	imports := goList(t, "Imports")
	for _, h := range []string{"methodhost", "universalhost"} {
		imp, ok := imports[h]
		if !ok {
			t.Errorf("go list did not list package %s", h)
		}
		if i := slices.IndexFunc(imp, storage); i >= 0 {
			t.Errorf("package %s imports %s; reach storage through the core's repository", h, imp[i])
		}
	}
	if !storage("gorm.io/gorm") || !storage("github.com/idplane/idplane/server/internal/store") || storage("github.com/idplane/idplane/server/internal/store/dbtext") {
		t.Error("storage() misjudges the ORM or the store")
	}
}
