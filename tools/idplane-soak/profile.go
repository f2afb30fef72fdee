package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
)

// profiler saves the server's heap profiles through its --pprof-listen.
type profiler struct {
	hc  *http.Client
	url string
}

// save writes a heap profile to path, after a garbage collection so that it
// shows what is live.
func (p profiler) save(ctx context.Context, path string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimSuffix(p.url, "/")+"/debug/pprof/heap?gc=1", nil)
	if err != nil {
		return err
	}
	res, err := p.hc.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return fmt.Errorf("GET heap profile: %s", res.Status)
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, res.Body); err != nil {
		f.Close()
		return fmt.Errorf("save %s: %w", path, err)
	}
	return f.Close()
}
