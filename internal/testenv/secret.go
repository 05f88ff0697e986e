package testenv

import (
	"crypto/rand"
	"encoding/base64"
	"sync"
)

// SecretKey is a SECRET_KEY for a test server (base64 of 32 random bytes), the same for
// the whole test binary: two-step sign-in works in every test app, as it does under
// make run, and no key is ever committed.
var SecretKey = sync.OnceValue(func() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return base64.StdEncoding.EncodeToString(b)
})
