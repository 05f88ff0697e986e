package httpx_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"rapport/internal/auth"
	"rapport/internal/db"
	"rapport/internal/httpx"
)

// Back-pressure is 503 with Retry-After wherever it comes from, as a class (issue 9,
// defect 13): the hasher that stayed busy answered 500 before. Seen failing on af25b2d:
// "hasher busy: status 500, Retry-After """.
func TestBusyErrorsAnswer503WithRetryAfter(t *testing.T) {
	t.Parallel()
	pages := &httpx.Pages{Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	for what, tc := range map[string]struct {
		err  error
		want int
	}{
		"hasher busy":           {auth.ErrHasherBusy, http.StatusServiceUnavailable},
		"hasher busy, wrapped":  {fmt.Errorf("sign in: %w", auth.ErrHasherBusy), http.StatusServiceUnavailable},
		"pool busy":             {fmt.Errorf("%w: no connection within 1s", db.ErrBusy), http.StatusServiceUnavailable},
		"deadline at the pool":  {context.DeadlineExceeded, http.StatusServiceUnavailable},
		"another busy resource": {otherBusy{}, http.StatusServiceUnavailable},
		"not busy after all":    {otherBusy{no: true}, http.StatusInternalServerError},
		"a bug":                 {errors.New("nil map"), http.StatusInternalServerError},
	} {
		w := httptest.NewRecorder()
		pages.ServerError(w, httptest.NewRequest(http.MethodPost, "/signin", nil), tc.err)
		ra := w.Header().Get("Retry-After")
		if w.Code != tc.want || (tc.want == http.StatusServiceUnavailable) != (ra != "") {
			t.Errorf("%s: status %d, Retry-After %q; want %d with Retry-After only on 503", what, w.Code, ra, tc.want)
		}
		if httpx.IsBusy(tc.err) != (tc.want == http.StatusServiceUnavailable) {
			t.Errorf("%s: IsBusy %v", what, httpx.IsBusy(tc.err))
		}
	}
}

// otherBusy is a back-pressure error from some other bounded resource.
type otherBusy struct{ no bool }

func (otherBusy) Error() string { return "queue full" }
func (e otherBusy) Busy() bool  { return !e.no }
