package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// Figure is one measured value and its unit.
type Figure struct {
	Value float64 `json:"value"`
	Unit  string  `json:"unit"`
}

// higherIsBetter reports the direction of a unit: rates improve upwards,
// times, bytes and allocations downwards.
func (f Figure) higherIsBetter() bool { return strings.HasSuffix(f.Unit, "/s") }

// Figures are a run's figures by name: "go <package> <benchmark> <unit>",
// "load <phase> <unit>" (the server's peak RSS among them) or "plan ...".
type Figures map[string]Figure

// Baseline is what a machine kind measured once, and at which commit.
type Baseline struct {
	Machine string  `json:"machine"`
	Commit  string  `json:"commit"`
	Date    string  `json:"date"`
	Figures Figures `json:"figures"`
}

// Load reads a baseline file.
func Load(path string) (*Baseline, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var b Baseline
	if err := json.Unmarshal(raw, &b); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return &b, nil
}

// Save writes the baseline, creating its directory.
func (b *Baseline) Save(path string) error {
	raw, err := json.MarshalIndent(b, "", "  ")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return os.WriteFile(path, append(raw, '\n'), 0o644)
}

var (
	// BenchmarkLogin-2   	    3648	   1033258 ns/op	   30977 B/op	     217 allocs/op
	goBench = regexp.MustCompile(`^(Benchmark\S+?)(?:-\d+)?\s+\d+\s+(.+)$`)
	goPkg   = regexp.MustCompile(`^pkg: (\S+)`)
	// universal-auth login   6659 req/s  p50   4.10 ms  p99  13.00 ms  requests 66590  errors 0
	loadPhase = regexp.MustCompile(`^(.+?)\s+([\d.]+) req/s\s+p50\s+([\d.]+) ms\s+p99\s+([\d.]+) ms\b`)
	// server RSS now 80 MiB, peak 90 MiB
	serverRSS = regexp.MustCompile(`^server RSS now \d+ MiB, peak (\d+) MiB`)
	// terraform plan (refresh of 4001 resources, default parallelism): 12.3 s, empty
	planTime = regexp.MustCompile(`^terraform plan \(refresh of (\d+) resources.*: ([\d.]+) s\b`)
)

// Parse reads go test -bench and idplane-load output and returns the
// figures it printed. Lines it does not know are skipped.
func Parse(r io.Reader) Figures {
	out := Figures{}
	pkg := ""
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for sc.Scan() {
		line := strings.TrimRight(sc.Text(), " \t")
		if m := goPkg.FindStringSubmatch(line); m != nil {
			pkg = m[1]
			continue
		}
		if m := goBench.FindStringSubmatch(line); m != nil {
			fields := strings.Fields(m[2])
			for i := 0; i+1 < len(fields); i += 2 {
				v, err := strconv.ParseFloat(fields[i], 64)
				if err != nil {
					break
				}
				out[strings.TrimSpace(fmt.Sprintf("go %s %s %s", shortPkg(pkg), m[1], fields[i+1]))] = Figure{Value: v, Unit: fields[i+1]}
			}
			continue
		}
		if m := loadPhase.FindStringSubmatch(line); m != nil {
			phase := strings.TrimSpace(m[1])
			for i, unit := range []string{"req/s", "p50 ms", "p99 ms"} {
				v, _ := strconv.ParseFloat(m[2+i], 64)
				out["load "+phase+" "+unit] = Figure{Value: v, Unit: strings.TrimPrefix(strings.TrimPrefix(unit, "p50 "), "p99 ")}
			}
			continue
		}
		if m := serverRSS.FindStringSubmatch(line); m != nil {
			v, _ := strconv.ParseFloat(m[1], 64)
			out["load server peak RSS MiB"] = Figure{Value: v, Unit: "MiB"}
			continue
		}
		if m := planTime.FindStringSubmatch(line); m != nil {
			v, _ := strconv.ParseFloat(m[2], 64)
			out["plan terraform plan of "+m[1]+" resources s"] = Figure{Value: v, Unit: "s"}
		}
	}
	return out
}

// shortPkg drops the module path: server/internal/httpapi.
func shortPkg(pkg string) string {
	if i := strings.Index(pkg, "/server/"); i >= 0 {
		return pkg[i+1:]
	}
	return pkg
}

// Change is a figure beside its baseline.
type Change struct {
	Name      string
	Now, Base Figure
	// Ratio is now/base; Worse the fraction by which it is worse (negative:
	// better), in the figure's own direction.
	Ratio, Worse float64
}

// Compare pairs the run's figures with the baseline's, in name order;
// figures only one side has are returned by name.
func Compare(base, run Figures) (changes []Change, onlyNow, onlyBase []string) {
	for _, name := range slices.Sorted(func(yield func(string) bool) {
		for n := range run {
			if !yield(n) {
				return
			}
		}
	}) {
		now := run[name]
		b, ok := base[name]
		if !ok {
			onlyNow = append(onlyNow, name)
			continue
		}
		c := Change{Name: name, Now: now, Base: b, Ratio: math.NaN()}
		if b.Value != 0 {
			c.Ratio = now.Value / b.Value
			if now.higherIsBetter() {
				c.Worse = 1 - c.Ratio
			} else {
				c.Worse = c.Ratio - 1
			}
		}
		changes = append(changes, c)
	}
	for name := range base {
		if _, ok := run[name]; !ok {
			onlyBase = append(onlyBase, name)
		}
	}
	slices.Sort(onlyBase)
	return changes, onlyNow, onlyBase
}

// Report prints every figure beside the baseline's and flags those more
// than threshold worse, then sums them up.
func Report(w io.Writer, base *Baseline, run Figures, threshold float64) {
	changes, onlyNow, onlyBase := Compare(base.Figures, run)
	fmt.Fprintf(w, "compared with the baseline of machine %s, commit %s (%s):\n", base.Machine, base.Commit, base.Date)
	var worse []Change
	for _, c := range changes {
		flag := ""
		if c.Worse > threshold {
			flag = fmt.Sprintf("  <<< WORSE by %.0f%%", 100*c.Worse)
			worse = append(worse, c)
		}
		fmt.Fprintf(w, "  %-72s %12.4g  baseline %12.4g  x%.2f%s\n", c.Name, c.Now.Value, c.Base.Value, c.Ratio, flag)
	}
	for _, n := range onlyNow {
		fmt.Fprintf(w, "  %-72s %12.4g  (new: no baseline)\n", n, run[n].Value)
	}
	for _, n := range onlyBase {
		fmt.Fprintf(w, "  %-72s not measured this run (baseline %.4g)\n", n, base.Figures[n].Value)
	}
	if len(worse) == 0 {
		fmt.Fprintf(w, "no figure is more than %.0f%% worse than the baseline\n", 100*threshold)
		return
	}
	fmt.Fprintf(w, "\n!!! %d figure(s) more than %.0f%% WORSE than the baseline (commit %s):\n", len(worse), 100*threshold, base.Commit)
	for _, c := range worse {
		fmt.Fprintf(w, "!!!   %s: %.4g %s, baseline %.4g (%+.0f%%)\n", c.Name, c.Now.Value, c.Now.Unit, c.Base.Value, 100*c.Worse)
	}
	fmt.Fprintln(w, "!!! on a shared or busy machine, run again before believing it")
}
