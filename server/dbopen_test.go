package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// A database that cannot be opened is reported with its cause, not with
// SQLite's "unable to open database file: out of memory (14)".
func TestDatabaseOpenErrorsNameTheCause(t *testing.T) {
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	masterKey := base64.StdEncoding.EncodeToString(key)

	missing := filepath.Join(t.TempDir(), "missing", "dir", "x.db")
	code, _, errOut := runCLI(t, context.Background(), "serve", "--database-url", missing, "--master-key", masterKey)
	if code != 1 || !strings.Contains(errOut, "directory "+filepath.Dir(missing)+" does not exist") || strings.Contains(errOut, "out of memory") {
		t.Errorf("missing directory: exit %d, stderr %q; want 1 and the directory named as missing", code, errOut)
	}

	notDir := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(notDir, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	code, _, errOut = runCLI(t, context.Background(), "migrate", "--database-url", filepath.Join(notDir, "x.db"))
	if code != 1 || !strings.Contains(errOut, notDir+" is not a directory") {
		t.Errorf("directory is a file: exit %d, stderr %q", code, errOut)
	}

	base := unprivilegedDir(t)
	readOnly := filepath.Join(base, "read-only")
	if err := os.Mkdir(readOnly, 0o555); err != nil {
		t.Fatal(err)
	}
	code, errOut = runCLIUnprivileged(t, "serve", "--database-url", filepath.Join(readOnly, "x.db"), "--master-key", masterKey)
	if code != 1 || !strings.Contains(errOut, "permission denied to create files in directory "+readOnly) {
		t.Errorf("read-only directory: exit %d, stderr %q", code, errOut)
	}

	// An existing database file the server may not write.
	db := filepath.Join(base, "x.db")
	if code, _, errOut := runCLI(t, context.Background(), "migrate", "--database-url", db); code != 0 {
		t.Fatalf("migrate: %s", errOut)
	}
	if err := os.Chmod(db, 0o644); err != nil {
		t.Fatal(err)
	}
	code, errOut = runCLIUnprivileged(t, "migrate", "--database-url", db)
	if code != 1 || !strings.Contains(errOut, "cannot open "+db+": permission denied") {
		t.Errorf("read-only database file: exit %d, stderr %q", code, errOut)
	}
}

// unprivilegedDir is a directory an unprivileged user can enter and list
// (t.TempDir is private to the test's user).
func unprivilegedDir(t *testing.T) string {
	dir, err := os.MkdirTemp("", "idplane-cli-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// runCLIUnprivileged runs the CLI where permissions apply: as root, which
// passes every permission check, the test binary runs the CLI as nobody
// (TestHelperCLI); otherwise in-process. It returns the exit code and stderr.
func runCLIUnprivileged(t *testing.T, args ...string) (int, string) {
	t.Helper()
	if os.Geteuid() != 0 {
		code, _, errOut := runCLI(t, context.Background(), args...)
		return code, errOut
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(unprivilegedDir(t), "idplane.test")
	src, err := os.Open(exe)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	dst, err := os.OpenFile(bin, os.O_CREATE|os.O_WRONLY, 0o755)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(dst, src); err != nil {
		t.Fatal(err)
	}
	if err := dst.Close(); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "-test.run=^TestHelperCLI$")
	encoded, err := json.Marshal(args)
	if err != nil {
		t.Fatal(err)
	}
	cmd.Env = append(os.Environ(), "IDPLANE_TEST_CLI_ARGS="+string(encoded))
	cmd.Dir = "/"
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	err = cmd.Run()
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		t.Fatalf("run CLI as nobody: %v", err)
	}
	return cmd.ProcessState.ExitCode(), stderr.String()
}

// TestHelperCLI is the process runCLIUnprivileged starts; on its own it
// does nothing.
func TestHelperCLI(t *testing.T) {
	args, ok := os.LookupEnv("IDPLANE_TEST_CLI_ARGS")
	if !ok {
		t.Skip("runs only as runCLIUnprivileged's child process")
	}
	var list []string
	if err := json.Unmarshal([]byte(args), &list); err != nil {
		t.Fatal(err)
	}
	os.Exit(run(context.Background(), list, io.Discard, os.Stderr))
}
