package server_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestCRMSearch: the global search across companies, contacts and deals: prefixes,
// emails, domains, accents and case, typos; grouped, with why each matched; agents
// never see deals; customers have no search.
func TestCRMSearch(t *testing.T) {
	t.Parallel()
	w := newCRM(t)
	zoe := w.contact("zoe.muller@globex.io", "Zoë Müller", w.company("Globex Systems", "globex.io"), w.rep2)
	w.newDeal("Globex renewal", zoe, w.rep2, "lead", 500_000)
	find := func(b *browser, q string) response {
		t.Helper()
		r := b.get("/search?q=" + url.QueryEscape(q))
		wantStatus(t, "search "+q, r, http.StatusOK)
		return r
	}

	// A prefix, any case, finds the company, its contact (by email) and the deal.
	r := find(w.repB, "ACM")
	mustContain(t, r, `data-kind="company"`, `href="/crm/companies/`+w.acme+`"`, "Acme",
		`href="/crm/contacts/`+w.jane+`"`, "Jane Doe", `href="/crm/deals/`+w.deal+`"`, "Acme starter",
		`<span class="search-field">name:</span>`, "<mark>Acme</mark>")
	mustNotContain(t, r, "Globex")

	// Accents do not matter, either way round.
	mustContain(t, find(w.repB, "zoe muller"), `href="/crm/contacts/`+zoe+`"`, "<mark>Zoë</mark> <mark>Müller</mark>")
	mustContain(t, find(w.repB, "Zoë"), `href="/crm/contacts/`+zoe+`"`)
	// An email and a domain.
	r = find(w.repB, "zoe.muller@globex.io")
	mustContain(t, r, `href="/crm/contacts/`+zoe+`"`, `<span class="search-field">email:</span>`)
	r = find(w.repB, "globex.io")
	mustContain(t, r, "Globex Systems", `href="/crm/contacts/`+zoe+`"`)
	// A typo falls back to a similar name.
	r = find(w.repB, "Globx Systems")
	mustContain(t, r, "Globex Systems", "similar name")
	// Nothing.
	mustContain(t, find(w.repB, "nothingmatchesthis"), "Nothing matches")

	// Agents: companies and contacts, never deals, and no links to lists they cannot open.
	r = find(w.agentB, "acme")
	mustContain(t, r, `href="/crm/companies/`+w.acme+`"`, `href="/crm/contacts/`+w.jane+`"`)
	mustNotContain(t, r, `data-kind="deal"`, "Acme starter", "/crm/deals")
	// Admins see all.
	mustContain(t, find(w.adminB, "acme"), "Acme starter")
	// Customers and visitors have no search.
	wantStatus(t, "customer", w.cuB.get("/search?q=acme"), http.StatusForbidden)
	if r := w.anon.get("/search?q=acme"); r.status != http.StatusSeeOther {
		t.Errorf("anonymous: %d", r.status)
	}

	// Tickets (the desk's search, wired in server/wiring.go): agents and admins find a
	// ticket by a word of its thread, an internal note's included; reps get no tickets group.
	w.exec(t, `WITH t AS (INSERT INTO tickets (requester_id, subject) VALUES ($1, 'Printer jammed') RETURNING id)
		INSERT INTO ticket_messages (ticket_id, author_id, body, is_internal)
		SELECT id, $1, 'The tray squeaks', false FROM t UNION ALL SELECT id, $2, 'Quokkaword escalation', true FROM t`, w.cust.ID, w.agent.ID)
	r = find(w.agentB, "squeaks")
	mustContain(t, r, `data-kind="ticket"`, "Printer jammed", "squeaks")
	mustContain(t, find(w.adminB, "quokkaword"), "Printer jammed")
	mustNotContain(t, find(w.repB, "squeaks"), `data-kind="ticket"`, "Printer jammed")

	// The box is in every staff page's top bar, and not in a customer's.
	mustContain(t, w.repB.get("/crm/contacts"), `id="global-search"`, `action="/search"`)
	mustContain(t, w.agentB.get("/desk"), `id="global-search"`)
	mustNotContain(t, w.cuB.get("/support"), `id="global-search"`)
}

// TestCRMSearchHostile: tsquery syntax, quotes, backslashes, control characters and
// 10 KB queries are never a 500: searched as words, or a 422 beside the box.
func TestCRMSearchHostile(t *testing.T) {
	t.Parallel()
	w := newCRM(t)
	w.company(`Quote "&|!:*()' Co`, "quote.example")
	for _, q := range []string{`&|!:*()`, `'`, `"`, `\`, `\\'`, `acme & | !`, `a:*`, `<->`, `!acme`, `(acme`, `acme)`,
		`'acme'`, `%`, `_`, `%_\`, `😀`, `ﷺ`, "a b c d e f g h i j k l m n", "é", `<script>alert(1)</script>`, strings.Repeat("a", 200)} {
		r := w.repB.get("/search?q=" + url.QueryEscape(q))
		if r.status != http.StatusOK {
			t.Errorf("%q: %d", q, r.status)
		}
		mustNotContain(t, r, "<script>alert(1)</script>")
	}
	mustContain(t, w.repB.get("/search?q="+url.QueryEscape(`Quote "&|!`)), "Quote &#34;&amp;|!:*()&#39; Co")
	for q, msg := range map[string]string{
		strings.Repeat("x", 201):   "Search for at most 200 characters (this has 201).",
		strings.Repeat("x", 10240): "Search for at most 200 characters (this has 10240).",
		"a\x00b":                   "Search for letters, digits and punctuation only.",
		"a\x07b":                   "Search for letters, digits and punctuation only.",
		"\xff\xfe":                 "Search for letters, digits and punctuation only.",
	} {
		r := w.repB.get("/search?q=" + url.QueryEscape(q))
		wantStatus(t, "hostile", r, http.StatusUnprocessableEntity)
		if got := fieldError(r, "q"); got != msg {
			t.Errorf("%.20q: %q", q, got)
		}
	}
}
