package server_test

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"rapport/internal/auth"
)

// An agent's start of the day in real Chromium: the Unassigned view lists a new ticket,
// "Take it" on its row (a plain form post) makes it the agent's, and Mine counts it.
func TestJourneyTakeIt(t *testing.T) {
	t.Parallel()
	a := newDeskApp(t)
	a.user(auth.RoleCustomer, "carol@example.com")
	a.user(auth.RoleAgent, "jordan@example.com")
	carol := a.browser()
	carol.signIn("carol@example.com")
	r := carol.post("/support/tickets", map[string][]string{"subject": {"Locked out"}, "body": {"Please help."}})
	id := r.location[strings.LastIndex(r.location, "/")+1:]

	agent := chrome(t)
	signInWithBrowser(t, agent, a, "jordan@example.com")
	if err := chromedp.Do(agent,
		chromedp.Navigate(a.srv.URL+"/desk?view=unassigned"),
		chromedp.WaitVisible(chromedp.CSS(`tr[data-ticket="`+id+`"] .take-form button`)),
		chromedp.Click(chromedp.CSS(`tr[data-ticket="`+id+`"] .take-form button`)),
		// The Mine count is on the page before the post too (as 0), so wait for the
		// page after it: the row gone from Unassigned and Mine counting one.
		chromedp.WaitNotPresent(chromedp.CSS(`tr[data-ticket="`+id+`"]`)),
		chromedp.Poll[chromedp.Void](`(document.querySelector('a[href="/desk?view=mine"] .count') || {}).textContent === "1"`),
	); err != nil {
		t.Fatalf("take it: %v", err)
	}
	loc, err := chromedp.Run(agent, chromedp.Location())
	if err != nil || !strings.HasSuffix(loc, "/desk?view=unassigned") {
		t.Fatalf("after taking: at %q (%v)", loc, err)
	}
	mine, err := chromedp.Run(agent, chromedp.Text(chromedp.CSS(`a[href="/desk?view=mine"] .count`)))
	if err != nil || mine != "1" {
		t.Fatalf("Mine counts %q (%v)", mine, err)
	}
	screenshot(t, agent, "desk-take-it")
	if n := a.count(t, `SELECT count(*) FROM tickets t JOIN "user" u ON u.id = t.assignee_id WHERE t.id = $1 AND u.email = 'jordan@example.com'`, id); n != 1 {
		t.Fatal("the ticket is not the agent's")
	}
}
