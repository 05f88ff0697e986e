package server_test

import (
	"strings"
	"testing"
)

// Every page starts with the document type in upper case (html-validate's one finding
// on every page was templ's lower-case <!doctype html>).
func TestPagesStartWithDoctype(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	b := a.browser()
	for _, path := range []string{"/signin", "/signup", "/no-such-page"} {
		r := b.get(path)
		if !strings.HasPrefix(r.body, "<!DOCTYPE html>") {
			t.Errorf("GET %s (%d) starts %.40q", path, r.status, r.body)
		}
	}
}
