package secret

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

var errMasterKeyFormat = fmt.Errorf("master key must be standard base64 encoding of at least %d bytes", MinMasterKeyLen)

// ParseMasterKey decodes a base64 (standard encoding) master key, for example from an
// environment variable. The error never contains the input.
func ParseMasterKey(s string) ([]byte, error) {
	key, err := base64.StdEncoding.DecodeString(strings.TrimSpace(s))
	if err != nil || len(key) < MinMasterKeyLen {
		return nil, fmt.Errorf("secret: %w", errMasterKeyFormat)
	}
	return key, nil
}

// LoadOrCreateMasterKey reads the base64 master key stored at path. If the file does not
// exist it creates one holding 32 random bytes with mode 0600. Concurrent callers, including
// other processes, all end up with the key of whichever caller created the file first.
func LoadOrCreateMasterKey(path string) ([]byte, error) {
	key, err := readMasterKey(path)
	if !errors.Is(err, fs.ErrNotExist) {
		return key, err
	}
	if err := createMasterKey(path); err != nil && !errors.Is(err, fs.ErrExist) {
		return nil, err
	}
	return readMasterKey(path)
}

func readMasterKey(path string) ([]byte, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("secret: read master key file: %w", err)
	}
	key, err := ParseMasterKey(string(data))
	if err != nil {
		return nil, fmt.Errorf("secret: master key file %s: %w", path, errMasterKeyFormat)
	}
	return key, nil
}

// createMasterKey writes the key to a private temporary file and hard-links it into place.
// Unlike opening path itself with O_EXCL, this never lets a concurrent reader observe an
// empty or partial file, and a crash cannot leave a truncated key behind. os.Link fails
// with fs.ErrExist if another caller won the race, so an existing key is never overwritten.
func createMasterKey(path string) error {
	key := make([]byte, MinMasterKeyLen)
	if _, err := rand.Read(key); err != nil {
		return fmt.Errorf("secret: read random: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".master-key-*")
	if err != nil {
		return fmt.Errorf("secret: create master key file: %w", err)
	}
	defer os.Remove(tmp.Name())
	_, err = tmp.WriteString(base64.StdEncoding.EncodeToString(key) + "\n")
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("secret: write master key file: %w", err)
	}
	if err := os.Link(tmp.Name(), path); err != nil {
		return fmt.Errorf("secret: install master key file: %w", err)
	}
	return nil
}
