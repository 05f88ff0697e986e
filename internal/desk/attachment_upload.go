package desk

import (
	"errors"
	"net/http"

	"rapport/internal/attach"
)

// readFiles reads a multipart form's text fields and its "files" within s.Attachments
// (see attach.ReadForm); a plain form is left to ParseForm. A body that is not a form
// is answered 400 and false. The caller closes the Form, which removes the spooled
// files, once the request is answered.
func (s *Service) readFiles(w http.ResponseWriter, r *http.Request) (*attach.Form, bool) {
	f, err := attach.ReadForm(w, r, "files", s.Attachments)
	switch {
	case errors.Is(err, attach.ErrMalformed):
		f.Close()
		s.Pages.Error(w, r, http.StatusBadRequest)
		return nil, false
	case err != nil:
		f.Close()
		s.Pages.Fail(w, r, err)
		return nil, false
	}
	return f, true
}
