package auth

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync/atomic"

	"golang.org/x/crypto/argon2"
)

// Argon2id with one of OWASP's equivalent minimum configurations: 12 MiB, 3 passes, 1
// lane (the cheat sheet lists it beside 19 MiB with 2 passes as giving the same
// protection). Of those we take the one that holds less memory per sign-in: the server
// runs one hash per CPU at once and must stay small. The parameters travel in the
// encoded hash, so hashes made with other ones (19 MiB, 2 passes, before) still verify;
// NeedsRehash tells when a stored hash is below the current ones.
const (
	argonMemoryKiB = 12 * 1024
	argonTime      = 3
	argonThreads   = 1
	argonKeyLen    = 32
	argonSaltLen   = 16
)

// ErrHasherBusy means every hashing slot stayed taken until the request gave up. It is
// back-pressure (Busy, see httpx.IsBusy): the answer is 503 with Retry-After, not 500.
var ErrHasherBusy error = hasherBusy{}

type hasherBusy struct{}

func (hasherBusy) Error() string { return "password hasher busy" }

// Busy marks the error as back-pressure for httpx.IsBusy.
func (hasherBusy) Busy() bool { return true }

// Hasher hashes and verifies passwords with bounded concurrency: each hash holds 12 MiB
// for a few tens of milliseconds, so a sign-in flood must queue, not exhaust memory.
type Hasher struct {
	slots chan struct{}
	dummy string // a real hash, verified against for unknown emails (same timing)
	// legacy is set once a Better Auth hash has been verified (an adopted database):
	// from then on a refusal also pays for a dummy scrypt check (see Verify).
	legacy atomic.Bool
}

// NewHasher allows slots concurrent hashes (default: the number of CPUs).
func NewHasher(slots int) *Hasher {
	if slots <= 0 {
		slots = runtime.NumCPU()
	}
	h := &Hasher{slots: make(chan struct{}, slots)}
	h.dummy = encode(argonMemoryKiB, argonTime, argonThreads, make([]byte, argonSaltLen),
		argon2.IDKey([]byte("rapport-dummy"), make([]byte, argonSaltLen), argonTime, argonMemoryKiB, argonThreads, argonKeyLen))
	return h
}

func (h *Hasher) acquire(ctx context.Context) error {
	select {
	case h.slots <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ErrHasherBusy
	}
}

func (h *Hasher) release() { <-h.slots }

// Hash returns the PHC-encoded argon2id hash of password.
func (h *Hasher) Hash(ctx context.Context, password string) (string, error) {
	salt := make([]byte, argonSaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	if err := h.acquire(ctx); err != nil {
		return "", err
	}
	defer h.release()
	key := argon2.IDKey([]byte(password), salt, argonTime, argonMemoryKiB, argonThreads, argonKeyLen)
	return encode(argonMemoryKiB, argonTime, argonThreads, salt, key), nil
}

// ErrUnknownHash means the stored hash is in no format Rapport knows (neither its
// argon2id nor an adopted Better Auth scrypt hash). The password was refused after the
// same work as a real check; the caller logs it (it is the data's fault, not the user's).
var ErrUnknownHash = errors.New("password hash in an unknown format")

// Verify reports whether password matches encoded: Rapport's argon2id or an adopted
// Better Auth hash (password_scrypt.go). An empty encoded (unknown user) is checked
// against a dummy hash so the answer takes as long as a real one. Once a Better Auth
// hash has been seen, every refusal costs both algorithms, so that the time of a wrong
// password does not tell an adopted account from an unknown email or a rehashed one.
func (h *Hasher) Verify(ctx context.Context, password, encoded string) (bool, error) {
	real := encoded != ""
	if !real {
		encoded = h.dummy
	}
	if isBetterAuth(encoded) {
		h.legacy.Store(true)
		if err := h.acquire(ctx); err != nil {
			return false, err
		}
		defer h.release()
		if verifyBetterAuth(password, encoded) {
			return true, nil
		}
		h.argon(password, h.dummy)
		return false, nil
	}
	_, err := decode(encoded)
	if err != nil {
		real, encoded = false, h.dummy
	}
	if err := h.acquire(ctx); err != nil {
		return false, err
	}
	defer h.release()
	ok := h.argon(password, encoded) && real
	if !ok && h.legacy.Load() {
		verifyBetterAuth(password, betterAuthDummy)
	}
	if err != nil {
		return false, fmt.Errorf("%w: %v", ErrUnknownHash, err)
	}
	return ok, nil
}

// argon reports whether password matches encoded, an argon2id hash decode accepts.
func (h *Hasher) argon(password, encoded string) bool {
	p, err := decode(encoded)
	if err != nil {
		return false
	}
	key := argon2.IDKey([]byte(password), p.salt, p.time, p.memory, p.threads, uint32(len(p.key)))
	return subtle.ConstantTimeCompare(key, p.key) == 1
}

// NeedsRehash reports whether encoded was made with weaker parameters than today's.
func NeedsRehash(encoded string) bool {
	p, err := decode(encoded)
	if err != nil {
		return true
	}
	return p.memory < argonMemoryKiB || p.time < argonTime || len(p.key) < argonKeyLen
}

type params struct {
	memory  uint32
	time    uint32
	threads uint8
	salt    []byte
	key     []byte
}

var b64 = base64.RawStdEncoding

func encode(memory uint32, time uint32, threads uint8, salt, key []byte) string {
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, memory, time, threads, b64.EncodeToString(salt), b64.EncodeToString(key))
}

func decode(s string) (params, error) {
	var p params
	parts := strings.Split(s, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return p, errors.New("not an argon2id hash")
	}
	var v int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &v); err != nil || v != argon2.Version {
		return p, errors.New("unsupported argon2 version")
	}
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &p.memory, &p.time, &p.threads); err != nil {
		return p, errors.New("bad argon2 parameters")
	}
	if p.memory == 0 || p.time == 0 || p.threads == 0 || p.memory > 1<<22 {
		return p, errors.New("bad argon2 parameters")
	}
	var err error
	if p.salt, err = b64.DecodeString(parts[4]); err != nil {
		return p, errors.New("bad argon2 salt")
	}
	if p.key, err = b64.DecodeString(parts[5]); err != nil || len(p.key) == 0 {
		return p, errors.New("bad argon2 key")
	}
	return p, nil
}
