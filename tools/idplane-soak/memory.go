package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"strconv"
	"strings"
)

// memory is the server's resident set and live Go heap, in KiB, and its
// goroutines.
type memory struct{ rss, live, goroutines int64 }

// measure reads the server's resident set from /proc and its live heap
// (go_gc_heap_live_bytes: what live objects took at the last collection,
// which unlike RSS does not depend on where in its cycle the collector is)
// and goroutines from its /metrics.
func measure(ctx context.Context, hc *http.Client, host string, pid int) (memory, error) {
	var m memory
	var err error
	if m.rss, err = rssKiB(pid); err != nil {
		return m, err
	}
	figures, err := metrics(ctx, hc, host, "go_gc_heap_live_bytes", "go_goroutines")
	if err != nil {
		return m, err
	}
	m.live, m.goroutines = int64(figures[0])/1024, int64(figures[1])
	return m, nil
}

// metrics returns the values of the unlabelled metrics names, in order.
func metrics(ctx context.Context, hc *http.Client, host string, names ...string) ([]float64, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, host+"/metrics", nil)
	if err != nil {
		return nil, err
	}
	res, err := hc.Do(req)
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET /metrics: %s", res.Status)
	}
	found := map[string]float64{}
	sc := bufio.NewScanner(res.Body)
	sc.Buffer(make([]byte, 0, 64*1024), 1<<20)
	for sc.Scan() {
		if name, value, ok := strings.Cut(sc.Text(), " "); ok && !strings.HasPrefix(name, "#") {
			if v, err := strconv.ParseFloat(value, 64); err == nil {
				found[name] = v
			}
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read /metrics: %w", err)
	}
	out := make([]float64, len(names))
	for i, n := range names {
		v, ok := found[n]
		if !ok {
			return nil, fmt.Errorf("/metrics has no %s", n)
		}
		out[i] = v
	}
	return out, nil
}

// rssKiB reads the resident set size of process pid.
func rssKiB(pid int) (int64, error) {
	f, err := os.Open("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
			return strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
		}
	}
	if err := sc.Err(); err != nil {
		return 0, err
	}
	return 0, errors.New("no VmRSS in /proc/" + strconv.Itoa(pid) + "/status")
}
