package server_test

import (
	"context"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"rapport/internal/auth"
	"rapport/internal/crm"
)

// A sales rep's day in real Chromium: sign in, add a company, a contact and a deal
// through the forms, drag the deal from Lead to Qualified on the board (crm.js posts the
// card's Move form and re-renders the board from the server's answer), open a long
// column's next cards in place, log a call, and find the stage change and the call in
// the deal's timeline.
func TestJourneyCRM(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	a.user(auth.RoleSales, "rep@example.com")
	if _, err := crm.CreatePipeline(context.Background(), a.db.DB, "Inbound"); err != nil {
		t.Fatal(err)
	}
	ctx := chrome(t)
	signInWithBrowser(t, ctx, a, "rep@example.com")
	step := func(what string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, actions...); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	text := func(sel string) string {
		t.Helper()
		s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
		if err != nil {
			t.Fatalf("text of %s: %v", sel, err)
		}
		return s
	}

	step("company",
		chromedp.Navigate(a.srv.URL+"/crm/companies/new"),
		chromedp.WaitVisible(chromedp.CSS(`#f-name`)),
		chromedp.SendKeys(chromedp.CSS(`#f-name`), "Acme Corp"),
		chromedp.SendKeys(chromedp.CSS(`#f-domain`), "https://www.Acme.com/about"),
		chromedp.Click(chromedp.CSS(`form[action="/crm/companies"] button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`.flash-success`)),
	)
	if got := text(`main h1`); got != "Acme Corp" {
		t.Fatalf("company page heading %q", got)
	}
	step("contact",
		chromedp.Click(chromedp.CSS(`a.button[href^="/crm/contacts/new"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#f-email`)),
		chromedp.SendKeys(chromedp.CSS(`#f-email`), "Jane.Doe@acme.com"),
		chromedp.SendKeys(chromedp.CSS(`#f-name`), "Jane Doe"),
		chromedp.Click(chromedp.CSS(`form[action="/crm/contacts"] button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`.flash-success`)),
	)
	if got := text(`main .crm-sub`); !strings.Contains(got, "jane.doe@acme.com") || !strings.Contains(got, "Acme Corp") {
		t.Fatalf("contact page: %q", got)
	}
	step("deal",
		chromedp.Click(chromedp.CSS(`a.button[href^="/crm/deals/new"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#f-title`)),
		chromedp.SendKeys(chromedp.CSS(`#f-title`), "Acme – Starter plan, 25 seats"),
		chromedp.SendKeys(chromedp.CSS(`#f-amount`), "12,500"),
		chromedp.SetValue(chromedp.CSS(`#f-close_date`), "2030-06-30"),
		chromedp.Click(chromedp.CSS(`form[action="/crm/deals"] button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`.flash-success`)),
	)
	loc, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		t.Fatal(err)
	}
	dealID := loc[strings.LastIndex(loc, "/")+1:]
	if got := text(`.deal-amount`); got != "$12,500" {
		t.Fatalf("deal amount %q", got)
	}

	card := `#deal-` + dealID
	step("board",
		chromedp.Navigate(a.srv.URL+"/crm"),
		chromedp.WaitVisible(chromedp.CSS(`.board-column[data-kind="lead"] `+card)),
	)
	if got := text(`.board-column[data-kind="lead"] .column-stats`); got != "1 deal · $12,500 · $2,500 weighted" {
		t.Fatalf("lead column before the drag: %q", got)
	}
	step("drag to qualified",
		chromedp.DragAndDrop(chromedp.CSS(card), chromedp.CSS(`.board-column[data-kind="qualified"] .column-head`)),
		chromedp.Poll[chromedp.Void](`document.querySelector('.board-column[data-kind="qualified"] .column-count').textContent === "1"
			&& !document.getElementById("board").hasAttribute("aria-busy")`),
		chromedp.WaitVisible(chromedp.CSS(`.board-column[data-kind="qualified"] `+card)),
	)
	if got := text(`.board-column[data-kind="lead"] .column-stats`); got != "0 deals · $0 · $0 weighted" {
		t.Errorf("lead column after the drag: %q", got)
	}
	if got := text(`.board-column[data-kind="qualified"] .column-stats`); got != "1 deal · $12,500 · $6,250 weighted" {
		t.Errorf("qualified column after the drag: %q", got)
	}
	if got := text(`.flash`); got != "Acme – Starter plan, 25 seats moved from Lead to Qualified." {
		t.Errorf("flash after the drag %q", got)
	}
	var stage string
	if err := a.db.DB.QueryRow(context.Background(), `SELECT stage FROM deals WHERE id = $1`, dealID).Scan(&stage); err != nil || stage != "qualified" {
		t.Fatalf("stage in the database: %q, %v", stage, err)
	}
	screenshot(t, ctx, "crm-board")

	// A long column: the first 25 cards, and "Show more" appends the next ones in place.
	if _, err := a.db.DB.Exec(context.Background(), `
		INSERT INTO deals (contact_id, pipeline_id, owner_id, title, amount_cents, created_at)
		SELECT d.contact_id, d.pipeline_id, d.owner_id, 'Older lead ' || g, 100, now() - g * interval '1 hour'
		FROM deals d, generate_series(1, 30) g WHERE d.id = $1`, dealID); err != nil {
		t.Fatal(err)
	}
	step("show more",
		chromedp.Navigate(a.srv.URL+"/crm"),
		chromedp.WaitVisible(chromedp.CSS(`.board-column[data-kind="lead"] .show-more`)),
		chromedp.Poll[chromedp.Void](`document.querySelectorAll('.board-column[data-kind="lead"] .deal-card').length === 25`),
		chromedp.Click(chromedp.CSS(`.board-column[data-kind="lead"] .show-more`)),
		chromedp.Poll[chromedp.Void](`document.querySelectorAll('.board-column[data-kind="lead"] .deal-card').length === 30
			&& !document.querySelector('.board-column[data-kind="lead"] .show-more')`),
	)
	if loc, _ := chromedp.Run(ctx, chromedp.Location()); !strings.HasSuffix(loc, "/crm") {
		t.Errorf("Show more left the board for %s", loc)
	}

	step("log a call",
		chromedp.Click(chromedp.CSS(`.board-column[data-kind="qualified"] `+card+` .deal-title`)),
		chromedp.WaitVisible(chromedp.CSS(`#f-body`)),
		chromedp.SetValue(chromedp.CSS(`#f-type`), "call"),
		chromedp.SendKeys(chromedp.CSS(`#f-body`), "Discovery call with Jane: budget confirmed."),
		chromedp.Click(chromedp.CSS(`form[action$="/activities"] button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`.flash-success`)),
	)
	timeline := text(`#timeline`)
	call := strings.Index(timeline, "Discovery call with Jane: budget confirmed.")
	move := strings.Index(timeline, "moved it from Lead to Qualified")
	if call < 0 || move < 0 || call > move {
		t.Errorf("timeline (newest first) lacks the call above the stage change:\n%s", timeline)
	}
	screenshot(t, ctx, "crm-deal")
}
