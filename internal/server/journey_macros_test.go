package server_test

import (
	"context"
	"html"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"rapport/internal/auth"
)

// Macros and satisfaction in real Chromium: the agent applies a macro that fills the
// reply and sets the ticket solved, edits nothing and saves; the thread says which macro;
// the customer opens the Good link of the email in a browser that is not signed in and
// presses Enter (the button is focused); the agent's page shows the rating.
func TestJourneyMacroAndRating(t *testing.T) {
	t.Parallel()
	a := newDeskApp(t)
	carolU := a.user(auth.RoleCustomer, "carol@example.com")
	jordan := a.user(auth.RoleAgent, "jordan@example.com")
	a.exec(t, `UPDATE "user" SET name = 'Carol Chen' WHERE id = $1`, carolU.ID)
	a.exec(t, `INSERT INTO macros (owner_id, name, body, status) VALUES ($1, 'Fixed, solving', 'Hello {{requester.first_name}}, it is fixed ({{ticket.ref}}).', 'solved')`, jordan.ID)
	var macro string
	if err := a.db.DB.QueryRow(context.Background(), `SELECT id FROM macros`).Scan(&macro); err != nil {
		t.Fatal(err)
	}
	carol := a.browser()
	carol.signIn("carol@example.com")
	r := carol.post("/support/tickets", url.Values{"subject": {"Export fails"}, "body": {"It times out."}})
	id := r.location[strings.LastIndex(r.location, "/")+1:]
	do := func(ctx context.Context, what string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, actions...); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}

	agent := chrome(t)
	signInWithBrowser(t, agent, a, "jordan@example.com")
	do(agent, "apply the macro",
		chromedp.Navigate(a.srv.URL+"/desk/tickets/"+id),
		chromedp.WaitVisible(chromedp.CSS(`#f-macro`)),
		chromedp.SetValue(chromedp.CSS(`#f-macro`), macro),
		chromedp.Click(chromedp.CSS(`form.macro-picker button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`.macro-applied`)),
	)
	body, err := chromedp.Run(agent, chromedp.Value(chromedp.CSS(`#f-body`)))
	if want := "Hello Carol, it is fixed (#" + id[:8] + ")."; err != nil || body != want {
		t.Fatalf("the reply reads %q (%v), want %q", body, err, want)
	}
	status, err := chromedp.Run(agent, chromedp.Value(chromedp.CSS(`#f-status`)))
	if err != nil || status != "solved" {
		t.Fatalf("the status is %q (%v)", status, err)
	}
	do(agent, "send",
		chromedp.Click(chromedp.CSS(`#ticket-form button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`.page-head .badge.status-solved`)),
		chromedp.WaitVisible(chromedp.CSS(`.thread .badge.macro`)),
	)
	screenshot(t, agent, "desk-macro-applied")

	var mailBody string
	if err := a.db.DB.QueryRow(context.Background(), `SELECT body FROM mail_outbox WHERE to_addr = 'carol@example.com' ORDER BY id DESC LIMIT 1`).Scan(&mailBody); err != nil {
		t.Fatal(err)
	}
	good, _ := csatLinks(t, []string{mailBody})
	phone := chrome(t)
	do(phone, "open the Good link",
		chromedp.Navigate(a.srv.URL+html.UnescapeString(good)),
		chromedp.WaitVisible(chromedp.CSS(`.csat-form button[autofocus]`)),
	)
	if n := a.count(t, `SELECT count(*) FROM ticket_ratings WHERE rating IS NOT NULL`); n != 0 {
		t.Fatal("opening the link recorded a rating")
	}
	do(phone, "press Enter",
		chromedp.KeyEvent("\r"),
		chromedp.WaitVisible(chromedp.CSS(`.csat-thanks`)),
	)
	screenshot(t, phone, "csat-thanks")
	if n := a.count(t, `SELECT count(*) FROM ticket_ratings WHERE ticket_id = $1 AND rating = 'good'`, id); n != 1 {
		t.Fatal("the rating was not recorded")
	}
	wctx, cancel := context.WithTimeout(agent, 15*time.Second)
	defer cancel()
	do(wctx, "see the rating",
		chromedp.Navigate(a.srv.URL+"/desk/tickets/"+id),
		chromedp.WaitVisible(chromedp.CSS(`.csat-card .csat-good`)),
	)
}
