package service

// memo is what one request already resolved, so that a batch of checks
// sees one answer per key. Its first entry is held inline: a single
// check, the common case, makes no map (a map's first group of eight
// projects or environments was a kilobyte a check).
type memo[K comparable, V any] struct {
	first    K
	firstVal V
	has      bool
	more     map[K]V
}

func (m *memo[K, V]) get(k K) (V, bool) {
	if m.has && m.first == k {
		return m.firstVal, true
	}
	v, ok := m.more[k]
	return v, ok
}

func (m *memo[K, V]) put(k K, v V) {
	switch {
	case !m.has:
		m.first, m.firstVal, m.has = k, v, true
	case m.first == k:
		m.firstVal = v
	default:
		if m.more == nil {
			m.more = map[K]V{}
		}
		m.more[k] = v
	}
}
