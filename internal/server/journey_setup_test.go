package server_test

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// A new company in a real browser: the first page leads to /setup, a bad first try is
// answered beside its fields with what was typed kept, the second sets up the workspace
// and lands on /admin's checklist, and a rep-less pipeline is ready for the first deal.
func TestJourneyFirstRun(t *testing.T) {
	a := newFreshApp(t, nil)
	ctx := chrome(t)
	text := func(sel string) string {
		t.Helper()
		s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
		if err != nil {
			t.Fatalf("read %s: %v", sel, err)
		}
		return s
	}
	err := chromedp.Do(ctx,
		chromedp.Navigate(a.srv.URL+"/crm"),
		chromedp.WaitVisible(chromedp.CSS(`form[action="/setup"]`)),
		chromedp.SendKeys(chromedp.CSS(`#f-company`), "Bücher & Co <GmbH>"),
		chromedp.SetValue(chromedp.CSS(`#f-time_zone`), "Mars/Base"),
		chromedp.SendKeys(chromedp.CSS(`#f-name`), "Ada Lovelace"),
		chromedp.SendKeys(chromedp.CSS(`#f-email`), "ada@buecher.example"),
		chromedp.SendKeys(chromedp.CSS(`#f-password`), "short"),
		chromedp.Click(chromedp.CSS(`form[action="/setup"] button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`#f-time_zone-error`)),
	)
	if err != nil {
		t.Fatalf("first try: %v", err)
	}
	if loc, _ := chromedp.Run(ctx, chromedp.Location()); !strings.HasSuffix(loc, "/setup") {
		t.Fatalf("opening /crm on a fresh install led to %s", loc)
	}
	if msg := text(`#f-password-error`); !strings.Contains(msg, "10") {
		t.Errorf("password message %q", msg)
	}
	if v, _ := chromedp.Run(ctx, chromedp.Value(chromedp.CSS(`#f-company`))); v != "Bücher & Co <GmbH>" {
		t.Errorf("company kept as %q", v)
	}
	err = chromedp.Do(ctx,
		chromedp.SetValue(chromedp.CSS(`#f-time_zone`), "Europe/Berlin"),
		chromedp.SendKeys(chromedp.CSS(`#f-password`), "a long enough password"),
		chromedp.Click(chromedp.CSS(`form[action="/setup"] button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`#checklist-title`)),
	)
	if err != nil {
		t.Fatalf("setup: %v", err)
	}
	if got := text(`body`); !strings.Contains(got, "Welcome to Rapport, Bücher & Co <GmbH>.") || !strings.Contains(got, "Invite your staff") {
		t.Errorf("admin page after setup:\n%s", got)
	}
	screenshot(t, ctx, "setup-admin-checklist")
	// The default pipeline takes a deal at once.
	err = chromedp.Do(ctx, chromedp.Navigate(a.srv.URL+"/crm/deals/new"), chromedp.WaitVisible(chromedp.CSS(`form[action="/crm/deals"]`)))
	if err != nil {
		t.Fatalf("deal form: %v", err)
	}
	if got := text(`form[action="/crm/deals"]`); !strings.Contains(got, "Sales pipeline") {
		t.Errorf("the deal form offers no pipeline:\n%s", got)
	}
}
