package server_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"
)

func TestCRMBoard(t *testing.T) {
	t.Parallel()
	w := newCRM(t)
	theirs := w.newDeal("Otto's deal", w.contact("x@globex.com", "X", "", w.rep2), w.rep2, "qualified", 5_000_00)
	late := w.newDeal("Late deal", w.jane, w.rep, "lead", 1_00)
	if _, err := w.db.DB.Exec(context.Background(), `UPDATE deals SET close_date = now() - interval '3 days' WHERE id = $1`, late); err != nil {
		t.Fatal(err)
	}
	enterprise := w.pipeline("Enterprise")

	mine := w.repB.get("/crm")
	wantStatus(t, "board", mine, http.StatusOK)
	mustContain(t, mine, "<h1>Inbound pipeline</h1>", "Welcome, Rita Rep.", `<option value="mine" selected>Mine</option>`)
	if got := columnStats(t, mine, "lead") + " " + columnStats(t, mine, "qualified"); got != "2|$12,501 0|$0" {
		t.Errorf("my board: %s", got)
	}
	mustNotContain(t, mine, "Otto&#39;s deal")
	// The overdue close date stands out (a class: the CSP forbids inline styles).
	card := regexp.MustCompile(`<article class="deal-card overdue movable" id="deal-` + late + `"`).FindString(mine.body)
	if card == "" {
		t.Error("the overdue deal's card is not marked overdue")
	}
	mustContain(t, mine, `<span class="deal-close overdue">Overdue: `)

	anyone := w.repB.get("/crm?owner_id=any")
	if got := columnStats(t, anyone, "qualified"); got != "1|$5,000" {
		t.Errorf("everyone's qualified: %s", got)
	}
	// A rep sees a colleague's card but cannot drag or move it.
	c := regexp.MustCompile(`(?s)<article class="deal-card" id="deal-` + theirs + `" data-deal-id="[^"]*">.*?</article>`).FindString(anyone.body)
	if c == "" || strings.Contains(c, "draggable") || strings.Contains(c, "move-form") {
		t.Errorf("a colleague's card: %q", c)
	}
	admin := w.adminB.get("/crm")
	mustContain(t, admin, `<option value="any" selected>Anyone</option>`, `draggable="true"`)
	if got := columnStats(t, admin, "qualified"); got != "1|$5,000" {
		t.Errorf("admin's default board: %s", got)
	}
	if got := columnStats(t, w.adminB.get("/crm?owner_id="+w.rep2.ID), "lead"); got != "0|$0" {
		t.Errorf("one rep's board: %s", got)
	}
	other := w.repB.get("/crm?pipeline=" + enterprise)
	mustContain(t, other, "<h1>Enterprise pipeline</h1>")
	if got := columnStats(t, other, "lead"); got != "0|$0" {
		t.Errorf("empty pipeline: %s", got)
	}
	// Close-date range: the overdue deal closed three days ago, the other closes in ten.
	day := func(d int) string { return time.Now().UTC().AddDate(0, 0, d).Format("2006-01-02") }
	if got := columnStats(t, w.repB.get("/crm?close_from="+day(-5)+"&close_to="+day(-1)), "lead"); got != "1|$1" {
		t.Errorf("closing in the past five days: %s", got)
	}
	if got := columnStats(t, w.repB.get("/crm?close_from="+day(0)), "lead"); got != "1|$12,500" {
		t.Errorf("closing from today: %s", got)
	}
	bad := w.repB.get("/crm?close_from=tomorrow")
	wantStatus(t, "bad date", bad, http.StatusOK)
	if got := fieldError(bad, "close_from"); got != "Enter dates like 2026-12-31." {
		t.Errorf("bad date message %q", got)
	}
}

// With more deals than a column shows, the board shows the first 25 and a "Show more"
// link that continues the column (keyset), without a page per card.
func TestCRMBoardShowMore(t *testing.T) {
	t.Parallel()
	w := newCRM(t)
	if _, err := w.db.DB.Exec(context.Background(), `
		INSERT INTO deals (contact_id, pipeline_id, owner_id, title, amount_cents, created_at)
		SELECT $1, $2, $3, 'Bulk ' || lpad(g::text, 2, '0'), 100, now() - (60 - g) * interval '1 minute'
		FROM generate_series(1, 59) g`, w.jane, w.pipe, w.rep.ID); err != nil {
		t.Fatal(err)
	}
	board := w.repB.get("/crm")
	if got := columnStats(t, board, "lead"); got != "60|$12,559" {
		t.Errorf("lead column: %s", got)
	}
	lead := column(board, "lead")
	if n := strings.Count(lead, `<article class="deal-card`); n != 25 {
		t.Errorf("%d cards in the lead column, want 25", n)
	}
	more := regexp.MustCompile(`<a class="show-more" href="([^"]+)">Show more</a>`).FindStringSubmatch(lead)
	if more == nil {
		t.Fatal("no Show more link")
	}
	seen := map[string]bool{}
	for _, m := range regexp.MustCompile(`id="deal-([0-9a-f-]+)"`).FindAllStringSubmatch(lead, -1) {
		seen[m[1]] = true
	}
	next := strings.ReplaceAll(more[1], "&amp;", "&")
	for page := 2; next != ""; page++ {
		r := w.repB.get(next)
		wantStatus(t, fmt.Sprintf("column page %d", page), r, http.StatusOK)
		mustContain(t, r, "Lead · Inbound")
		for _, m := range regexp.MustCompile(`id="deal-([0-9a-f-]+)"`).FindAllStringSubmatch(r.body, -1) {
			if seen[m[1]] {
				t.Fatalf("card %s shown twice", m[1])
			}
			seen[m[1]] = true
		}
		next = ""
		if m := regexp.MustCompile(`<a class="show-more" href="([^"]+)">`).FindStringSubmatch(r.body); m != nil {
			next = strings.ReplaceAll(m[1], "&amp;", "&")
		}
	}
	if len(seen) != 60 {
		t.Errorf("%d distinct cards over the pages, want 60", len(seen))
	}
	if !strings.Contains(board.body, "Bulk 59") || strings.Contains(lead, "Bulk 01<") {
		t.Error("the column is not most recently changed first")
	}
}

func TestCRMBoardWithoutPipelines(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	a.user("sales", "s@example.com")
	b := a.browser()
	b.signIn("s@example.com")
	r := b.get("/crm")
	wantStatus(t, "board", r, http.StatusOK)
	mustContain(t, r, "There is no pipeline yet.")
}

func TestCRMOverview(t *testing.T) {
	t.Parallel()
	w := newCRM(t)
	late := w.newDeal("Late deal", w.jane, w.rep, "qualified", 2_000_00)
	if _, err := w.db.DB.Exec(context.Background(), `UPDATE deals SET close_date = now() - interval '3 days' WHERE id = $1`, late); err != nil {
		t.Fatal(err)
	}
	wantRedirect(t, "win", w.repB.post("/crm/deals/"+w.deal+"/stage", url.Values{"stage": {"won"}}), "/crm/deals/"+w.deal)
	w.newDeal("Otto's", w.contact("o@x.com", "O", "", w.rep2), w.rep2, "lead", 9_999_00)

	r := w.repB.get("/crm/overview")
	wantStatus(t, "overview", r, http.StatusOK)
	mustContain(t, r, `<svg class="chart bar-chart"`, `aria-label="Open pipeline by stage"`,
		"$0 · 0 deals", "$2,000 · 1 deal", // lead (mine), qualified
		"$12,500 · 1 deal", // won this month
		"Late deal", "1 deal worth <strong>$2,000</strong>")
	mustNotContain(t, r, "Otto&#39;s", "$9,999")
	if regexp.MustCompile(`style=`).MatchString(r.body) {
		t.Error("inline style in the overview")
	}
	everyone := w.adminB.get("/crm/overview")
	mustContain(t, everyone, "$9,999 · 1 deal")
}
