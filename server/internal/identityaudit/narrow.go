package identityaudit

import (
	"slices"
	"strings"

	"github.com/idplane/idplane/server/internal/authz"
)

// narrowPaths suggests the secret path patterns for the folders used
// under a granted pattern: patterns the grant covers, matching every used
// folder and as little else as a readable rule allows. The rule, the same
// for every audit:
//
//  1. A granted pattern without glob characters is one folder already:
//     it stays.
//  2. The pattern's fixed prefix is its leading folders free of glob
//     characters ("/payments" for "/payments/**", none for "/**"). The used
//     folders are grouped by their first folder below that prefix
//     ("/payments/api" for "/payments/api/v1" under "/payments/**"), so
//     that unrelated areas under a broad grant stay apart.
//  3. Each group becomes the longest folder prefix c its folders share:
//     c alone when c is the only folder used, "c/**" when every folder used
//     is below c, both when c and folders below it are used ("c/**" does
//     not match c itself).
//  4. A suggested glob the grant might not cover (only "p/**" below a
//     granted "q/**" counts as covered) gives way to the group's folders
//     exactly, so a suggestion never reaches beyond the grant.
//  5. More than maxSuggestedPaths patterns is use spread over the grant,
//     not a narrower rule anyone would write: the granted pattern stays.
//
// The result is sorted and free of duplicates.
func narrowPaths(granted string, folders []string) []string {
	if !isGlob(granted) {
		return []string{granted}
	}
	depth := 0
	for _, seg := range segments(granted) {
		if isGlob(seg) {
			break
		}
		depth++
	}
	groups := map[string][]string{}
	for _, f := range folders {
		segs := segments(f)
		key := "/" + strings.Join(segs[:min(len(segs), depth+1)], "/")
		groups[key] = appendOnce(groups[key], f)
	}
	var out []string
	for _, fs := range groups {
		c := commonFolder(fs)
		var pats []string
		switch {
		case len(fs) == 1 && fs[0] == c:
			pats = []string{c}
		case slices.Contains(fs, c):
			pats = []string{c, strings.TrimSuffix(c, "/") + "/**"}
		default:
			pats = []string{strings.TrimSuffix(c, "/") + "/**"}
		}
		for _, p := range pats {
			if !globCovers(granted, p) {
				pats = fs
				break
			}
		}
		for _, p := range pats {
			out = appendOnce(out, p)
		}
	}
	if len(out) > maxSuggestedPaths {
		return []string{granted}
	}
	slices.Sort(out)
	return out
}

// maxSuggestedPaths bounds the patterns suggested for one granted pattern.
const maxSuggestedPaths = 4

// segments splits "/a/b" into [a b]; "/" has none.
func segments(path string) []string {
	path = strings.Trim(path, "/")
	if path == "" {
		return nil
	}
	return strings.Split(path, "/")
}

// commonFolder is the longest folder prefix of every folder: "/a" for
// "/a/b" and "/a/c/d", "/" when they share none.
func commonFolder(folders []string) string {
	common := segments(folders[0])
	for _, f := range folders[1:] {
		segs := segments(f)
		n := 0
		for n < len(common) && n < len(segs) && common[n] == segs[n] {
			n++
		}
		common = common[:n]
	}
	return "/" + strings.Join(common, "/")
}

// globCovers reports whether granted matches everything suggested does,
// conservatively: an equal pattern, a folder granted matches, or "p/**"
// under a granted "q/**" whose q has no glob characters.
func globCovers(granted, suggested string) bool {
	if granted == suggested {
		return true
	}
	if !isGlob(suggested) {
		return authz.MatchAny([]string{granted}, suggested)
	}
	base, ok := strings.CutSuffix(suggested, "/**")
	q, qok := strings.CutSuffix(granted, "/**")
	if !ok || !qok || isGlob(base) || isGlob(q) {
		return false
	}
	return q == "" || base == q || strings.HasPrefix(base, q+"/")
}
