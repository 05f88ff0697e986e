package server_test

import (
	"context"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"rapport/internal/auth"
)

// The support journey in real Chromium, two people in two browsers: a customer files a
// ticket; the agent sees it in the queue, adds an internal note and a public reply that
// sets it pending; the customer sees the reply and not the note, replies, and the ticket
// is open again; the agent solves it. Along the way the queue updates live when
// another ticket arrives.
func TestJourneyDesk(t *testing.T) {
	t.Parallel()
	a := newDeskApp(t)
	a.user(auth.RoleCustomer, "carol@example.com")
	a.user(auth.RoleAgent, "jordan@example.com")
	const (
		subject = "Invoice shows the wrong VAT number"
		request = "Our March invoice has our old VAT number.\nCan you reissue it?"
		note    = "NOTE-FOR-AGENTS: finance must approve reissues"
		answer  = "Happy to reissue it. What is the correct VAT number?"
		again   = "It is GB 123 4567 89."
	)
	do := func(ctx context.Context, what string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, actions...); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	text := func(ctx context.Context, sel string) string {
		t.Helper()
		s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
		if err != nil {
			t.Fatalf("text of %s: %v", sel, err)
		}
		return s
	}

	// The customer files a ticket through the form.
	customer := chrome(t)
	signInWithBrowser(t, customer, a, "carol@example.com")
	do(customer, "file a ticket",
		chromedp.Navigate(a.srv.URL+"/support/new"),
		chromedp.WaitVisible(chromedp.CSS(`#f-subject`)),
		chromedp.SendKeys(chromedp.CSS(`#f-subject`), subject),
		chromedp.SendKeys(chromedp.CSS(`#f-body`), request),
		chromedp.Click(chromedp.CSS(`form[action="/support/tickets"] button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`.thread .msg-body`)),
	)
	ticketURL, err := chromedp.Run(customer, chromedp.Location())
	if err != nil {
		t.Fatal(err)
	}
	id := ticketURL[strings.LastIndex(ticketURL, "/")+1:]
	if got := text(customer, `.thread .msg-body`); got != request {
		t.Fatalf("the request reads %q", got)
	}

	// The agent finds it in the queue, live: a second ticket appears without a reload.
	agent := chrome(t)
	signInWithBrowser(t, agent, a, "jordan@example.com")
	do(agent, "open the queue",
		chromedp.Navigate(a.srv.URL+"/desk"),
		chromedp.WaitVisible(chromedp.CSS(`tr[data-ticket="`+id+`"]`)),
		chromedp.WaitReady(chromedp.CSS(`body[data-live="on"]`)),
	)
	carol := a.browser()
	carol.signIn("carol@example.com")
	r := carol.post("/support/tickets", url.Values{"subject": {"Second question"}, "body": {"Unrelated."}})
	second := r.location[strings.LastIndex(r.location, "/")+1:]
	wctx, cancel := context.WithTimeout(agent, 15*time.Second)
	if err := chromedp.Do(wctx, chromedp.WaitVisible(chromedp.CSS(`tr[data-ticket="`+second+`"]`))); err != nil {
		t.Fatalf("the new ticket did not appear in the open queue: %v", err)
	}
	cancel()
	screenshot(t, agent, "desk-queue")

	// An internal note, then a public reply that sets the ticket pending, in one submit.
	do(agent, "open the ticket",
		chromedp.Click(chromedp.CSS(`tr[data-ticket="`+id+`"] a`)),
		chromedp.WaitVisible(chromedp.CSS(`#ticket-form`)),
	)
	do(agent, "add an internal note",
		chromedp.SendKeys(chromedp.CSS(`#f-body`), note),
		chromedp.Click(chromedp.CSS(`#f-is_internal`)),
		chromedp.Click(chromedp.CSS(`#ticket-form button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`.msg-internal`)),
	)
	do(agent, "reply and set pending",
		chromedp.SendKeys(chromedp.CSS(`#f-body`), answer),
		chromedp.SetValue(chromedp.CSS(`#f-status`), "pending"),
		chromedp.Click(chromedp.CSS(`#ticket-form button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`.page-head .badge.status-pending`)),
	)
	if got := text(agent, `.flash`); got != "Reply sent; the ticket is pending." {
		t.Errorf("flash %q", got)
	}
	if got := text(agent, `.msg-internal .msg-body`); got != note {
		t.Errorf("the note reads %q", got)
	}
	screenshot(t, agent, "desk-ticket")

	// The customer sees the reply and not the note, and answers: the ticket is open again.
	do(customer, "read the reply",
		chromedp.Navigate(ticketURL),
		chromedp.WaitVisible(chromedp.CSS(`.badge.status-pending`)),
	)
	thread := text(customer, `.thread`)
	if !strings.Contains(thread, answer) || strings.Contains(thread, "NOTE-FOR-AGENTS") {
		t.Fatalf("the customer's thread:\n%s", thread)
	}
	html, err := chromedp.Run(customer, chromedp.OuterHTML(chromedp.CSS(`html`)))
	if err != nil || strings.Contains(html, "NOTE-FOR-AGENTS") || strings.Contains(html, "finance") {
		t.Fatalf("the note is somewhere in the customer's page (%v)", err)
	}
	do(customer, "reply",
		chromedp.SendKeys(chromedp.CSS(`#f-body`), again),
		chromedp.Click(chromedp.CSS(`.reply button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`.page-head .badge.status-open`)),
	)
	if got := text(customer, `.flash`); got != "Your reply was sent." {
		t.Errorf("customer's flash %q", got)
	}

	// The agent sees the answer and solves the ticket.
	do(agent, "solve",
		chromedp.Navigate(a.srv.URL+"/desk/tickets/"+id),
		chromedp.WaitVisible(chromedp.CSS(`.page-head .badge.status-open`)),
		chromedp.SetValue(chromedp.CSS(`#f-status`), "solved"),
		chromedp.Click(chromedp.CSS(`#ticket-form button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`.page-head .badge.status-solved`)),
	)
	if !strings.Contains(text(agent, `.thread`), again) {
		t.Error("the agent does not see the customer's answer")
	}
	if s := a.count(t, `SELECT count(*) FROM tickets WHERE id = $1 AND status = 'solved' AND solved_at IS NOT NULL`, id); s != 1 {
		t.Fatal("the ticket is not solved in the database")
	}
}
