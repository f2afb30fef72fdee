package authz

import (
	"strings"
	"testing"
	"time"
)

func TestX(t *testing.T) {
	cases := []struct {
		p string
		f func(int) string
	}{
		{"/**a**c**a**c**a**c**a**c**a", func(n int) string { return "/" + strings.Repeat("a", n) }},
		{"/*x*a*a*a*a*a*a*a*a*a", func(n int) string { return "/" + strings.Repeat("a", n) }},
		{"/**x**a**a**a**a**a**a**a", func(n int) string { return "/" + strings.Repeat("a", n) }},
		{"/**?x**?a**?a**?a**?a", func(n int) string { return "/" + strings.Repeat("a", n) }},
		{"/**[a-b]x**[a-b]a**a**a**a**a", func(n int) string { return "/" + strings.Repeat("a", n) }},
		{"/{a,b,c}**{a,b}x**{a,b}**{a,b}**{a,b}**{a,b}**a", func(n int) string { return "/" + strings.Repeat("a", n) }},
	}
	for _, c := range cases {
		for _, n := range []int{250, 500, 1000, 2000} {
			s := c.f(n)
			st := time.Now()
			matchGlob(c.p, s)
			t.Log(c.p, n, time.Since(st))
		}
	}
}
