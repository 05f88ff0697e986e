package httpx

import (
	"context"
	"testing"
	"time"
)

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

// Pages write times in UTC until something stores the viewer's zone.
func TestLocation(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	if got := Location(ctx); got != time.UTC {
		t.Errorf("no zone stored: %v, want UTC", got)
	}
	if got := Location(WithLocation(ctx, nil)); got != time.UTC {
		t.Errorf("a nil zone stored: %v, want UTC", got)
	}
	cet := time.FixedZone("CET", 3600)
	if got := Location(WithLocation(ctx, cet)); got != cet {
		t.Errorf("got %v, want the stored zone", got)
	}
}
