package auth

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync/atomic"

	"github.com/jackc/pgx/v5"

	"rapport/internal/audit"
	"rapport/internal/db"
	"rapport/internal/form"
	"rapport/internal/httpx"
	"rapport/web"
)

// First run (issue 14). A database without an admin leads every page to /setup, where the
// company's name, its time zone and the first admin are typed once; the workspace's
// defaults (a pipeline, a team, SLA policies) are made in the same transaction by
// Service.Provision. /setup is gone for good once an admin exists: its pages answer 404.

// setupGate remembers that setup is over: once it is, it stays so for the process (an
// admin made on another replica is found by the next request's check), and the check
// costs nothing again.
type setupGate struct{ done atomic.Bool }

// setupNeededSQL: setup is needed while it never finished and no admin exists (an
// admin made with `rapport user create` or the demo seed sets up the workspace too).
const setupNeededSQL = `
SELECT w.setup_at IS NULL AND NOT EXISTS (SELECT 1 FROM "user" u WHERE u.role = 'admin')
FROM workspace_settings w`

// setupNeeded reports whether the workspace still needs its first run.
func (s *Service) setupNeeded(ctx context.Context) (bool, error) {
	if s.setup.done.Load() {
		return false, nil
	}
	var needed bool
	if err := s.DB.QueryRow(ctx, setupNeededSQL).Scan(&needed); err != nil {
		return false, db.Translate(err)
	}
	if !needed {
		s.setup.done.Store(true)
	}
	return needed, nil
}

// RequireSetUp sends every request to /setup while the workspace needs its first run
// (a 303, whatever the method: nothing else may be done before an admin exists). When
// the check fails (the database is down) the request goes on: its own page reports it.
func (s *Service) RequireSetUp(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !s.setup.done.Load() && r.URL.Path != setupPath {
			if needed, err := s.setupNeeded(r.Context()); err == nil && needed {
				httpx.Redirect(w, r, setupPath)
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

const setupPath = "/setup"

// setupForm is the first-run form's typed values and problems (never the password).
type setupForm struct {
	Company  string
	TimeZone string
	Name     string
	Email    string
	Errors   form.Errors
}

const maxCompanyLen = 100

// errSetUpAlready: another request finished setup first.
var errSetUpAlready = errors.New("set up already")

// SetupShow shows the first-run form (GET /setup), or 404 once the workspace is set up.
func (s *Service) SetupShow(w http.ResponseWriter, r *http.Request) {
	needed, err := s.setupNeeded(r.Context())
	if err != nil {
		s.Pages.Fail(w, r, err)
		return
	}
	if !needed {
		s.Pages.Error(w, r, http.StatusNotFound)
		return
	}
	s.Pages.Render(w, r, http.StatusOK, "Set up Rapport", setupPage(setupForm{TimeZone: "UTC"}))
}

// SetupSubmit creates the first admin and the workspace's defaults, signs the admin in
// and sends them to /admin (POST /setup). Throttled per client address like sign-up;
// two browsers racing it make one admin: the transaction locks the workspace's row and
// checks again, and the loser is sent to sign in.
func (s *Service) SetupSubmit(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	needed, err := s.setupNeeded(ctx)
	if err != nil {
		s.Pages.Fail(w, r, err)
		return
	}
	if !needed {
		s.Pages.Error(w, r, http.StatusNotFound)
		return
	}
	if !s.Pages.ParseForm(w, r) {
		return
	}
	f := setupForm{Company: form.Text(r, "company"), TimeZone: form.Text(r, "time_zone"), Name: form.Text(r, "name"),
		Email: emailField(r), Errors: form.Errors{}}
	password := r.PostFormValue("password")
	form.Required(f.Errors, "company", f.Company, "Company name", maxCompanyLen)
	if msg := form.Check(f.TimeZone, 64, false); msg != "" {
		f.Errors.Add("time_zone", msg)
	} else if f.TimeZone == "" {
		f.Errors.Add("time_zone", "Choose the company's time zone.")
	} else if _, ok := LoadZone(f.TimeZone); !ok {
		f.Errors.Add("time_zone", unknownZone)
	}
	form.Required(f.Errors, "name", f.Name, "Your name", maxNameLen)
	form.Email(f.Errors, "email", f.Email)
	checkPassword(f.Errors, "password", password, f.Email)
	if !f.Errors.OK() {
		s.Pages.Render(w, r, http.StatusUnprocessableEntity, "Set up Rapport", setupPage(f))
		return
	}
	if allowed, retry, err := reserve(ctx, s.DB, setupAddress.On(s.clientIP(r))); err != nil {
		s.Pages.Fail(w, r, err)
		return
	} else if !allowed {
		mins := retryMinutes(w, retry)
		s.Pages.ErrorWith(w, r, http.StatusTooManyRequests, "Too many attempts",
			"Setup was tried too often from here. Try again in "+web.Count(mins, "minute", "minutes")+".")
		return
	}
	hash, err := s.Hasher.Hash(ctx, password)
	if err != nil {
		s.Pages.Fail(w, r, err)
		return
	}
	var admin *User
	err = s.DB.InTx(ctx, func(tx pgx.Tx) error {
		var err error
		admin, err = s.setUp(ctx, tx, f, hash)
		return err
	})
	switch {
	case errors.Is(err, errSetUpAlready):
		s.setup.done.Store(true)
		s.Pages.Flash(w, r, "info", "Rapport was set up already, perhaps in another window. Sign in with the admin's email and password.")
		httpx.Redirect(w, r, "/signin")
		return
	case errors.Is(err, ErrEmailTaken):
		f.Errors.Add("email", "This email already has an account: choose another for the admin.")
	case errors.Is(err, errZoneUnknown):
		f.Errors.Add("time_zone", unknownZone)
	case err != nil:
		s.Pages.Fail(w, r, err)
		return
	}
	if !f.Errors.OK() {
		s.Pages.Render(w, r, http.StatusUnprocessableEntity, "Set up Rapport", setupPage(f))
		return
	}
	s.setup.done.Store(true)
	if err := s.start(w, r, admin); err != nil {
		s.Pages.Fail(w, r, err)
		return
	}
	s.Pages.Flash(w, r, "success", "Welcome to Rapport, "+f.Company+". The checklist below gets your team started.")
	httpx.Redirect(w, r, "/admin")
}

// errZoneUnknown: Postgres does not know a zone Go knows (the pages compute "today" in
// SQL, so both must).
var errZoneUnknown = errors.New("time zone unknown to Postgres")

// claimSetupSQL locks the workspace's one row (racing setups wait here) and reads
// whether setup is still needed and whether Postgres knows the zone ($1).
const claimSetupSQL = `
SELECT w.setup_at IS NULL AND NOT EXISTS (SELECT 1 FROM "user" u WHERE u.role = 'admin'),
       EXISTS (SELECT 1 FROM pg_timezone_names WHERE name = $1)
FROM workspace_settings w FOR UPDATE`

const finishSetupSQL = `
UPDATE workspace_settings SET company_name = $1, time_zone = $2, setup_at = now(), updated_at = now()`

// setUp makes the first admin, names the workspace and provisions its defaults, in tx.
func (s *Service) setUp(ctx context.Context, tx pgx.Tx, f setupForm, hash string) (*User, error) {
	var needed, zoneKnown bool
	if err := tx.QueryRow(ctx, claimSetupSQL, f.TimeZone).Scan(&needed, &zoneKnown); err != nil {
		return nil, db.Translate(err)
	}
	if !needed {
		return nil, errSetUpAlready
	}
	if !zoneKnown {
		return nil, errZoneUnknown
	}
	// The admin typed their own address on the server's first page: it counts as theirs.
	u, err := CreateUser(ctx, tx, NewUser{Name: f.Name, Email: f.Email, Role: RoleAdmin, PasswordHash: hash, EmailVerified: true})
	if err != nil {
		return nil, err
	}
	if _, err := tx.Exec(ctx, `UPDATE "user" SET time_zone = $2 WHERE id = $1`, u.ID, f.TimeZone); err != nil {
		return nil, db.Translate(err)
	}
	u.TimeZone = f.TimeZone
	if _, err := tx.Exec(ctx, finishSetupSQL, f.Company, f.TimeZone); err != nil {
		return nil, db.Translate(err)
	}
	var made []string
	if s.Provision != nil {
		if made, err = s.Provision(ctx, tx, u); err != nil {
			return nil, err
		}
	}
	e := ownEntry(audit.WorkspaceSetUp, u.ID, u.Email)
	after := map[string]string{"company": f.Company, "time_zone": f.TimeZone, "admin": u.Email}
	if len(made) > 0 {
		after["defaults"] = strings.Join(made, "; ")
	}
	e.After = after
	if err := audit.Record(ctx, tx, e); err != nil {
		return nil, err
	}
	return u, nil
}
