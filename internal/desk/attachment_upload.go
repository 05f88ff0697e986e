package desk

import (
	"context"
	"errors"
	"net/http"
	"time"

	"rapport/internal/attach"
)

// uploadReadTimeout bounds reading one upload form: 25 MB in ten minutes is 350 kbit/s.
// The server's own ReadTimeout (30s) is for forms of a few kilobytes.
const uploadReadTimeout = 10 * time.Minute

// readFiles reads a multipart form's text fields and its "files" within s.Attachments
// (see attach.ReadForm); a plain form is left to ParseForm. A body that is not a form
// is answered 400 and false. The caller closes the Form, which removes the spooled
// files, once the request is answered.
//
// Reading a large upload takes longer than a page's REQUEST_TIMEOUT: the connection's
// deadlines are extended for it, and the request returned carries a fresh deadline of
// its own (s.Work) for the database work that follows, still cancelled if the client
// goes away. Nothing touches the database before the form is read.
func (s *Service) readFiles(w http.ResponseWriter, r *http.Request) (*attach.Form, *http.Request, func(), bool) {
	if ok := isMultipart(r); ok {
		rc := http.NewResponseController(w)
		_ = rc.SetReadDeadline(time.Now().Add(uploadReadTimeout))
		_ = rc.SetWriteDeadline(time.Now().Add(uploadReadTimeout + s.work()))
	}
	f, err := attach.ReadForm(w, r, "files", s.Attachments)
	switch {
	case errors.Is(err, attach.ErrMalformed):
		f.Close()
		s.Pages.Error(w, r, http.StatusBadRequest)
		return nil, r, nil, false
	case err != nil:
		f.Close()
		s.Pages.Fail(w, r, err)
		return nil, r, nil, false
	}
	if !isMultipart(r) {
		return f, r, f.Close, true
	}
	outer := r.Context()
	ctx, cancel := context.WithTimeout(context.WithoutCancel(outer), s.work())
	stop := context.AfterFunc(outer, func() {
		if !errors.Is(outer.Err(), context.DeadlineExceeded) {
			cancel() // the client went away; the page's deadline passing is expected
		}
	})
	return f, r.WithContext(ctx), func() { stop(); cancel(); f.Close() }, true
}

func isMultipart(r *http.Request) bool {
	ct := r.Header.Get("Content-Type")
	return len(ct) >= 19 && ct[:19] == "multipart/form-data"
}

// work is the deadline of the database work after an upload (REQUEST_TIMEOUT).
func (s *Service) work() time.Duration {
	if s.Work <= 0 {
		return 10 * time.Second
	}
	return s.Work
}
