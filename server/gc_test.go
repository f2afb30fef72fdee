package main

import (
	"runtime/debug"
	"testing"
)

// idplane serve collects at GOGC=400 unless the environment says otherwise.
func TestTuneGC(t *testing.T) {
	defer debug.SetGCPercent(debug.SetGCPercent(100))
	t.Setenv("GOGC", "")
	tuneGC()
	if got := debug.SetGCPercent(100); got != serveGCPercent {
		t.Fatalf("without GOGC the target is %d, want %d", got, serveGCPercent)
	}
	t.Setenv("GOGC", "150")
	debug.SetGCPercent(150) // as the runtime did at start-up from GOGC
	tuneGC()
	if got := debug.SetGCPercent(100); got != 150 {
		t.Fatalf("with GOGC=150 the target is %d, want 150", got)
	}
}
