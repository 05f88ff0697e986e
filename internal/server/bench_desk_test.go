package server_test

import (
	"context"
	"html"
	"net/http"
	"sync"
	"testing"

	"rapport/internal/seed"
)

// The desk's pages on the scale-20 database (~100k tickets, ~1M messages): the queue in
// its views and filters, a deep keyset page, a ticket with its thread, the customer's
// list and ticket, and the reports. Run with
//
//	go test -run '^$' -bench Desk -benchtime 200x ./internal/server

var settleOnce sync.Once

// settle vacuums the desk's tables once. The scale seed leaves a dead version of every
// ticket behind (the thread-facts trigger updates each row once after its messages
// go in) and only analyzes; autovacuum clears that within a minute or so of a real
// load, so measuring before it would measure the seeding, not the pages.
func settle(b *testing.B, e *benchEnv) {
	b.Helper()
	settleOnce.Do(func() {
		if _, err := e.a.db.DB.Exec(context.Background(), `VACUUM (ANALYZE) tickets, ticket_messages, ticket_status_changes`); err != nil {
			b.Fatalf("vacuum: %v", err)
		}
	})
}

// deskBrowser signs email in on the benchmark app.
func deskBrowser(b *testing.B, e *benchEnv, email string) *browser {
	b.Helper()
	settle(b, e)
	br := e.a.browser()
	r := br.post("/signin", map[string][]string{"email": {email}, "password": {seed.DemoPassword}})
	if r.status != http.StatusSeeOther {
		b.Fatalf("sign in %s: %d", email, r.status)
	}
	return br
}

func benchGet(b *testing.B, e *benchEnv, br *browser, path string) {
	b.Helper()
	e.measure(b, func() {
		if r := br.get(path); r.status != http.StatusOK {
			b.Fatalf("GET %s: %d", path, r.status)
		}
	})
}

// benchID runs a query returning one id on the benchmark database.
func benchID(b *testing.B, e *benchEnv, sql string, args ...any) string {
	b.Helper()
	var id string
	if err := e.a.db.DB.QueryRow(context.Background(), sql, args...).Scan(&id); err != nil {
		b.Fatalf("%s: %v", sql, err)
	}
	return id
}

func BenchmarkDeskQueue(b *testing.B) {
	e := benchApp(b)
	benchGet(b, e, deskBrowser(b, e, "agent1@example.com"), "/desk")
}

func BenchmarkDeskQueueFiltered(b *testing.B) {
	e := benchApp(b)
	benchGet(b, e, deskBrowser(b, e, "agent1@example.com"), "/desk?status=pending&priority=high&assignee=none")
}

func BenchmarkDeskQueueMine(b *testing.B) {
	e := benchApp(b)
	benchGet(b, e, deskBrowser(b, e, "bench-agent-1@example.com"), "/desk?assignee=mine")
}

func BenchmarkDeskQueueSolvedByTeam(b *testing.B) {
	e := benchApp(b)
	benchGet(b, e, deskBrowser(b, e, "agent1@example.com"), "/desk?status=solved&team=_none")
}

// The third page of the open view: the keyset cursor costs what the first page costs.
func BenchmarkDeskQueuePage3(b *testing.B) {
	e := benchApp(b)
	br := deskBrowser(b, e, "agent1@example.com")
	path := "/desk"
	for range 2 {
		r := br.get(path)
		next := regexpFind(r.body, `href="(/desk\?after=[^"]+)"`)
		if next == "" {
			b.Fatal("no next page")
		}
		path = html.UnescapeString(next)
	}
	benchGet(b, e, br, path)
}

func BenchmarkDeskTicket(b *testing.B) {
	e := benchApp(b)
	id := benchID(b, e, `SELECT t.id::text FROM tickets t WHERE t.status = 'open'
		AND (SELECT count(*) FROM ticket_messages m WHERE m.ticket_id = t.id) >= 10 ORDER BY t.id LIMIT 1`)
	benchGet(b, e, deskBrowser(b, e, "agent1@example.com"), "/desk/tickets/"+id)
}

func BenchmarkDeskCustomerTickets(b *testing.B) {
	e := benchApp(b)
	benchGet(b, e, deskBrowser(b, e, "bench-customer-1@example.com"), "/support")
}

func BenchmarkDeskCustomerTicket(b *testing.B) {
	e := benchApp(b)
	id := benchID(b, e, `SELECT t.id::text FROM tickets t JOIN "user" u ON u.id = t.requester_id
		WHERE u.email = 'bench-customer-1@example.com' ORDER BY t.created_at DESC LIMIT 1`)
	benchGet(b, e, deskBrowser(b, e, "bench-customer-1@example.com"), "/support/tickets/"+id)
}

func BenchmarkDeskReports(b *testing.B) {
	e := benchApp(b)
	benchGet(b, e, deskBrowser(b, e, "agent1@example.com"), "/desk/reports")
}

// Ticket search (issue 13) on the scale-20 database: a word in a third of the messages,
// one in a few percent, one in none, and a phrase.
func BenchmarkDeskSearchCommon(b *testing.B) {
	e := benchApp(b)
	benchGet(b, e, deskBrowser(b, e, "agent1@example.com"), "/desk/search?q=this")
}

func BenchmarkDeskSearchFewPercent(b *testing.B) {
	e := benchApp(b)
	benchGet(b, e, deskBrowser(b, e, "agent1@example.com"), "/desk/search?q=screenshot")
}

func BenchmarkDeskSearchRare(b *testing.B) {
	e := benchApp(b)
	benchGet(b, e, deskBrowser(b, e, "agent1@example.com"), "/desk/search?q=zebra")
}

func BenchmarkDeskSearchPhrase(b *testing.B) {
	e := benchApp(b)
	benchGet(b, e, deskBrowser(b, e, "agent1@example.com"), "/desk/search?q=%22known+issue%22&status=solved")
}
