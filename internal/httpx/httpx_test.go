package httpx

import "testing"

// Only paths on this site survive as a sign-in's next target.
func TestLocalPath(t *testing.T) {
	t.Parallel()
	for next, want := range map[string]string{
		"/crm":                     "/crm",
		"/crm?pipeline=1&owner=me": "/crm?pipeline=1&owner=me",
		"":                         "",
		"crm":                      "",
		"//evil.example":           "",
		"/\\evil.example":          "",
		"https://evil.example/":    "",
		"/crm\r\nSet-Cookie: x=1":  "",
		"/a\x00b":                  "",
		"javascript:alert(1)":      "",
	} {
		if got := LocalPath(next); got != want {
			t.Errorf("LocalPath(%q) = %q, want %q", next, got, want)
		}
	}
}
