package dbtext_test

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/idplane/idplane/server/internal/store/dbtext"
)

func TestValid(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"", ""},
		{"plain", "plain"},
		{"é€😀", "é€😀"},
		{"probe\xff", "probe\uFFFD"},
		{"\xc3", "\uFFFD"},                       // half of é
		{"a\xed\xa0\x80b", "a\uFFFDb"},           // an encoded surrogate: one run
		{"\xf4\x90\x80\x80", "\uFFFD"},           // past U+10FFFF
		{"\xc0\xaf", "\uFFFD"},                   // overlong
		{"nul\x00byte\x00", "nulbyte"},           // NUL removed
		{"\x00\xff\x00", "\uFFFD"},               // both
		{"tab\tctl\x01\x7f", "tab\tctl\x01\x7f"}, // other controls are text
		{"\ufffd already", "\ufffd already"},     // a real U+FFFD stays
	} {
		if got := dbtext.Valid(c.in); got != c.want {
			t.Errorf("Valid(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestTruncate(t *testing.T) {
	e401 := "a" + strings.Repeat("é", 200)
	for _, c := range []struct {
		in   string
		n    int
		want string
	}{
		{"abc", 3, "abc"},  // exactly at the limit
		{"abcd", 3, "abc"}, // one past
		{"ab", 3, "ab"},    // under
		{"aé", 2, "a"},     // the limit falls inside é
		{"aé", 3, "aé"},    // é ends at the limit
		{"😀x", 3, ""},      // a 4-byte character does not fit
		{e401, 256, "a" + strings.Repeat("é", 127)}, // 255 bytes, not 256: é would be halved
		{"a" + strings.Repeat("é", 40), 64, "a" + strings.Repeat("é", 31)},
		{"probe\xff", 6, "probe"}, // U+FFFD is 3 bytes: it no longer fits
		{"probe\xff", 8, "probe\uFFFD"},
		{"n\x00u\x00l", 3, "nul"}, // NUL removed before counting
		{"abc", 0, ""},
		{"abc", -1, ""},
	} {
		got := dbtext.Truncate(c.in, c.n)
		if got != c.want {
			t.Errorf("Truncate(%q, %d) = %q, want %q", c.in, c.n, got, c.want)
		}
		if !utf8.ValidString(got) || len(got) > max(c.n, 0) {
			t.Errorf("Truncate(%q, %d) = %q: not valid or too long", c.in, c.n, got)
		}
	}
}

// Whatever the bytes, the result is valid UTF-8 without NUL and within n.
func FuzzTruncate(f *testing.F) {
	f.Add([]byte("a\xc3\xa9\xff\x00"), 3)
	f.Add([]byte(strings.Repeat("é", 200)), 255)
	f.Fuzz(func(t *testing.T, b []byte, n int) {
		n %= 1024
		got := dbtext.Truncate(string(b), n)
		if !utf8.ValidString(got) || strings.IndexByte(got, 0) >= 0 || len(got) > max(n, 0) {
			t.Fatalf("Truncate(%q, %d) = %q", b, n, got)
		}
		if v := dbtext.Valid(string(b)); !strings.HasPrefix(v, got) {
			t.Fatalf("Truncate(%q, %d) = %q is not a prefix of Valid: %q", b, n, got, v)
		}
	})
}
