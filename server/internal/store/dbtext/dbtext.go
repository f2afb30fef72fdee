// Package dbtext makes text fit for the database: valid UTF-8 (PostgreSQL
// refuses anything else with SQLSTATE 22021), without NUL (which a
// PostgreSQL text value cannot hold) and, when bounded, cut on a character
// boundary. The store applies it to every statement; the rest of the
// server uses Truncate wherever it bounds text of outside origin (a
// header, a claim, an upstream's answer) before quoting it.
package dbtext

import (
	"strings"
	"unicode/utf8"
)

// Valid returns s as valid UTF-8 without NUL: each run of bytes that are
// not UTF-8 becomes one U+FFFD and every NUL is removed. It returns s itself,
// without copying, when s is already valid.
func Valid(s string) string {
	if utf8.ValidString(s) && strings.IndexByte(s, 0) < 0 {
		return s
	}
	return strings.ReplaceAll(strings.ToValidUTF8(s, "\uFFFD"), "\x00", "")
}

// Truncate returns Valid(s) cut to at most n bytes, never inside a
// character.
func Truncate(s string, n int) string {
	s = Valid(s)
	if len(s) <= n {
		return s
	}
	if n <= 0 {
		return ""
	}
	for !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
