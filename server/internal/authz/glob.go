package authz

import (
	"sync"

	"github.com/gobwas/glob"

	"github.com/idplane/idplane/server/api"
)

// globs caches compiled patterns (string → glob.Glob, nil when invalid):
// every request evaluates them, and the set of patterns is bounded by the
// stored roles.
var globs sync.Map

// matchGlob reports whether s matches pattern, a glob over "/"-separated
// segments. An invalid pattern matches nothing.
func matchGlob(pattern, s string) bool {
	v, ok := globs.Load(pattern)
	if !ok {
		if len(pattern) > api.MaxPatternLength {
			return false
		}
		var g glob.Glob
		if api.ValidateGlob(pattern) == nil {
			g, _ = glob.Compile(pattern, '/')
		}
		v, _ = globs.LoadOrStore(pattern, g)
	}
	g, _ := v.(glob.Glob)
	return g != nil && safeMatch(g, s)
}

// safeMatch contains panics of the glob library, which has index bugs on
// some patterns (api.ValidateGlob rejects the ones we know of), so that a
// stored pattern cannot take down every request that evaluates it.
func safeMatch(g glob.Glob, s string) (matched bool) {
	defer func() {
		if recover() != nil {
			matched = false
		}
	}()
	return g.Match(s)
}
