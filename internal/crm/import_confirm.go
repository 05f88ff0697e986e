package crm

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"rapport/internal/httpx"
)

// previewSample is how many rows of each verdict the preview lists; the counts say how
// many there are. With the cells of a rejected row cut to maxExcerpt characters and
// those of the others bounded by their fields' limits, this bounds the page whatever
// the file holds.
const previewSample = 50

// importPage is a preview, or the result of an applied import.
type importPage struct {
	Import  *Import
	Lines   []ImportLine
	Problem string
}

// ImportShow is an import's preview, or its result once applied (GET /crm/import/{id}).
// Only the user who uploaded it sees it.
func (s *Service) ImportShow(w http.ResponseWriter, r *http.Request) {
	id, ok := s.Pages.PathID(w, r, "id")
	if !ok {
		return
	}
	s.renderImport(w, r, id, http.StatusOK, "")
}

func (s *Service) renderImport(w http.ResponseWriter, r *http.Request, id string, status int, problem string) {
	ctx := r.Context()
	imp, err := ImportByID(ctx, s.DB, ActorFrom(ctx), id)
	if err != nil {
		s.Pages.Fail(w, r, err)
		return
	}
	p := importPage{Import: imp, Problem: problem}
	if p.Lines, err = ImportSample(ctx, s.DB, id, previewSample); err != nil {
		s.Pages.Fail(w, r, err)
		return
	}
	s.Pages.Render(w, r, status, "Import preview", importPreviewPage(p))
}

// ImportConfirm applies a previewed import in one transaction (POST /crm/import/{id}).
func (s *Service) ImportConfirm(w http.ResponseWriter, r *http.Request) {
	id, ok := s.Pages.PathID(w, r, "id")
	if !ok || !s.Pages.ParseForm(w, r) {
		return
	}
	ctx := r.Context()
	n, err := ApplyImport(ctx, s.DB, ActorFrom(ctx), id)
	if errors.Is(err, ErrImportStale) {
		s.renderImport(w, r, id, http.StatusConflict,
			"Someone added one of these companies or contacts since this preview, so nothing was imported. Upload the file again for a new preview.")
		return
	}
	if errors.Is(err, ErrImportApplied) {
		s.Pages.Flash(w, r, "info", "This import was already applied; nothing was added again.")
		httpx.Redirect(w, r, importPath(id))
		return
	}
	if err != nil {
		s.Pages.Fail(w, r, err)
		return
	}
	s.Pages.Flash(w, r, "success", "Imported "+strconv.FormatInt(n, 10)+" new records.")
	httpx.Redirect(w, r, importPath(id))
}

// notShown says how many rows of each verdict the preview leaves out, or "" when it
// lists them all: "And 12,345 more rejected rows and 7 more to create, not shown."
func (p importPage) notShown() string {
	var parts []string
	for _, v := range []struct {
		n    int64
		what string
	}{{p.Import.Rejects, "rejected"}, {p.Import.Creates, "to create"}, {p.Import.Matches, "already known"}} {
		if more := v.n - previewSample; more > 0 {
			parts = append(parts, groupThousands(more)+" more "+v.what)
		}
	}
	if len(parts) == 0 {
		return ""
	}
	last := len(parts) - 1
	if last > 0 {
		parts[last-1] += " and " + parts[last]
		parts = parts[:last]
	}
	return "And " + strings.Join(parts, ", ") + ", not shown."
}
