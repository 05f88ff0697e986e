package server_test

import (
	"context"
	"net/url"
	"strings"
	"testing"

	"rapport/internal/seed"
)

// The CRM's pages at benchmark scale (BENCH_SCALE, 20 by default: ~100k deals, ~1M
// activities): ns/op is the whole HTTP round trip, queries/op the statements sent to
// Postgres (the session's included). Run with
// go test -run '^$' -bench Crm -benchtime 200x ./internal/server

// benchSignIn signs a bench browser in with the demo password.
func benchSignIn(b *testing.B, e *benchEnv, email string) *browser {
	b.Helper()
	br := e.a.browser()
	if r := br.post("/signin", url.Values{"email": {email}, "password": {seed.DemoPassword}}); r.status != 303 {
		b.Fatalf("sign in %s: %d", email, r.status)
	}
	return br
}

func benchPage(b *testing.B, e *benchEnv, br *browser, path, want string) {
	b.Helper()
	e.measure(b, func() {
		r := br.get(path)
		if r.status != 200 || !strings.Contains(r.body, want) {
			b.Fatalf("GET %s: %d, lacks %q", path, r.status, want)
		}
	})
}

// A rep's board: their own deals in the default (largest) pipeline.
func BenchmarkCrmBoardRep(b *testing.B) {
	e := benchApp(b)
	benchPage(b, e, benchSignIn(b, e, "bench-sales-1@example.com"), "/crm", `class="column-count"`)
}

// An admin's board of everyone's deals: ~50k deals in the column totals.
func BenchmarkCrmBoardAdminAnyone(b *testing.B) {
	e := benchApp(b)
	benchPage(b, e, benchSignIn(b, e, "admin@example.com"), "/crm?owner_id=any", `class="show-more"`)
}

// The deal page of the deal with the longest timeline.
func BenchmarkCrmDealPage(b *testing.B) {
	e := benchApp(b)
	var id string
	if err := e.a.db.DB.QueryRow(context.Background(),
		`SELECT deal_id FROM activities GROUP BY deal_id ORDER BY count(*) DESC, deal_id LIMIT 1`).Scan(&id); err != nil {
		b.Fatal(err)
	}
	benchPage(b, e, benchSignIn(b, e, "admin@example.com"), "/crm/deals/"+id, `id="timeline"`)
}

// The deal list searched by title (trigram index), everyone's.
func BenchmarkCrmDealSearch(b *testing.B) {
	e := benchApp(b)
	benchPage(b, e, benchSignIn(b, e, "admin@example.com"), "/crm/deals?owner_id=any&q=migration", "Data migration")
}
