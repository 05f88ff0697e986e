package server_test

import (
	"context"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"rapport/internal/auth"
)

// The desk's keyboard shortcuts in real Chromium (web/static/desk.js): "?" lists them;
// on the queue j/k move the highlight, x selects the row, o opens it; on the ticket page
// n starts an internal note, j goes to the queue's next ticket, a takes it, s sets the
// status to solved, u goes back to the queue.
func TestJourneyKeyboard(t *testing.T) {
	t.Parallel()
	a := newDeskApp(t)
	a.user(auth.RoleCustomer, "carol@example.com")
	a.user(auth.RoleAgent, "jordan@example.com")
	carol := a.browser()
	carol.signIn("carol@example.com")
	for _, s := range []string{"First by keyboard", "Second by keyboard"} {
		if r := carol.post("/support/tickets", map[string][]string{"subject": {s}, "body": {"Please help."}}); r.status != 303 {
			t.Fatalf("file %q: %d", s, r.status)
		}
	}

	agent := chrome(t)
	signInWithBrowser(t, agent, a, "jordan@example.com")
	queue := a.srv.URL + "/desk?view=unassigned"
	if err := chromedp.Do(agent,
		chromedp.Navigate(queue),
		chromedp.WaitVisible(chromedp.CSS(`tr[data-ticket]`)),
		chromedp.WaitVisible(chromedp.CSS(`.kb-hint`)),
		chromedp.KeyEvent("?"),
		chromedp.WaitVisible(chromedp.CSS(`dialog#kb-help`)),
	); err != nil {
		t.Fatalf("queue and help: %v", err)
	}
	blur := chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
		_, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.activeElement.blur(), true`))
		return err
	})
	eval := func(what, js string) string {
		t.Helper()
		v, err := chromedp.Run(agent, chromedp.Evaluate[string](js))
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		return v
	}
	if got := eval("help", `document.getElementById("kb-help").textContent`); !strings.Contains(got, "Take the highlighted ticket") {
		t.Fatalf("the help lists %q", got)
	}
	ids := strings.Split(eval("rows", `Array.from(document.querySelectorAll("tr[data-ticket]")).map(r => r.dataset.ticket).join(",")`), ",")
	if len(ids) != 2 {
		t.Fatalf("queue rows %v", ids)
	}
	if err := chromedp.Do(agent, chromedp.KeyEvent("\u001b"), // Escape closes the dialog
		chromedp.WaitNotVisible(chromedp.CSS(`dialog#kb-help`)),
		chromedp.KeyEvent("j"), chromedp.KeyEvent("j"), chromedp.KeyEvent("k"), chromedp.KeyEvent("x")); err != nil {
		t.Fatalf("keys on the queue: %v", err)
	}
	if got := eval("highlight", `document.querySelector("tr.kb-current").dataset.ticket + " " +
		document.querySelector("tr.kb-current input[type=checkbox]").checked`); got != ids[0]+" true" {
		t.Fatalf("after j j k x: %q, want the first row highlighted and selected", got)
	}

	// o opens it; n starts an internal note.
	if err := chromedp.Do(agent, chromedp.KeyEvent("o"), chromedp.WaitVisible(chromedp.CSS(`#ticket-form`))); err != nil {
		t.Fatalf("open: %v", err)
	}
	if loc := eval("location", `location.pathname`); loc != "/desk/tickets/"+ids[0] {
		t.Fatalf("o opened %q, want ticket %s", loc, ids[0])
	}
	if err := chromedp.Do(agent, chromedp.KeyEvent("n")); err != nil {
		t.Fatal(err)
	}
	if got := eval("note", `document.activeElement.name + " " + document.querySelector("[name=is_internal]").checked`); got != "body true" {
		t.Fatalf("after n: %q, want the message box focused as an internal note", got)
	}
	// j from the ticket goes to the queue's next ticket; a takes it; s sets solved.
	if err := chromedp.Do(agent, blur, chromedp.KeyEvent("j"),
		chromedp.WaitVisible(chromedp.CSS(`#ticket-form`))); err != nil {
		t.Fatalf("next ticket: %v", err)
	}
	if loc := eval("location", `location.pathname`); loc != "/desk/tickets/"+ids[1] {
		t.Fatalf("j went to %q, want ticket %s", loc, ids[1])
	}
	if err := chromedp.Do(agent, chromedp.KeyEvent("a"), chromedp.WaitNotPresent(chromedp.CSS(`.page-head .take-form`))); err != nil {
		t.Fatalf("take: %v", err)
	}
	if n := a.count(t, `SELECT count(*) FROM tickets t JOIN "user" u ON u.id = t.assignee_id WHERE t.id = $1 AND u.email = 'jordan@example.com'`, ids[1]); n != 1 {
		t.Fatal("a did not make the ticket the agent's")
	}
	if err := chromedp.Do(agent, chromedp.KeyEvent("s")); err != nil {
		t.Fatal(err)
	}
	if got := eval("solve", `document.querySelector("select[name=status]").value`); got != "solved" {
		t.Fatalf("after s the status is %q", got)
	}
	screenshot(t, agent, "desk-keyboard-ticket")
	if err := chromedp.Do(agent, blur, chromedp.KeyEvent("u"),
		chromedp.WaitVisible(chromedp.CSS(`#queue`))); err != nil {
		t.Fatalf("back to the queue: %v", err)
	}
	if loc := eval("location", `location.pathname + location.search`); loc != "/desk?view=unassigned" {
		t.Fatalf("u went to %q", loc)
	}
}
