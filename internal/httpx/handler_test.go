package httpx

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/go-chi/chi/v5"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"rapport/internal/cursor"
	"rapport/internal/db"
)

var quietPages = &Pages{Log: slog.New(slog.NewTextHandler(io.Discard, nil))}

// Fail maps every kind of store error to the page a user should see, whether the store
// translated the driver's error or passed it through raw; a PageError keeps its words.
func TestFailAnswersEachErrorWithItsPage(t *testing.T) {
	t.Parallel()
	forbidden := &PageError{Status: http.StatusForbidden, Heading: "Not yours", Message: "Ask its owner."}
	for _, c := range []struct {
		name   string
		err    error
		status int
		says   string
	}{
		{"not found", db.ErrNotFound, 404, ""},
		{"no rows, raw", pgx.ErrNoRows, 404, ""},
		{"doctored cursor", fmt.Errorf("list: %w", cursor.ErrInvalid), 400, ""},
		{"out-of-range value, raw", &pgconn.PgError{Code: "22003", Message: "integer out of range"}, 400, ""},
		{"bad value, translated", db.Translate(&pgconn.PgError{Code: "22007"}), 400, ""},
		{"page error, wrapped", fmt.Errorf("deal: %w", forbidden), 403, "Ask its owner."},
		{"busy", db.ErrBusy, 503, ""},
		{"anything else", errors.New("boom"), 500, ""},
	} {
		w := httptest.NewRecorder()
		quietPages.Fail(w, httptest.NewRequest("GET", "/x", nil), c.err)
		if w.Code != c.status {
			t.Errorf("%s: %d, want %d", c.name, w.Code, c.status)
		}
		if c.says != "" && !strings.Contains(w.Body.String(), c.says) {
			t.Errorf("%s: the page does not say %q", c.name, c.says)
		}
		if strings.Contains(w.Body.String(), "boom") || strings.Contains(w.Body.String(), "out of range") {
			t.Errorf("%s: the page shows the internal error", c.name)
		}
	}
}

// PathID takes only a UUID from the path; anything else is a 404 page.
func TestPathIDTakesOnlyUUIDs(t *testing.T) {
	t.Parallel()
	for id, ok := range map[string]bool{
		"3f2504e0-4f89-41d3-9a0c-0305e82c3301":  true,
		"3f2504e0":                              false,
		"../admin":                              false,
		"3f2504e0-4f89-41d3-9a0c-0305e82c3301x": false,
	} {
		r := httptest.NewRequest("GET", "/x", nil)
		rc := chi.NewRouteContext()
		rc.URLParams.Add("id", id)
		r = r.WithContext(context.WithValue(r.Context(), chi.RouteCtxKey, rc))
		w := httptest.NewRecorder()
		got, valid := quietPages.PathID(w, r, "id")
		if valid != ok || (ok && got != id) || (!ok && w.Code != 404) {
			t.Errorf("PathID(%q) = %q, %v (status %d)", id, got, valid, w.Code)
		}
	}
}
