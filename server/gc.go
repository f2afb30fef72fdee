package main

import (
	"os"
	"runtime/debug"
)

// serveGCPercent is idplane serve's garbage collection target when GOGC
// is not set. The live heap is small (tens of MiB) and every login
// allocates, so Go's default of 100 collected several times a second under
// load and spent about 8 % of the server's CPU on it; at 400 that drops to
// about 2 % for some 25 MiB more RSS (make bench prints both). GOGC in the
// environment still wins.
const serveGCPercent = 400

// tuneGC applies serveGCPercent unless GOGC is set.
func tuneGC() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(serveGCPercent)
	}
}
