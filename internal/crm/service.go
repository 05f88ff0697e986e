// Package crm is the sales CRM: companies, contacts, pipelines, deals on a board, the
// activity trail, the rep's overview, and CSV import and export.
package crm

import (
	"context"
	"errors"
	"log/slog"
	"net/http"

	"github.com/go-chi/chi/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"rapport/internal/auth"
	"rapport/internal/cursor"
	"rapport/internal/db"
	"rapport/internal/form"
	"rapport/internal/httpx"
)

// Service holds what the CRM's handlers need.
type Service struct {
	DB    *db.DB
	Pages *httpx.Pages
	Log   *slog.Logger
	// Tickets lists a person's support tickets by email (the desk provides it; the
	// server wires it), for the contact page. Nil shows no tickets.
	Tickets func(ctx context.Context, email string) ([]TicketLink, error)
}

// TicketLink is a support ticket as the contact page shows it.
type TicketLink struct {
	ID            string
	Subject       string
	Status        string // the desk's value, for the badge's class
	StatusLabel   string // the desk's names for its status and priority
	PriorityLabel string
	// SLA is a short state such as "on track", "due in 40m", "breached 2h", "met".
	SLA      string
	SLAState string // "ok", "warn", "bad" or "" (for colour)
}

// Actor is the user a store method acts for. Every rep reads every record; a rep
// changes only the deals and contacts they own; an admin changes all of them.
type Actor struct {
	ID    string
	Admin bool
}

// ActorFrom is the signed-in user as an Actor.
func ActorFrom(ctx context.Context) Actor {
	u := auth.UserFrom(ctx)
	if u == nil {
		return Actor{}
	}
	return Actor{ID: u.ID, Admin: u.Role == auth.RoleAdmin}
}

// CanChange reports whether the actor may change a record owned by ownerID.
func (a Actor) CanChange(ownerID string) bool { return a.Admin || (a.ID != "" && a.ID == ownerID) }

// ErrForbidden means the record exists but is not the actor's to change.
var ErrForbidden = errors.New("crm: not the actor's record")

// fail answers a store error: 404 for a missing record, 403 for someone else's, 400 for
// a doctored page link or a value Postgres could not read, 503/500 for the rest.
func (s *Service) fail(w http.ResponseWriter, r *http.Request, err error) {
	var pe *pgconn.PgError
	switch {
	case errors.Is(err, db.ErrNotFound):
		s.Pages.Error(w, r, http.StatusNotFound)
	case errors.Is(err, cursor.ErrInvalid):
		s.Pages.Error(w, r, http.StatusBadRequest)
	case errors.Is(err, ErrForbidden):
		s.Pages.ErrorWith(w, r, http.StatusForbidden, "That is not yours to change",
			"Every rep can read this record, but only its owner or an admin can change it. Ask its owner to reassign it to you.")
	case errors.As(err, &pe) && len(pe.Code) == 5 && pe.Code[:2] == "22":
		s.Pages.Error(w, r, http.StatusBadRequest)
	default:
		s.Pages.ServerError(w, r, err)
	}
}

// pathID is the {id} of the route when it is a UUID; otherwise it answers 404.
func (s *Service) pathID(w http.ResponseWriter, r *http.Request) (string, bool) {
	id := chi.URLParam(r, "id")
	if !db.ValidUUID(id) {
		s.Pages.Error(w, r, http.StatusNotFound)
		return "", false
	}
	return id, true
}

// canReadDeals reports whether the viewer may open deal pages (agents only see
// contacts and companies).
func canReadDeals(ctx context.Context) bool {
	return auth.UserFrom(ctx).Can(auth.RoleSales)
}

// parseForm reads a form body; a malformed or oversized one is answered 400 or 413.
func (s *Service) parseForm(w http.ResponseWriter, r *http.Request) bool {
	if err := form.Parse(w, r); err != nil {
		s.Pages.Error(w, r, form.Status(err))
		return false
	}
	return true
}
