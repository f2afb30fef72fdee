package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
)

// profiler reads the server's runtime profiles through its --pprof-listen.
type profiler struct {
	hc  *http.Client
	url string
}

// liveKiB is the Go heap the server's live objects take: HeapAlloc right
// after a garbage collection, from the memory statistics the debug form of
// the heap profile ends with. Unlike RSS or HeapInuse it does not depend on
// where in its collection cycle the server happens to be, so growth in it
// is memory something holds on to.
func (p profiler) liveKiB(ctx context.Context) (int64, error) {
	n, err := p.figure(ctx, "/debug/pprof/heap?gc=1&debug=1", "# HeapAlloc = ")
	return n / 1024, err
}

// goroutines is how many goroutines the server runs.
func (p profiler) goroutines(ctx context.Context) (int64, error) {
	return p.figure(ctx, "/debug/pprof/goroutine?debug=1", "goroutine profile: total ")
}

// figure is the number after prefix on a line of the text profile at path.
func (p profiler) figure(ctx context.Context, path, prefix string) (int64, error) {
	body, err := p.get(ctx, path)
	if err != nil {
		return 0, err
	}
	defer body.Close()
	v, err := scanFor(body, prefix)
	if err != nil {
		return 0, err
	}
	return strconv.ParseInt(v, 10, 64)
}

// scanFor returns the rest of the first line of r that starts with prefix.
func scanFor(r io.Reader, prefix string) (string, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64*1024), 1<<20)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), prefix); ok {
			return v, nil
		}
	}
	if err := sc.Err(); err != nil {
		return "", err
	}
	return "", errors.New("no line starting " + strings.TrimSpace(prefix))
}

// save writes a heap profile to path, after a garbage collection so that it
// shows what is live.
func (p profiler) save(ctx context.Context, path string) error {
	body, err := p.get(ctx, "/debug/pprof/heap?gc=1")
	if err != nil {
		return err
	}
	defer body.Close()
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, body); err != nil {
		f.Close()
		return fmt.Errorf("save %s: %w", path, err)
	}
	return f.Close()
}

func (p profiler) get(ctx context.Context, path string) (io.ReadCloser, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimSuffix(p.url, "/")+path, nil)
	if err != nil {
		return nil, err
	}
	res, err := p.hc.Do(req)
	if err != nil {
		return nil, err
	}
	if res.StatusCode != http.StatusOK {
		res.Body.Close()
		return nil, fmt.Errorf("GET %s: %s", path, res.Status)
	}
	return res.Body, nil
}
