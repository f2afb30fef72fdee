package service

import "testing"

// A memo answers every key it was given, the first held inline and the
// others in its map, and a key given again takes its latest value.
func TestMemo(t *testing.T) {
	var m memo[string, int]
	if _, ok := m.get("a"); ok {
		t.Fatal("an empty memo answered")
	}
	m.put("a", 1)
	if m.more != nil {
		t.Error("the first entry made a map")
	}
	m.put("b", 2)
	m.put("c", 3)
	m.put("a", 4)
	m.put("b", 5)
	for k, want := range map[string]int{"a": 4, "b": 5, "c": 3} {
		if v, ok := m.get(k); !ok || v != want {
			t.Errorf("%s: %d, %v; want %d", k, v, ok, want)
		}
	}
	if _, ok := m.get("d"); ok {
		t.Error("a key never given was answered")
	}
}
