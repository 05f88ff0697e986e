package server_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/jackc/pgx/v5"

	"rapport/internal/auth"
	"rapport/internal/crm"
)

// A rep's pipeline with its own stages in real Chromium (issue 10): drag a deal from
// Lead to the custom "Demo scheduled" column (crm.js posts the card's Move form), see
// the forecast weigh it at the stage's 60 %, mark it lost from its card with a reason
// (the Lost link's form), and see the forecast drop it and the timeline say why.
func TestJourneyStages(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	rep := a.user(auth.RoleSales, "rep@example.com")
	bg := context.Background()
	pipe, err := crm.CreatePipeline(bg, a.db.DB, "Inbound")
	if err != nil {
		t.Fatal(err)
	}
	var demo string
	if err := a.db.DB.InTx(bg, func(tx pgx.Tx) error {
		return tx.QueryRow(bg, `INSERT INTO pipeline_stages (pipeline_id, name, kind, position, probability, rotting_days)
			VALUES ($1, 'Demo scheduled', 'qualified', 5, 60, 14) RETURNING id::text`, pipe).Scan(&demo)
	}); err != nil {
		t.Fatal(err)
	}
	co, err := crm.CreateCompany(bg, a.db.DB, "Acme", nil)
	if err != nil {
		t.Fatal(err)
	}
	name := "Jane"
	jane, err := crm.CreateContact(bg, a.db.DB, crm.ContactFields{Email: "jane@acme.com", Name: &name, CompanyID: &co.ID, OwnerID: rep.ID})
	if err != nil {
		t.Fatal(err)
	}
	y, m, _ := time.Now().UTC().Date()
	closes := time.Date(y, m, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 1, 14) // mid next month
	dealID, err := crm.CreateDeal(bg, a.db.DB, crm.DealFields{Title: "Acme – Pro plan", ContactID: jane, PipelineID: pipe,
		OwnerID: rep.ID, AmountCents: 1_000_000, CloseDate: &closes, Stage: "lead"})
	if err != nil {
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
	card := `#deal-` + dealID
	column := `.board-column[data-stage="` + demo + `"]`
	step("board",
		chromedp.Navigate(a.srv.URL+"/crm"),
		chromedp.WaitVisible(chromedp.CSS(`.board-column[data-kind="lead"] `+card)),
	)
	if got := text(column + ` h2`); got != "Demo scheduled" {
		t.Fatalf("the custom column is called %q", got)
	}
	step("drag to Demo scheduled",
		chromedp.DragAndDrop(chromedp.CSS(card), chromedp.CSS(column+` .column-head`)),
		chromedp.Poll[chromedp.Void](`document.querySelector('`+column+` .column-count').textContent === "1"
			&& !document.getElementById("board").hasAttribute("aria-busy")`),
		chromedp.WaitVisible(chromedp.CSS(column+` `+card)),
	)
	if got := text(column + ` .column-stats`); got != "1 deal · $10,000 · $6,000 weighted" {
		t.Errorf("Demo scheduled after the drag: %q", got)
	}
	if got := text(`#pipeline-totals`); !strings.Contains(got, "$6,000 weighted") {
		t.Errorf("the pipeline's header: %q", got)
	}
	var stage, stageID string
	if err := a.db.DB.QueryRow(bg, `SELECT stage, stage_id::text FROM deals WHERE id = $1`, dealID).Scan(&stage, &stageID); err != nil ||
		stage != "qualified" || stageID != demo {
		t.Fatalf("in the database: %q %q, %v", stage, stageID, err)
	}
	screenshot(t, ctx, "crm-stages-board")

	step("forecast", chromedp.Navigate(a.srv.URL+"/crm/forecast"), chromedp.WaitVisible(chromedp.CSS(`#forecast-chart svg`)))
	if got := text(`#forecast-weighted-total`); got != "$6,000" {
		t.Fatalf("forecast weighted before the loss: %q", got)
	}
	screenshot(t, ctx, "crm-forecast")

	step("mark lost from the card",
		chromedp.Navigate(a.srv.URL+"/crm"),
		chromedp.WaitVisible(chromedp.CSS(column+` `+card)),
		chromedp.Click(chromedp.CSS(card+` a.lost-link`)),
		chromedp.WaitVisible(chromedp.CSS(`#f-reason`)),
		chromedp.SetValue(chromedp.CSS(`#f-reason`), reasonID(t, a, "Price")),
		chromedp.SendKeys(chromedp.CSS(`#f-note`), "They chose the cheaper plan."),
		chromedp.Click(chromedp.CSS(`form[action$="/lost"] button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`.flash-success`)),
	)
	if got := text(`.flash`); got != "Acme – Pro plan marked lost (Price)." {
		t.Errorf("flash after marking it lost: %q", got)
	}
	if loc, _ := chromedp.Run(ctx, chromedp.Location()); !strings.Contains(loc, "/crm?") {
		t.Errorf("marking it lost did not return to the board: %s", loc)
	}
	if n := a.count(t, `SELECT count(*) FROM deals WHERE id = $1 AND stage = 'lost' AND lost_reason = 'Price' AND closed_at IS NOT NULL`, dealID); n != 1 {
		t.Fatal("the deal is not lost for its reason in the database")
	}
	step("forecast after", chromedp.Navigate(a.srv.URL+"/crm/forecast"), chromedp.WaitVisible(chromedp.CSS(`#forecast-chart svg`)))
	if got := text(`#forecast-weighted-total`); got != "$0" {
		t.Errorf("forecast weighted after the loss: %q", got)
	}
	step("timeline", chromedp.Navigate(a.srv.URL+"/crm/deals/"+dealID), chromedp.WaitVisible(chromedp.CSS(`#timeline`)))
	timeline := text(`#timeline`)
	for _, want := range []string{"marked it lost (in Lost, from Demo scheduled)", "Reason: Price", "They chose the cheaper plan.",
		"moved it from Lead to Demo scheduled"} {
		if !strings.Contains(timeline, want) {
			t.Errorf("timeline lacks %q:\n%s", want, timeline)
		}
	}
	screenshot(t, ctx, "crm-stages-deal")
}

// reasonID is the id of the lost reason labelled label.
func reasonID(t *testing.T, a *app, label string) string {
	t.Helper()
	var id string
	if err := a.db.DB.QueryRow(context.Background(), `SELECT id::text FROM crm_lost_reasons WHERE label = $1`, label).Scan(&id); err != nil {
		t.Fatal(err)
	}
	return id
}
