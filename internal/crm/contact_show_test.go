package crm

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/go-chi/chi/v5"

	"rapport/internal/auth"
	"rapport/internal/httpx"
)

// The contact page shows the person's support tickets from the desk (through
// Service.Tickets), and still shows the CRM's half when the desk fails.
func TestContactPageShowsTickets(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	rep := f.user(auth.RoleSales, "Rep")
	jane := f.contact("jane@acme.com", "Jane", nil, rep)
	s := &Service{DB: f.db.DB, Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
		Pages: &httpx.Pages{Log: slog.New(slog.NewTextHandler(io.Discard, nil))}}
	var asked string
	s.Tickets = func(_ context.Context, email string) ([]TicketLink, error) {
		asked = email
		return []TicketLink{{ID: "t1", Subject: "Cannot <log> in", Status: "open", StatusLabel: "Open", PriorityLabel: "High", SLA: "breached 2h", SLAState: "bad"}}, nil
	}
	get := func(role auth.Role) string {
		r := chi.NewRouter()
		r.Get("/crm/contacts/{id}", s.ContactShow)
		req := httptest.NewRequest(http.MethodGet, "/crm/contacts/"+jane, nil)
		req = req.WithContext(auth.WithUser(req.Context(), &auth.User{ID: rep.ID, Name: "Rep", Role: role}))
		rec := httptest.NewRecorder()
		r.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			t.Fatalf("status %d", rec.Code)
		}
		return rec.Body.String()
	}
	page := get(auth.RoleSales)
	if asked != "jane@acme.com" {
		t.Errorf("tickets asked for %q", asked)
	}
	for _, want := range []string{"Support tickets", "Cannot &lt;log&gt; in", `<span class="badge ticket-open">Open</span>`, "High",
		`<span class="badge sla bad">SLA breached 2h</span>`} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	if strings.Contains(page, `href="/desk/tickets/t1"`) {
		t.Error("a sales rep gets a link into the desk, which would refuse them")
	}
	if !strings.Contains(get(auth.RoleAgent), `<a href="/desk/tickets/t1">Cannot &lt;log&gt; in</a>`) {
		t.Error("an agent has no link to the ticket")
	}
	s.Tickets = func(context.Context, string) ([]TicketLink, error) { return nil, errors.New("desk down") }
	if page := get(auth.RoleSales); !strings.Contains(page, "The support desk could not be reached") || !strings.Contains(page, "<h1>Jane</h1>") {
		t.Error("a failing desk broke the contact page")
	}
	s.Tickets = nil
	if page := get(auth.RoleSales); strings.Contains(page, "Support tickets") {
		t.Error("a tickets section without a desk")
	}
}
