// Package secret seals small values that must be stored but never readable from the
// database alone: a two-step sign-in secret, later a mailbox password. Values are sealed
// with AES-256-GCM (standard library) under the server's SECRET_KEY.
//
// A sealed value is
//
//	version (1 byte) | nonce (12 bytes) | ciphertext and GCM tag
//
// The version names the key that sealed it, so a key can be rotated later: a Box then
// holds the new key (sealing) and the old ones (opening, by version) while stored values
// are re-sealed. Today there is one key, version 1.
//
// Each value is sealed for a purpose (the additional data, such as "twostep:<user id>"):
// a sealed value copied into another row or another user's row does not open.
package secret

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
)

// KeySize is the length of a key: AES-256.
const KeySize = 32

// currentVersion is the version byte of values sealed with the key New is given.
const currentVersion byte = 1

// ErrOpen means a sealed value could not be opened: it is damaged, was sealed for
// another purpose, or under a key this Box does not hold. The reason is not told apart
// on purpose.
var ErrOpen = errors.New("secret: cannot open the sealed value")

// Box seals and opens values under the server's key.
type Box struct {
	version byte
	aeads   map[byte]cipher.AEAD
}

// New returns a Box sealing with key (KeySize bytes) as version 1.
func New(key []byte) (*Box, error) {
	if len(key) != KeySize {
		return nil, fmt.Errorf("secret: the key is %d bytes, want %d", len(key), KeySize)
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("secret: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("secret: %w", err)
	}
	return &Box{version: currentVersion, aeads: map[byte]cipher.AEAD{currentVersion: aead}}, nil
}

// ParseKey decodes a key written as base64 (standard or URL alphabet, padded or not), as
// SECRET_KEY holds it. The error never repeats the value.
func ParseKey(s string) ([]byte, error) {
	s = strings.TrimSpace(s)
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if b, err := enc.DecodeString(s); err == nil {
			if len(b) != KeySize {
				return nil, fmt.Errorf("decodes to %d bytes, want %d", len(b), KeySize)
			}
			return b, nil
		}
	}
	return nil, errors.New("is not base64")
}

// Seal encrypts plaintext for purpose.
func (b *Box) Seal(plaintext []byte, purpose string) []byte {
	aead := b.aeads[b.version]
	out := make([]byte, 1+aead.NonceSize(), 1+aead.NonceSize()+len(plaintext)+aead.Overhead())
	out[0] = b.version
	if _, err := rand.Read(out[1:]); err != nil {
		panic(err) // crypto/rand never fails on a supported platform
	}
	return aead.Seal(out, out[1:], plaintext, []byte(purpose))
}

// Open decrypts a value Seal made for the same purpose; ErrOpen otherwise.
func (b *Box) Open(sealed []byte, purpose string) ([]byte, error) {
	if len(sealed) < 1 {
		return nil, ErrOpen
	}
	aead, ok := b.aeads[sealed[0]]
	if !ok || len(sealed) < 1+aead.NonceSize()+aead.Overhead() {
		return nil, ErrOpen
	}
	n := 1 + aead.NonceSize()
	plain, err := aead.Open(nil, sealed[1:n], sealed[n:], []byte(purpose))
	if err != nil {
		return nil, ErrOpen
	}
	return plain, nil
}
