package ticketimport

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"

	"rapport/internal/audit"
	"rapport/internal/auth"
	"rapport/internal/db"
	"rapport/internal/form"
	"rapport/internal/httpx"
)

// Service is the ticket import's handlers (admins only: routes.go).
type Service struct {
	DB    *db.DB
	Pages *httpx.Pages
	Log   *slog.Logger
	Now   func() time.Time
}

// importPage is the upload form, and after a refused file its problems.
type importPage struct {
	Teams    []string
	Team     string
	Errors   form.Errors
	File     *File // the refused file's columns and problems, nil before an upload
	Filename string
}

const teamsSQL = `SELECT name FROM teams UNION SELECT team FROM agents WHERE team IS NOT NULL AND team <> '' ORDER BY 1`

func (s *Service) page(ctx context.Context, p importPage) (importPage, error) {
	rows, err := s.DB.Query(ctx, teamsSQL)
	if err != nil {
		return p, db.Translate(err)
	}
	p.Teams, err = pgx.CollectRows(rows, pgx.RowTo[string])
	if p.Errors == nil {
		p.Errors = form.Errors{}
	}
	return p, db.Translate(err)
}

// ImportNew shows the upload form (GET /admin/import-tickets).
func (s *Service) ImportNew(w http.ResponseWriter, r *http.Request) {
	p, err := s.page(r.Context(), importPage{})
	if err != nil {
		s.Pages.Fail(w, r, err)
		return
	}
	s.Pages.Render(w, r, http.StatusOK, "Import tickets", uploadPage(p))
}

// ImportCreate imports an export's tickets, all or none (POST /admin/import-tickets): a
// file with any bad row is refused with the rows' problems and changes nothing; the same
// file twice adds nothing the second time.
func (s *Service) ImportCreate(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	refuse := func(status int, p importPage) {
		p, err := s.page(ctx, p)
		if err != nil {
			s.Pages.Fail(w, r, err)
			return
		}
		s.Pages.Render(w, r, status, "Import tickets", uploadPage(p))
	}
	r.Body = http.MaxBytesReader(w, r.Body, MaxBytes+64<<10)
	if err := r.ParseMultipartForm(1 << 20); err != nil {
		var tooBig *http.MaxBytesError
		p := importPage{Errors: form.Errors{}}
		if errors.As(err, &tooBig) {
			p.Errors.Add("file", fmt.Sprintf("The file is larger than %d MB. Export a shorter date range, or split the file.", MaxBytes>>20))
			refuse(http.StatusRequestEntityTooLarge, p)
			return
		}
		p.Errors.Add("file", "Choose a CSV file to upload.")
		refuse(http.StatusBadRequest, p)
		return
	}
	p := importPage{Team: form.Text(r, "team"), Errors: form.Errors{}}
	if msg := form.Check(p.Team, 100, false); msg != "" {
		p.Errors.Add("team", msg)
	}
	file, header, err := r.FormFile("file")
	if err != nil {
		p.Errors.Add("file", "Choose a CSV file to upload.")
		refuse(http.StatusUnprocessableEntity, p)
		return
	}
	defer file.Close()
	p.Filename = clip(form.Clean(header.Filename), 200)
	now := time.Now()
	if s.Now != nil {
		now = s.Now()
	}
	f, err := Parse(file, now)
	var fe *FileError
	switch {
	case errors.As(err, &fe):
		p.Errors.Add("file", fe.Msg)
	case err != nil:
		s.Pages.Fail(w, r, err)
		return
	case len(f.Problems) > 0:
		p.File = f
		p.Errors.Add("file", fmt.Sprintf("%d rows cannot be imported (listed below); nothing was imported. Correct them and upload the file again.", len(f.Problems)))
	}
	if !p.Errors.OK() {
		refuse(http.StatusUnprocessableEntity, p)
		return
	}
	by := auth.UserFrom(ctx)
	res, err := Apply(ctx, s.DB, f, p.Team, func(ctx context.Context, tx pgx.Tx, res Result) error {
		return audit.Record(ctx, tx, audit.Entry{Action: audit.TicketsImported, ActorID: by.ID, ActorEmail: by.Email,
			After: map[string]string{"source": SourceLabel(f.Source), "file": p.Filename, "imported": strconv.Itoa(res.Imported),
				"skipped": strconv.Itoa(res.Skipped), "new_customers": strconv.Itoa(res.NewCustomers), "team": p.Team}})
	})
	if err != nil {
		s.Pages.Fail(w, r, err)
		return
	}
	msg := fmt.Sprintf("Imported %d tickets from %s", res.Imported, SourceLabel(f.Source))
	if res.NewCustomers > 0 {
		msg += fmt.Sprintf(", with %d new customer accounts (they can claim them with \"forgot password\")", res.NewCustomers)
	}
	if res.Skipped > 0 {
		msg += fmt.Sprintf("; %d were imported before and were left as they are", res.Skipped)
	}
	s.Pages.Flash(w, r, "success", msg+".")
	httpx.Redirect(w, r, "/admin/import-tickets")
}
