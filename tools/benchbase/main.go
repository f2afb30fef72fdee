// Command benchbase runs make bench's command, passes its output through,
// and compares every figure it printed with the baseline stored for this
// kind of machine in bench/baseline-<machine>.json: Go benchmarks (ns/op,
// B/op, allocs/op and any custom metric) and idplane-load's phases
// (requests/s, p50, p99). Each figure is printed beside the stored one with
// the ratio, and a figure more than -threshold worse is flagged loudly.
// With -save the run's figures, the commit and the date become the new
// baseline. It never fails for a slower figure: it is a benchmark, not a
// test; it exits non-zero only when the command itself fails.
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"time"
)

func main() {
	machine := flag.String("machine", defaultMachine(), "machine kind the baseline is kept for")
	dir := flag.String("dir", "bench", "directory of the baseline files")
	save := flag.Bool("save", false, "store this run's figures as the machine's baseline")
	threshold := flag.Float64("threshold", 0.10, "fraction by which a figure may be worse before it is flagged")
	flag.Parse()
	if flag.NArg() == 0 {
		fmt.Fprintln(os.Stderr, "usage: benchbase [-save] [-machine KIND] -- COMMAND [ARGS...]")
		os.Exit(2)
	}
	path := filepath.Join(*dir, "baseline-"+*machine+".json")

	cmd := exec.Command(flag.Arg(0), flag.Args()[1:]...)
	cmd.Stdin = os.Stdin
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		fail(err)
	}
	if err := cmd.Start(); err != nil {
		fail(err)
	}
	run := Parse(io.TeeReader(out, os.Stdout))
	runErr := cmd.Wait()

	base, err := Load(path)
	switch {
	case err != nil:
		fmt.Printf("\nno baseline for machine kind %q (%v): run `make bench BENCH_SAVE=1` on a quiet machine of this kind and commit %s\n",
			*machine, err, path)
	default:
		fmt.Println()
		Report(os.Stdout, base, run, *threshold)
	}
	if runErr != nil {
		fmt.Fprintf(os.Stderr, "benchbase: %v; baseline left unchanged\n", runErr)
		os.Exit(1)
	}
	if *save {
		b := Baseline{Machine: *machine, Commit: commit(), Date: time.Now().UTC().Format(time.RFC3339), Figures: run}
		if err := b.Save(path); err != nil {
			fail(err)
		}
		fmt.Printf("baseline for %s saved to %s at commit %s\n", *machine, path, b.Commit)
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "benchbase:", err)
	os.Exit(1)
}

// defaultMachine names the machine kind by what the figures depend on most:
// operating system, architecture and core count (for example linux-amd64-2cpu).
func defaultMachine() string {
	return fmt.Sprintf("%s-%s-%dcpu", runtime.GOOS, runtime.GOARCH, runtime.NumCPU())
}

// commit is the checked-out commit, marked -dirty when the tree has changes.
func commit() string {
	out, err := exec.Command("git", "rev-parse", "--short=12", "HEAD").Output()
	if err != nil {
		return "unknown"
	}
	c := strings.TrimSpace(string(out))
	if st, err := exec.Command("git", "status", "--porcelain", "--untracked-files=no").Output(); err == nil && strings.TrimSpace(string(st)) != "" {
		c += "-dirty"
	}
	return c
}
