package server_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"rapport/internal/auth"
	"rapport/internal/crm"
)

// A rep plans the next step in real Chromium: from the deal's page, plan a call for
// today through the form; the board's card shows it due today (green) and the
// navigation counts it; on My activities, the row's Done button (a plain form) marks it
// done and comes back; the deal's timeline shows the call completed, and the card now
// warns that nothing is planned.
func TestJourneyPlannedActivity(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	ctx0 := context.Background()
	rep := a.user(auth.RoleSales, "rep@example.com")
	pipe, err := crm.CreatePipeline(ctx0, a.db.DB, "Inbound")
	if err != nil {
		t.Fatal(err)
	}
	name := "Jane Doe"
	contact, err := crm.CreateContact(ctx0, a.db.DB, crm.ContactFields{Email: "jane@acme.com", Name: &name, OwnerID: rep.ID})
	if err != nil {
		t.Fatal(err)
	}
	deal, err := crm.CreateDeal(ctx0, a.db.DB, crm.DealFields{Title: "Acme – Starter plan", ContactID: contact, PipelineID: pipe,
		OwnerID: rep.ID, AmountCents: 1_250_000, Stage: crm.StageLead})
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
	card := `#deal-` + deal

	step("the card before: nothing planned",
		chromedp.Navigate(a.srv.URL+"/crm"),
		chromedp.WaitVisible(chromedp.CSS(card+` .deal-next.due-none`)),
	)
	step("plan a call from the deal's page",
		chromedp.Navigate(a.srv.URL+"/crm/deals/"+deal),
		chromedp.Click(chromedp.CSS(`#planned a.button`)),
		chromedp.WaitVisible(chromedp.CSS(`#f-subject`)),
		chromedp.SendKeys(chromedp.CSS(`#f-subject`), "Call Jane about seats"),
		chromedp.SetValue(chromedp.CSS(`#f-due_date`), time.Now().UTC().Format(time.DateOnly)),
		chromedp.Click(chromedp.CSS(`form.activity-form button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`.flash-success`)),
	)
	if got := text(`.flash`); !strings.Contains(got, "Call planned for Today") {
		t.Errorf("flash after planning: %q", got)
	}
	if got := text(`#planned .activity-list`); !strings.Contains(got, "Call Jane about seats") || !strings.Contains(got, "Today") {
		t.Errorf("the deal page's planned list: %q", got)
	}
	step("the card: due today",
		chromedp.Navigate(a.srv.URL+"/crm"),
		chromedp.WaitVisible(chromedp.CSS(card+` .deal-next.due-today`)),
	)
	if got := text(card + ` .deal-next`); !strings.Contains(got, "Today") {
		t.Errorf("the card's next activity: %q", got)
	}
	if got := text(`nav a[href="/crm/activities"] .nav-count`); !strings.HasPrefix(got, "1") {
		t.Errorf("the navigation's count: %q", got)
	}
	screenshot(t, ctx, "activities-board")

	step("mark it done from My activities",
		chromedp.Click(chromedp.CSS(`nav a[href="/crm/activities"]`)),
		chromedp.WaitVisible(chromedp.CSS(`.activity-group.group-today .activity-row`)),
	)
	screenshot(t, ctx, "activities-list")
	step("done",
		chromedp.Click(chromedp.CSS(`.activity-group.group-today .done-form button`)),
		chromedp.WaitVisible(chromedp.CSS(`.flash-success`)),
	)
	if got := text(`.flash`); got != "Done: Call Jane about seats." {
		t.Errorf("flash after done: %q", got)
	}
	if loc, _ := chromedp.Run(ctx, chromedp.Location()); !strings.HasSuffix(loc, "/crm/activities") {
		t.Errorf("after done the browser is at %q, want My activities", loc)
	}
	step("the deal's timeline",
		chromedp.Navigate(a.srv.URL+"/crm/deals/"+deal),
		chromedp.WaitVisible(chromedp.CSS(`#timeline .kind-planned`)),
	)
	if got := text(`#timeline .kind-planned`); !strings.Contains(got, "completed it") || !strings.Contains(got, "Call Jane about seats") {
		t.Errorf("the timeline's entry: %q", got)
	}
	screenshot(t, ctx, "activities-timeline")
	step("the card after: nothing planned",
		chromedp.Navigate(a.srv.URL+"/crm"),
		chromedp.WaitVisible(chromedp.CSS(card+` .deal-next.due-none`)),
	)
}
