package crm

import (
	"errors"
	"net/http"
	"path/filepath"
	"strings"

	"rapport/internal/form"
	"rapport/internal/httpx"
)

// importForm is the upload form.
type importForm struct {
	Kind   string
	Errors form.Errors
	Key    form.Key // the upload form's one-time key
}

// ImportNew shows the upload form (GET /crm/import).
func (s *Service) ImportNew(w http.ResponseWriter, r *http.Request) {
	s.Pages.Render(w, r, http.StatusOK, "Import", importUploadPage(importForm{Kind: string(ImportContacts), Errors: form.Errors{}, Key: form.NewKey()}))
}

// ImportCreate reads an uploaded CSV (POST /crm/import, multipart: kind and file),
// stores it with a verdict per row and shows its preview. Nothing is imported yet.
func (s *Service) ImportCreate(w http.ResponseWriter, r *http.Request) {
	f := importForm{Errors: form.Errors{}, Key: form.NewKey()} // the sent key replaces it once read
	refuse := func(status int, field, msg string) {
		f.Errors.Add(field, msg)
		s.Pages.Render(w, r, status, "Import", importUploadPage(f))
	}
	r.Body = http.MaxBytesReader(w, r.Body, MaxImportBytes+64<<10)
	if err := r.ParseMultipartForm(1 << 20); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			refuse(http.StatusRequestEntityTooLarge, "file", "The file is larger than 10 MB. Split it into smaller files.")
			return
		}
		refuse(http.StatusBadRequest, "file", "Choose a CSV file to upload.")
		return
	}
	key, ok := s.Pages.FormKey(w, r)
	if !ok {
		return
	}
	f.Key = key
	f.Kind = r.PostFormValue("kind")
	kind := ImportKind(f.Kind)
	if kind != ImportCompanies && kind != ImportContacts {
		refuse(http.StatusUnprocessableEntity, "kind", "Choose what the file holds: companies or contacts.")
		return
	}
	file, header, err := r.FormFile("file")
	if err != nil {
		refuse(http.StatusUnprocessableEntity, "file", "Choose a CSV file to upload.")
		return
	}
	defer file.Close()
	entity := EntityContact
	if kind == ImportCompanies {
		entity = EntityCompany
	}
	fields, err := ListFields(r.Context(), s.DB, entity)
	if err != nil {
		s.Pages.Fail(w, r, err)
		return
	}
	parsed, err := ParseImportCSVFields(file, kind, fields)
	var ie *ImportError
	if errors.As(err, &ie) {
		refuse(http.StatusUnprocessableEntity, "file", ie.Msg)
		return
	}
	if err != nil {
		s.Pages.Fail(w, r, err)
		return
	}
	by := ActorFrom(r.Context())
	id, err := StageImport(r.Context(), s.DB, by, form.Claim{UserID: by.ID, Key: key}, cleanFilename(header.Filename), parsed)
	if s.Pages.Repeated(w, r, err) {
		return
	}
	if err != nil {
		s.Pages.Fail(w, r, err)
		return
	}
	httpx.Redirect(w, r, importPath(id))
}

// cleanFilename keeps the base name of an upload as readable text, for the preview.
func cleanFilename(name string) string {
	name = filepath.Base(strings.ReplaceAll(name, `\`, "/"))
	if form.Check(name, 200, false) != "" || name == "." || name == "/" {
		return "upload.csv"
	}
	return name
}

func importPath(id string) string { return "/crm/import/" + id }
