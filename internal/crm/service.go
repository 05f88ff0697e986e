// Package crm is the sales CRM: companies, contacts, pipelines, deals on a board, the
// activity trail, the rep's overview, and CSV import and export.
package crm

import (
	"context"
	"log/slog"
	"net/http"

	"rapport/internal/auth"
	"rapport/internal/db"
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
	// SearchTickets is the global search's ticket group (GET /search), for agents and
	// admins: up to limit tickets matching q, best first, each a SearchHit (ID the
	// ticket's id, Title its subject, Detail and Field why it matched). The desk
	// provides it (desk.SearchTickets); the server wires it at merge. Nil: no tickets
	// group.
	SearchTickets func(ctx context.Context, q string, limit int) ([]SearchHit, error)
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
var ErrForbidden error = &httpx.PageError{Status: http.StatusForbidden, Heading: "That is not yours to change",
	Message: "Every rep can read this record, but only its owner or an admin can change it. Ask its owner to reassign it to you."}

// canReadDeals reports whether the viewer may open deal pages (agents only see
// contacts and companies).
func canReadDeals(ctx context.Context) bool {
	return auth.UserFrom(ctx).Can(auth.RoleSales)
}
