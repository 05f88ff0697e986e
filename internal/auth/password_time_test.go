package auth

import (
	"context"
	"testing"
)

func BenchmarkVerifyArgon2id(b *testing.B) {
	h := NewHasher(1)
	enc, _ := h.Hash(context.Background(), "password123")
	for b.Loop() {
		_, _ = h.Verify(context.Background(), "password123", enc)
	}
}

func BenchmarkVerifyBetterAuth(b *testing.B) {
	h := NewHasher(1)
	const enc = "87477d85a3eb362fb7394298736fe2a1:7eedb2d5290d6ed28f13e47ea8d1394b3df379cf7ca2f1d0ec0a809e76dd236af8a955650ccee303c51a35510164e14288a16a87041f55fb28adce108a0d2856"
	for b.Loop() {
		if ok, _ := h.Verify(context.Background(), "password123", enc); !ok {
			b.Fatal("refused")
		}
	}
}

func BenchmarkVerifyUnknownEmailAfterLegacy(b *testing.B) {
	h := NewHasher(1)
	h.legacy.Store(true)
	for b.Loop() {
		_, _ = h.Verify(context.Background(), "password123", "")
	}
}
