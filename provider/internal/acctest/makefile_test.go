package acctest_test

import (
	"cmp"
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

// make install puts the provider into the filesystem mirror under
// ~/.terraform.d/plugins, as the README says: a configuration that pins
// idplane/idplane to that version initializes from it, offline, with no
// CLI configuration at all.
func TestMakeInstallIntoFilesystemMirror(t *testing.T) {
	home := t.TempDir()
	goEnv, err := exec.Command("go", "env", "GOPATH", "GOMODCACHE", "GOCACHE").Output()
	if err != nil {
		t.Fatal(err)
	}
	dirs := strings.Fields(string(goEnv))
	// OpenTofu reads idplane/idplane under its own registry's name.
	registry := cmp.Or(os.Getenv("TF_ACC_PROVIDER_HOST"), "registry.terraform.io")
	cmd := exec.Command("make", "-s", "--no-print-directory", "-C", repoDir, "install", "PROVIDER_VERSION=0.3.1", "PROVIDER_REGISTRY="+registry)
	// Another HOME, but Go's caches stay where they are.
	cmd.Env = append(os.Environ(), "HOME="+home, "GOPATH="+dirs[0], "GOMODCACHE="+dirs[1], "GOCACHE="+dirs[2])
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("make install: %v\n%s", err, out)
	}
	work := t.TempDir()
	cfg := `terraform {
  required_providers {
    idplane = { source = "idplane/idplane", version = "0.3.1" }
  }
}
provider "idplane" {}
`
	if err := os.WriteFile(filepath.Join(work, "main.tf"), []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"init", "-input=false"}, {"validate"}} {
		cmd := exec.Command(os.Getenv("TF_ACC_TERRAFORM_PATH"), args...)
		cmd.Dir = work
		cmd.Env = []string{"HOME=" + home, "CHECKPOINT_DISABLE=1", "PATH=" + os.Getenv("PATH")}
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("terraform %s with the installed provider: %v\n%s", args[0], err, out)
		}
		if args[0] == "init" && !strings.Contains(string(out), "idplane/idplane v0.3.1") {
			t.Errorf("terraform init did not install idplane/idplane v0.3.1:\n%s", out)
		}
	}
}
