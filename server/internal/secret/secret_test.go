package secret

import (
	"bytes"
	"encoding/base64"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

func testKeys(t testing.TB, fill byte) *Keys {
	t.Helper()
	k, err := NewKeys(bytes.Repeat([]byte{fill}, 32))
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func TestNewKeysRejectsShortMaster(t *testing.T) {
	if _, err := NewKeys(make([]byte, 31)); err == nil {
		t.Fatal("expected error for 31-byte master key")
	}
}

func TestGenerate(t *testing.T) {
	seen := make(map[string]bool)
	for range 1000 {
		s, err := Generate(ClientSecretPrefix)
		if err != nil {
			t.Fatal(err)
		}
		random, ok := strings.CutPrefix(s, ClientSecretPrefix)
		if !ok {
			t.Fatalf("missing prefix: %q", s)
		}
		if len(random) != 43 {
			t.Fatalf("random part length = %d, want 43", len(random))
		}
		b, err := base64.RawURLEncoding.DecodeString(random)
		if err != nil || len(b) != 32 {
			t.Fatalf("random part is not 32 bytes of base64url: %v", err)
		}
		if seen[s] {
			t.Fatal("duplicate secret")
		}
		seen[s] = true
	}
}

func TestLookupPrefix(t *testing.T) {
	s, err := Generate(ClientSecretPrefix)
	if err != nil {
		t.Fatal(err)
	}
	got := LookupPrefix(s)
	if want := s[:len(ClientSecretPrefix)+8]; got != want {
		t.Fatalf("LookupPrefix = %q, want %q", got, want)
	}
	for _, bad := range []string{"", "idp_cs_short", strings.Repeat("x", 43+17)} {
		if p := LookupPrefix(bad); p != "" {
			t.Errorf("LookupPrefix(%q) = %q, want empty", bad, p)
		}
	}
}

func TestHash(t *testing.T) {
	k1, k2 := testKeys(t, 1), testKeys(t, 2)
	s, err := Generate(ClientSecretPrefix)
	if err != nil {
		t.Fatal(err)
	}
	h := k1.Hash(s)
	if len(h) != 32 {
		t.Fatalf("hash length = %d", len(h))
	}
	if !bytes.Equal(h, testKeys(t, 1).Hash(s)) {
		t.Fatal("hash is not stable for the same master key")
	}
	if bytes.Equal(h, k2.Hash(s)) {
		t.Fatal("hash does not depend on the master key")
	}
	if !k1.Equal(s, h) {
		t.Fatal("Equal rejected the right secret")
	}
	if k1.Equal(s+"x", h) || k1.Equal("", h) || k1.Equal(s, h[:16]) || k2.Equal(s, h) {
		t.Fatal("Equal accepted a wrong secret, hash or key")
	}
}

func TestEncryptDecrypt(t *testing.T) {
	k := testKeys(t, 1)
	plain := []byte("reviewer jwt")
	ct, err := k.Encrypt(plain, "signing-key:1")
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(ct, plain) {
		t.Fatal("ciphertext contains plaintext")
	}
	got, err := k.Decrypt(ct, "signing-key:1")
	if err != nil || !bytes.Equal(got, plain) {
		t.Fatalf("round trip: %q, %v", got, err)
	}
	ct2, err := k.Encrypt(plain, "signing-key:1")
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(ct, ct2) {
		t.Fatal("nonce reused")
	}

	if _, err := k.Decrypt(ct, "signing-key:2"); !errors.Is(err, ErrDecrypt) {
		t.Fatalf("aad mismatch: %v", err)
	}
	if _, err := testKeys(t, 2).Decrypt(ct, "signing-key:1"); !errors.Is(err, ErrDecrypt) {
		t.Fatalf("wrong key: %v", err)
	}
	for i := range ct {
		tampered := bytes.Clone(ct)
		tampered[i] ^= 0x80
		if _, err := k.Decrypt(tampered, "signing-key:1"); !errors.Is(err, ErrDecrypt) {
			t.Fatalf("tampered byte %d: %v", i, err)
		}
	}
	if _, err := k.Decrypt(ct[:10], "signing-key:1"); !errors.Is(err, ErrDecrypt) {
		t.Fatalf("truncated: %v", err)
	}
}

// A data key seals under its own key, is stored sealed with the master key
// bound to its owner, and opens only with that master key and owner.
func TestDataKey(t *testing.T) {
	k := testKeys(t, 1)
	dk, sealed, err := k.NewDataKey("project-key:p1")
	if err != nil {
		t.Fatal(err)
	}
	plain := []byte("postgres://app:hunter2@db")
	ct, err := dk.Encrypt(plain, "secret:s1:1")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := k.Decrypt(ct, "secret:s1:1"); !errors.Is(err, ErrDecrypt) {
		t.Fatalf("the master key opened what the data key sealed: %v", err)
	}
	again, err := k.OpenDataKey(sealed, "project-key:p1")
	if err != nil {
		t.Fatal(err)
	}
	if got, err := again.Decrypt(ct, "secret:s1:1"); err != nil || !bytes.Equal(got, plain) {
		t.Fatalf("round trip through the sealed data key: %q, %v", got, err)
	}
	if _, err := again.Decrypt(ct, "secret:s1:2"); !errors.Is(err, ErrDecrypt) {
		t.Fatalf("aad mismatch: %v", err)
	}
	if _, err := k.OpenDataKey(sealed, "project-key:p2"); !errors.Is(err, ErrDecrypt) {
		t.Fatalf("a data key opened for another project: %v", err)
	}
	if _, err := testKeys(t, 2).OpenDataKey(sealed, "project-key:p1"); !errors.Is(err, ErrDecrypt) {
		t.Fatalf("a data key opened with another master key: %v", err)
	}
}
func TestParseMasterKey(t *testing.T) {
	raw := bytes.Repeat([]byte{7}, 32)
	got, err := ParseMasterKey(" " + base64.StdEncoding.EncodeToString(raw) + "\n")
	if err != nil || !bytes.Equal(got, raw) {
		t.Fatalf("ParseMasterKey = %v, %v", got, err)
	}
	for _, bad := range []string{"not-base64!!", base64.StdEncoding.EncodeToString(raw[:31]), ""} {
		_, err := ParseMasterKey(bad)
		if err == nil {
			t.Fatalf("ParseMasterKey(%q) succeeded", bad)
		}
		if bad != "" && strings.Contains(err.Error(), bad) {
			t.Fatalf("error echoes the input: %v", err)
		}
	}
}

func TestLoadOrCreateMasterKey(t *testing.T) {
	path := filepath.Join(t.TempDir(), "master.key")
	key, err := LoadOrCreateMasterKey(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(key) != 32 {
		t.Fatalf("key length = %d", len(key))
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if perm := fi.Mode().Perm(); perm != 0o600 {
		t.Fatalf("mode = %o, want 600", perm)
	}
	again, err := LoadOrCreateMasterKey(path)
	if err != nil || !bytes.Equal(key, again) {
		t.Fatalf("reload: %v", err)
	}
	entries, err := os.ReadDir(filepath.Dir(path))
	if err != nil || len(entries) != 1 {
		t.Fatalf("temporary files left behind: %v %v", entries, err)
	}
}

func TestLoadOrCreateMasterKeyInvalidFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "master.key")
	if err := os.WriteFile(path, []byte("c2hvcnQ=\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := LoadOrCreateMasterKey(path)
	if err == nil || strings.Contains(err.Error(), "c2hvcnQ") {
		t.Fatalf("err = %v", err)
	}
	data, _ := os.ReadFile(path)
	if string(data) != "c2hvcnQ=\n" {
		t.Fatal("invalid key file was overwritten")
	}
}

func TestLoadOrCreateMasterKeyConcurrent(t *testing.T) {
	path := filepath.Join(t.TempDir(), "master.key")
	const n = 64
	keys := make([][]byte, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-start
			keys[i], errs[i] = LoadOrCreateMasterKey(path)
		})
	}
	close(start)
	wg.Wait()
	for i := range n {
		if errs[i] != nil {
			t.Fatalf("goroutine %d: %v", i, errs[i])
		}
		if !bytes.Equal(keys[i], keys[0]) {
			t.Fatalf("goroutine %d got a different key", i)
		}
	}
}

func BenchmarkVerifyWrongSecret(b *testing.B) {
	k := testKeys(b, 1)
	right, err := Generate(ClientSecretPrefix)
	if err != nil {
		b.Fatal(err)
	}
	wrong, err := Generate(ClientSecretPrefix)
	if err != nil {
		b.Fatal(err)
	}
	h := k.Hash(right)
	b.ReportAllocs()
	for b.Loop() {
		if k.Equal(wrong, h) {
			b.Fatal("wrong secret accepted")
		}
	}
}

func BenchmarkGenerate(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Generate(ClientSecretPrefix); err != nil {
			b.Fatal(err)
		}
	}
}
