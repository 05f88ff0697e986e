package mailbox

import (
	"errors"
	"net/http"

	"github.com/jackc/pgx/v5"

	"rapport/internal/audit"
	"rapport/internal/auth"
	"rapport/internal/db"
	"rapport/internal/form"
	"rapport/internal/httpx"
)

const adminPath = "/admin/mailboxes"

// MailboxNew shows the add form (GET /admin/mailboxes/new).
func (s *Service) MailboxNew(w http.ResponseWriter, r *http.Request) {
	f := mailboxForm{Port: "993", Security: string(SecurityTLS), Folder: "INBOX", Poll: "30", Enabled: true,
		Errors: form.Errors{}, Key: form.NewKey()}
	s.Pages.Render(w, r, http.StatusOK, "Add a support mailbox", mailboxNewPage(f, s.Box != nil))
}

// testIfAsked runs the form's "Test connection" button: it tries the typed settings (a
// blank password on an edit tries the stored one) and says how it went, saving nothing.
func (s *Service) testIfAsked(r *http.Request, f *mailboxForm, set Settings, stored *Mailbox) bool {
	if r.PostFormValue("action") != "test" {
		return false
	}
	srv := Server{Host: set.Host, Port: set.Port, Security: set.Security, User: set.Username, Password: set.Password, Folder: set.Folder}
	if srv.Password == "" && stored != nil {
		st, err := stored.server(s.Box)
		if err != nil {
			f.Tested = err.Error()
			return true
		}
		srv.Password = st.Password
	}
	if err := Test(srv); err != nil {
		f.Tested = "The connection failed: " + err.Error()
		return true
	}
	f.Tested, f.TestedOK = "Connected, logged in and opened "+set.Folder+".", true
	return true
}

// MailboxCreate adds a mailbox (POST /admin/mailboxes), or tests the typed settings.
func (s *Service) MailboxCreate(w http.ResponseWriter, r *http.Request) {
	if !s.Pages.ParseForm(w, r) {
		return
	}
	key, ok := s.Pages.FormKey(w, r)
	if !ok {
		return
	}
	f := parseMailboxForm(r)
	f.Key = key
	set := f.validate(true)
	if s.Box == nil {
		f.Problem = "SECRET_KEY is not set on the server, so a mailbox password cannot be stored. Set it and restart."
	}
	if !f.Errors.OK() || f.Problem != "" {
		s.Pages.Render(w, r, http.StatusUnprocessableEntity, "Add a support mailbox", mailboxNewPage(f, s.Box != nil))
		return
	}
	if s.testIfAsked(r, &f, set, nil) {
		s.Pages.Render(w, r, http.StatusOK, "Add a support mailbox", mailboxNewPage(f, true))
		return
	}
	ctx := r.Context()
	var m *Mailbox
	id := db.NewUUID()
	err := s.DB.InTx(ctx, func(tx pgx.Tx) error {
		// The key first: a repeat waits here for the first submit and gets its answer.
		claim := form.Claim{UserID: auth.UserFrom(ctx).ID, Key: key, To: adminPath + "/" + id}
		if err := claim.Take(ctx, tx); err != nil {
			return err
		}
		var err error
		if m, err = Create(ctx, tx, s.Box, id, set, false); err != nil {
			return err
		}
		return audit.Record(ctx, tx, mailboxEntry(ctx, audit.MailboxCreated, m, nil, auditView(m, true)))
	})
	if s.Pages.Repeated(w, r, err) {
		return
	}
	if errors.Is(err, ErrDuplicate) {
		f.Errors.Add("username", "Another mailbox already reads this user's folder on this server.")
		s.Pages.Render(w, r, http.StatusUnprocessableEntity, "Add a support mailbox", mailboxNewPage(f, true))
		return
	}
	if err != nil {
		s.Pages.Fail(w, r, err)
		return
	}
	s.Pages.Flash(w, r, "success", "The mailbox "+m.Address+" was added. It is polled every "+f.Poll+" seconds.")
	httpx.Redirect(w, r, adminPath+"/"+m.ID)
}

// MailboxUpdate saves a mailbox's settings, or tests them (POST /admin/mailboxes/{id}).
// Unticking Enabled disables it: it is polled no more, its mail and decisions stay.
func (s *Service) MailboxUpdate(w http.ResponseWriter, r *http.Request) {
	id, ok := s.Pages.PathID(w, r, "id")
	if !ok || !s.Pages.ParseForm(w, r) {
		return
	}
	ctx := r.Context()
	cur, err := ByID(ctx, s.DB, id)
	if err != nil {
		s.Pages.Fail(w, r, err)
		return
	}
	f := parseMailboxForm(r)
	f.ID = id
	set := f.validate(false)
	if !f.Errors.OK() {
		s.renderShow(w, r, http.StatusUnprocessableEntity, cur, f, "")
		return
	}
	if s.testIfAsked(r, &f, set, cur) {
		s.renderShow(w, r, http.StatusOK, cur, f, "")
		return
	}
	var m *Mailbox
	err = s.DB.InTx(ctx, func(tx pgx.Tx) error {
		var err error
		if m, err = Update(ctx, tx, s.Box, id, f.Version, set); err != nil {
			return err
		}
		return audit.Record(ctx, tx, mailboxEntry(ctx, audit.MailboxUpdated, m, auditView(cur, false), auditView(m, set.Password != "")))
	})
	switch {
	case errors.Is(err, ErrStale):
		f.Problem = "Someone changed this mailbox while you were editing it: nothing was saved. The form shows your values; the page below, the stored ones. Save again to keep yours."
		fresh, ferr := ByID(ctx, s.DB, id)
		if ferr != nil {
			s.Pages.Fail(w, r, ferr)
			return
		}
		f.Version = fresh.Version
		s.renderShow(w, r, http.StatusConflict, fresh, f, "")
		return
	case errors.Is(err, ErrDuplicate):
		f.Errors.Add("username", "Another mailbox already reads this user's folder on this server.")
		s.renderShow(w, r, http.StatusUnprocessableEntity, cur, f, "")
		return
	case err != nil:
		s.Pages.Fail(w, r, err)
		return
	}
	msg := "The mailbox " + m.Address + " was saved."
	if !m.Enabled {
		msg = "The mailbox " + m.Address + " was saved and is disabled: it is not polled."
	}
	s.Pages.Flash(w, r, "success", msg)
	httpx.Redirect(w, r, adminPath+"/"+m.ID)
}
