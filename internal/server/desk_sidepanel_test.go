package server_test

import (
	"net/http"
	"testing"
)

// The ticket's side panel gives the agent the requester's context: their company and
// open deals from the CRM (value and stage), and their other tickets.
func TestDeskSidePanel(t *testing.T) {
	t.Parallel()
	d := newDesk(t)
	d.a.exec(t, `WITH co AS (INSERT INTO companies (name, domain) VALUES ('Acme Corp', 'acme.com') RETURNING id),
		ct AS (INSERT INTO contacts (company_id, email, name, owner_id) SELECT id, 'carol@example.com', 'Carol Chen', $1 FROM co RETURNING id),
		pl AS (INSERT INTO pipelines (name) VALUES ('Enterprise') RETURNING id)
		INSERT INTO deals (contact_id, pipeline_id, owner_id, title, amount_cents, stage)
		SELECT ct.id, pl.id, $1, v.title, v.amount, v.stage FROM ct, pl,
		       (VALUES ('Acme – Premium support', 1200000::bigint, 'qualified'), ('Acme – Old renewal', 500000::bigint, 'won')) v(title, amount, stage)`,
		d.sam.ID)
	older := d.file(t, d.carolB, "Earlier question", "How do I export?")
	id := d.file(t, d.carolB, "Urgent outage", "Everything is down.")

	page := d.jordanB.get("/desk/tickets/" + id)
	wantStatus(t, "ticket", page, http.StatusOK)
	mustContain(t, page, "<dt>Company</dt><dd>Acme Corp</dd>", "<dt>Contact</dt><dd>Carol Chen</dd>",
		`Acme – Premium support <span class="muted">Qualified · $12,000</span>`,
		"Other tickets", `href="/desk/tickets/`+older+`"`)
	mustNotContain(t, page, "Old renewal")

	// Someone the CRM does not know.
	other := d.file(t, d.devB, "Hello", "Hi.")
	mustContain(t, d.jordanB.get("/desk/tickets/"+other), "Not in the CRM.")
}
