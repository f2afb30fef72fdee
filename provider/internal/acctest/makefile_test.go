package acctest_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

const repoDir = "../../.."

// TF_ACC_TERRAFORM_PATH from the environment wins over the makefile's
// default: make exports it to every recipe unchanged, make demo then builds
// no terraform of its own, and scripts/demo.sh runs that binary.
func TestMakeDemoUsesTerraformFromEnvironment(t *testing.T) {
	dir := t.TempDir()
	calls := filepath.Join(dir, "calls")
	fake := filepath.Join(dir, "terraform")
	script := "#!/bin/sh\necho \"$*\" >> " + calls + "\nexit 7\n"
	if err := os.WriteFile(fake, []byte(script), 0o700); err != nil {
		t.Fatal(err)
	}
	runMake := func(stdin string, args ...string) (string, error) {
		cmd := exec.Command("make", append([]string{"-s", "--no-print-directory", "-C", repoDir}, args...)...)
		cmd.Env = append(os.Environ(), "TF_ACC_TERRAFORM_PATH="+fake)
		cmd.Stdin = strings.NewReader(stdin)
		out, err := cmd.CombinedOutput()
		return string(out), err
	}

	probe := "probe:\n\t@echo \"$$TF_ACC_TERRAFORM_PATH\"\n"
	if out, err := runMake(probe, "-f", "GNUmakefile", "-f", "-", "probe"); err != nil || strings.TrimSpace(out) != fake {
		t.Fatalf("make passes TF_ACC_TERRAFORM_PATH=%q to recipes (error %v), want %s", strings.TrimSpace(out), err, fake)
	}
	if out, err := runMake("", "-n", "demo"); err != nil || strings.TrimSpace(out) != "scripts/demo.sh" {
		t.Fatalf("make -n demo with TF_ACC_TERRAFORM_PATH set runs more than scripts/demo.sh (error %v):\n%s", err, out)
	}

	out, err := runMake("", "demo")
	if err == nil {
		t.Fatalf("make demo succeeded although its terraform always fails:\n%s", out)
	}
	got, rerr := os.ReadFile(calls)
	if rerr != nil || !strings.HasPrefix(string(got), "apply ") {
		t.Fatalf("make demo never ran %s (calls: %q, %v):\n%s", fake, got, rerr, out)
	}
}
