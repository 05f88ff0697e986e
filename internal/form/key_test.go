package form

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

func TestNewKeyIsFreshAndValid(t *testing.T) {
	seen := map[Key]bool{}
	for range 1000 {
		k := NewKey()
		if len(k) != 22 || !validKey(string(k)) {
			t.Fatalf("NewKey() = %q: not 22 URL-safe characters", k)
		}
		if seen[k] {
			t.Fatalf("NewKey() gave %q twice", k)
		}
		seen[k] = true
	}
}

// A missing or malformed key is ErrNoKey (the handler's 400), never stored.
func TestKeyFrom(t *testing.T) {
	for key, ok := range map[string]bool{
		"":                           false,
		"short":                      false,
		strings.Repeat("a", 15):      false,
		strings.Repeat("a", 16):      true,
		strings.Repeat("Z9-_", 16):   true,
		strings.Repeat("a", 65):      false,
		"abcdefghijklmnop qrs":       false,
		"abcdefghijklmnop\x00":       false,
		"abcdefghijklmnopé":          false,
		"<script>alert(1)</script>":  false,
		"abcdefghijklmnop/../../etc": false,
	} {
		r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(url.Values{KeyField: {key}}.Encode()))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		got, err := KeyFrom(r)
		if ok && (err != nil || string(got) != key) {
			t.Errorf("KeyFrom(%q) = %q, %v; want it accepted", key, got, err)
		}
		if !ok && err != ErrNoKey {
			t.Errorf("KeyFrom(%q) = %q, %v; want ErrNoKey", key, got, err)
		}
	}
}
