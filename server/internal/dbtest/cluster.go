package dbtest

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// startTimeout bounds how long pg_ctl waits for the server to accept connections.
const startTimeout = 60 * time.Second

// startAttempts is how many ports startCluster tries: another process may take
// the free port it picked before the server binds it.
const startAttempts = 5

// logTailLines is how much of the server log a failed start reports.
const logTailLines = 30

// settings are appended to postgresql.conf: durability traded for speed, and
// room for tests running in parallel.
const settings = `
listen_addresses = '127.0.0.1'
fsync = off
synchronous_commit = off
full_page_writes = off
max_connections = 300
shared_buffers = 128MB
`

// cluster is a PostgreSQL cluster this process started in a temporary
// directory, which holds the data directory, the server log and the unix
// socket.
type cluster struct {
	dir        string
	bin        string // directory holding initdb and pg_ctl
	asPostgres bool   // run the binaries as the postgres user: PostgreSQL refuses to run as root
	port       int

	// watchdog stops the cluster and removes dir once alive, the write end
	// of its stdin, is closed: when this process exits, however it exits.
	watchdog *exec.Cmd
	alive    *os.File
}

// startCluster creates a cluster and starts its server.
func startCluster(ctx context.Context) (*cluster, error) {
	bin, err := findBinDir()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "idplane-pg-")
	if err != nil {
		return nil, err
	}
	c := &cluster{dir: dir, bin: bin, asPostgres: os.Geteuid() == 0}
	if err := c.startWatchdog(); err != nil {
		return nil, errors.Join(err, os.RemoveAll(dir))
	}
	if err := c.start(ctx); err != nil {
		return nil, errors.Join(err, c.stop())
	}
	return c, nil
}

// findBinDir returns the directory holding the PostgreSQL server binaries.
func findBinDir() (string, error) {
	if p, err := exec.LookPath("pg_ctl"); err == nil {
		if p, err := filepath.EvalSymlinks(p); err == nil {
			return filepath.Dir(p), nil
		}
	}
	// Debian and Ubuntu keep the server binaries off PATH, one directory per
	// major version; take the newest.
	dirs, err := filepath.Glob("/usr/lib/postgresql/*/bin")
	if err != nil {
		return "", err
	}
	best, bestVersion := "", 0
	for _, d := range dirs {
		version, err := strconv.Atoi(filepath.Base(filepath.Dir(d)))
		if err != nil || version <= bestVersion {
			continue
		}
		if _, err := os.Stat(filepath.Join(d, "pg_ctl")); err == nil {
			best, bestVersion = d, version
		}
	}
	if best == "" {
		return "", fmt.Errorf("no PostgreSQL server binaries (pg_ctl, initdb) on PATH or in /usr/lib/postgresql/*/bin: install them or set %s", EnvPostgresURL)
	}
	return best, nil
}

func (c *cluster) dataDir() string { return filepath.Join(c.dir, "data") }

func (c *cluster) logFile() string { return filepath.Join(c.dir, "postgres.log") }

// command returns a command running the PostgreSQL binary name.
func (c *cluster) command(ctx context.Context, name string, args ...string) *exec.Cmd {
	path := filepath.Join(c.bin, name)
	var cmd *exec.Cmd
	if c.asPostgres {
		cmd = exec.CommandContext(ctx, "runuser", append([]string{"-u", "postgres", "--", path}, args...)...)
	} else {
		cmd = exec.CommandContext(ctx, path, args...)
	}
	cmd.Dir = c.dir
	return cmd
}

// stopArgs are the arguments of the pg_ctl command that stops the server.
func (c *cluster) stopArgs() []string {
	return []string{"stop", "-D", c.dataDir(), "-m", "immediate", "-w", "-s"}
}

// startWatchdog starts a shell that blocks reading a pipe whose write end only
// this process holds. The read returns when this process exits, be it through
// Main, a panic, a test timeout or SIGKILL; the shell then stops the server and
// removes the directory. It ignores the terminal's signals so that ^C does not
// kill it along with the tests.
func (c *cluster) startWatchdog() error {
	r, w, err := os.Pipe()
	if err != nil {
		return err
	}
	defer r.Close()
	stop := c.command(context.Background(), "pg_ctl", c.stopArgs()...)
	const script = `trap '' HUP INT QUIT; dir=$1; shift; read -r _; "$@"; rm -rf "$dir"`
	cmd := exec.Command("/bin/sh", append([]string{"-c", script, "dbtest-watchdog", c.dir}, stop.Args...)...)
	// Its output goes to /dev/null, not to pipes: writing to a pipe whose
	// reader, this process, is gone would kill it with SIGPIPE.
	cmd.Stdin = r
	if err := cmd.Start(); err != nil {
		return errors.Join(fmt.Errorf("start watchdog: %w", err), w.Close())
	}
	c.watchdog, c.alive = cmd, w
	return nil
}

// start runs initdb, configures the cluster and starts its server.
func (c *cluster) start(ctx context.Context) error {
	if c.asPostgres {
		u, err := user.Lookup("postgres")
		if err != nil {
			return fmt.Errorf("PostgreSQL refuses to run as root and there is no postgres user to run it as: %w", err)
		}
		uid, uidErr := strconv.Atoi(u.Uid)
		gid, gidErr := strconv.Atoi(u.Gid)
		if err := errors.Join(uidErr, gidErr); err != nil {
			return err
		}
		if err := os.Chown(c.dir, uid, gid); err != nil {
			return err
		}
	}
	initdb := c.command(ctx, "initdb", "-D", c.dataDir(), "-U", "postgres", "--auth=trust",
		"-E", "UTF8", "--locale=C", "--no-sync", "--no-instructions")
	if out, err := initdb.CombinedOutput(); err != nil {
		return fmt.Errorf("initdb: %w\n%s", err, out)
	}
	conf, err := os.OpenFile(filepath.Join(c.dataDir(), "postgresql.conf"), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(conf, "%sunix_socket_directories = '%s'\n", settings, strings.ReplaceAll(c.dir, "'", "''"))
	if err := errors.Join(err, conf.Close()); err != nil {
		return err
	}
	for attempt := 1; ; attempt++ {
		port, err := freePort()
		if err != nil {
			return err
		}
		err = c.launch(ctx, port)
		if err == nil {
			c.port = port
			return nil
		}
		if attempt < startAttempts && strings.Contains(c.logTail(), "Address already in use") {
			continue
		}
		return err
	}
}

// launch starts the server of an initialized cluster on port.
func (c *cluster) launch(ctx context.Context, port int) error {
	// Each start gets a fresh log, so that it reports its own failure.
	if err := os.Remove(c.logFile()); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	pgctl := c.command(ctx, "pg_ctl", "start", "-D", c.dataDir(), "-l", c.logFile(),
		"-w", "-t", strconv.Itoa(int(startTimeout.Seconds())), "-s", "-o", "-p "+strconv.Itoa(port))
	if out, err := pgctl.CombinedOutput(); err != nil {
		return fmt.Errorf("pg_ctl start: %w\n%s\nlast lines of the server log:\n%s", err, out, c.logTail())
	}
	return nil
}

// halt stops the server, as a crash would ("immediate" mode), and keeps the
// cluster so that launch can start it again.
func (c *cluster) halt() error {
	if out, err := c.command(context.Background(), "pg_ctl", c.stopArgs()...).CombinedOutput(); err != nil {
		return fmt.Errorf("pg_ctl stop: %w\n%s", err, out)
	}
	return nil
}

// freePort returns a TCP port on 127.0.0.1 that nobody listens on right now.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	port := l.Addr().(*net.TCPAddr).Port
	return port, l.Close()
}

// logTail returns the last lines of the server log.
func (c *cluster) logTail() string {
	b, err := os.ReadFile(c.logFile())
	if err != nil {
		return err.Error()
	}
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	return strings.Join(lines[max(0, len(lines)-logTailLines):], "\n")
}

// stop stops the server, if it runs, and removes the cluster's directory.
func (c *cluster) stop() error {
	var errs []error
	if _, err := os.Stat(filepath.Join(c.dataDir(), "postmaster.pid")); err == nil {
		if out, err := c.command(context.Background(), "pg_ctl", c.stopArgs()...).CombinedOutput(); err != nil {
			errs = append(errs, fmt.Errorf("pg_ctl stop: %w\n%s", err, out))
		}
	}
	errs = append(errs, os.RemoveAll(c.dir))
	// Nothing is left for the watchdog to do. Kill it rather than release it
	// through the pipe: it would run a pg_ctl stop bound to fail. Killing it
	// makes Wait return an error, which says nothing.
	errs = append(errs, c.watchdog.Process.Kill(), c.alive.Close())
	_ = c.watchdog.Wait()
	return errors.Join(errs...)
}
