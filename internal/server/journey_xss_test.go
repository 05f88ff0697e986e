package server_test

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"rapport/internal/auth"
	"rapport/internal/crm"
)

// Injections that would set window.__xss if a page ran them: a script element, an
// attribute breakout into an event handler, an SVG onload, and breakouts from a
// textarea and from the title.
const (
	xssScript   = `<script>window.__xss='script'</script>`
	xssImg      = `"><img src=x onerror="window.__xss='img'">`
	xssSVG      = `'><svg onload="window.__xss='svg'">`
	xssTextarea = `</textarea><script>window.__xss='textarea'</script>`
	xssTitle    = `</title><script>window.__xss='title'</script>`
)

// xssProbe runs in every page before the page's own scripts: it records each CSP
// violation, which is what an injected inline script or handler would cause.
const xssProbe = `window.__csp = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__csp.push(e.effectiveDirective + ": " + (e.sample || e.blockedURI));
});`

// xssState is what a page shows of an injection after it loaded.
type xssState struct {
	XSS      string   `json:"xss"`      // window.__xss, "" when no injection ran
	Injected []string `json:"injected"` // elements an injection would have created
	Inline   int      `json:"inline"`   // inline <script> elements (the app has none)
	CSP      []string `json:"csp"`      // violations the CSP reported
	Shows    bool     `json:"shows"`    // the injection is on the page, as text
	Title    string   `json:"title"`
}

const xssStateJS = `(function (visible) {
  var injected = [];
  document.querySelectorAll('img[src="x"], svg[onload], [onerror], [onload]').forEach(function (el) {
    injected.push(el.outerHTML.slice(0, 80));
  });
  return {
    xss: window.__xss === undefined ? "" : String(window.__xss),
    injected: injected,
    inline: Array.prototype.filter.call(document.scripts, function (s) { return !s.src; }).length,
    csp: window.__csp || [],
    shows: visible === "" || document.body.innerText.indexOf(visible) >= 0 ||
      Array.prototype.some.call(document.querySelectorAll("input, textarea"), function (el) { return el.value.indexOf(visible) >= 0; }),
    title: document.title
  };
})(%q)`

// xssBrowser is a browser context of its own (cookies apart) in the test's Chromium,
// with the probe installed, signed in as email.
func xssBrowser(t *testing.T, base context.Context, a *app, email string) context.Context {
	t.Helper()
	ctx, cancel := chromedp.NewContext(base, chromedp.WithNewBrowserContext())
	t.Cleanup(cancel)
	if _, err := chromedp.Call(ctx, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: xssProbe}); err != nil {
		t.Fatalf("install the probe: %v", err)
	}
	signInWithBrowser(t, ctx, a, email)
	return ctx
}

// checkNoXSS looks at the page ctx shows: no injection ran or made an element, the CSP
// had nothing to block, and visible (an injection) is on the page as text.
func checkNoXSS(t *testing.T, ctx context.Context, what, visible string) {
	t.Helper()
	s, err := chromedp.Run(ctx, chromedp.Evaluate[xssState](fmt.Sprintf(xssStateJS, visible)))
	if err != nil {
		t.Errorf("%s: read the page: %v", what, err)
		return
	}
	if s.XSS != "" {
		t.Errorf("%s: XSS: the %q injection ran", what, s.XSS)
	}
	if len(s.Injected) > 0 {
		t.Errorf("%s: injected elements on the page: %q", what, s.Injected)
	}
	if s.Inline > 0 {
		t.Errorf("%s: %d inline script elements on the page", what, s.Inline)
	}
	for _, v := range s.CSP {
		if strings.HasPrefix(v, "script-src") {
			t.Errorf("%s: the CSP blocked an injected script (%s): it reached the page unescaped", what, v)
		}
	}
	if !s.Shows {
		t.Errorf("%s: the injection %q is not on the page as text: the test did not look at it", what, visible)
	}
}

// visit opens path in ctx and checks it; the CSP header of every page forbids inline
// scripts, so even an injection that escaped the templates could not run.
func visit(t *testing.T, ctx context.Context, a *app, path, visible string) {
	t.Helper()
	resp, err := chromedp.Run(ctx, chromedp.NavigateResponse(a.srv.URL+path))
	if err != nil {
		t.Errorf("GET %s: %v", path, err)
		return
	}
	if resp.Status != 200 {
		t.Errorf("GET %s: status %d", path, resp.Status)
	}
	csp, _ := resp.Headers["Content-Security-Policy"].(string)
	if !strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "unsafe-inline") || strings.Contains(csp, "unsafe-eval") {
		t.Errorf("GET %s: Content-Security-Policy %q allows inline scripts", path, csp)
	}
	checkNoXSS(t, ctx, "GET "+path, visible)
}

// TestXSSJourney stores script and attribute injections in every kind of record, through
// the forms in Chromium and through the database, then opens every page that shows them
// as each role: no injection runs, none becomes an element, and the CSP would have
// blocked them anyway. The live desk (server-sent events re-rendering the queue and the
// ticket's notice) is exercised too.
func TestXSSJourney(t *testing.T) {
	t.Parallel()
	a := newDeskApp(t)
	ctx := context.Background()
	cust := a.user(auth.RoleCustomer, "carol@example.com")
	rep := a.user(auth.RoleSales, "rita@example.com")
	a.user(auth.RoleAgent, "jordan@example.com")
	mallory := a.user(auth.RoleAgent, "mallory@example.com")
	a.user(auth.RoleAdmin, "ada@example.com")
	for id, name := range map[string]string{cust.ID: "Carol " + xssImg, rep.ID: "Rita " + xssSVG, mallory.ID: xssScript} {
		a.exec(t, `UPDATE "user" SET name = $2 WHERE id = $1`, id, name)
	}
	pipe, err := crm.CreatePipeline(ctx, a.db.DB, "Pipe "+xssSVG)
	if err != nil {
		t.Fatal(err)
	}
	base := chrome(t)

	// Through the forms: the rep adds a company, the customer files a ticket.
	repB := xssBrowser(t, base, a, "rita@example.com")
	if err := chromedp.Do(repB,
		chromedp.Navigate(a.srv.URL+"/crm/companies/new"),
		chromedp.WaitVisible(chromedp.CSS(`#f-name`)),
		chromedp.SendKeys(chromedp.CSS(`#f-name`), "Acme "+xssImg),
		chromedp.SendKeys(chromedp.CSS(`#f-domain`), "acme.com"),
		chromedp.Click(chromedp.CSS(`form[action="/crm/companies"] button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`.flash-success`)),
	); err != nil {
		t.Fatalf("add the company: %v", err)
	}
	checkNoXSS(t, repB, "the company page after adding it (its flash names it)", "Acme "+xssImg)
	co, err := crm.CompanyByDomain(ctx, a.db.DB, "acme.com")
	if err != nil || co.Name != "Acme "+xssImg {
		t.Fatalf("the company typed in Chromium: %+v, %v", co, err)
	}
	custB := xssBrowser(t, base, a, "carol@example.com")
	if err := chromedp.Do(custB,
		chromedp.Navigate(a.srv.URL+"/support/new"),
		chromedp.WaitVisible(chromedp.CSS(`#f-subject`)),
		chromedp.SendKeys(chromedp.CSS(`#f-subject`), "Help "+xssTitle),
		chromedp.SendKeys(chromedp.CSS(`#f-body`), xssScript+"\n"+xssTextarea+"\n"+xssImg),
		chromedp.Click(chromedp.CSS(`form[action="/support/tickets"] button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`.thread .msg-body`)),
	); err != nil {
		t.Fatalf("file the ticket: %v", err)
	}
	var ticket string
	if err := a.db.DB.QueryRow(ctx, `SELECT id::text FROM tickets WHERE requester_id = $1`, cust.ID).Scan(&ticket); err != nil {
		t.Fatal(err)
	}

	// Through the database: the CRM records around the customer, and the desk's note
	// and reply.
	contactName := "Contact " + xssScript
	contact, err := crm.CreateContact(ctx, a.db.DB, crm.ContactFields{Email: "carol@example.com", Name: &contactName, CompanyID: &co.ID, OwnerID: rep.ID})
	if err != nil {
		t.Fatal(err)
	}
	deal, err := crm.CreateDeal(ctx, a.db.DB, crm.DealFields{Title: xssScript + xssSVG, ContactID: contact, PipelineID: pipe,
		OwnerID: rep.ID, AmountCents: 100_000, Stage: "lead"})
	if err != nil {
		t.Fatal(err)
	}
	if err := crm.LogActivity(ctx, a.db.DB, crm.Actor{ID: rep.ID}, deal, "note", xssTextarea+xssImg); err != nil {
		t.Fatal(err)
	}
	jordan := a.browser()
	jordan.signIn("jordan@example.com")
	d := &desk{a: a}
	for _, m := range []url.Values{{"body": {xssImg}, "is_internal": {"1"}}, {"body": {"Public " + xssScript}}} {
		if r := d.submit(t, jordan, ticket, m); r.status != 303 {
			t.Fatalf("agent's message: %d", r.status)
		}
	}

	// The rep's pages.
	for _, p := range []struct{ path, visible string }{
		{"/crm?owner_id=any&pipeline=" + pipe, xssScript + xssSVG},
		{"/crm/column?stage=lead&owner_id=any&pipeline=" + pipe, xssScript + xssSVG},
		{"/crm/deals/" + deal, xssTextarea + xssImg},
		{"/crm/deals/" + deal + "/edit", xssScript + xssSVG},
		{"/crm/deals?owner_id=any", xssScript + xssSVG},
		{"/crm/companies/" + co.ID, "Acme " + xssImg},
		{"/crm/companies/" + co.ID + "/edit", "Acme " + xssImg},
		{"/crm/companies", "Acme " + xssImg},
		{"/crm/contacts/" + contact, "Help " + xssTitle},
		{"/crm/contacts?owner_id=any", contactName},
		{"/crm/contacts/" + contact + "/edit", contactName},
		{"/crm/overview", ""},
	} {
		visit(t, repB, a, p.path, p.visible)
	}
	// A refused form comes back with what was typed, escaped in its value.
	if err := chromedp.Do(repB,
		chromedp.Navigate(a.srv.URL+"/crm/deals/"+deal+"/edit"),
		chromedp.WaitVisible(chromedp.CSS(`#f-amount`)),
		chromedp.SetValue(chromedp.CSS(`#f-amount`), "not money "+xssImg),
		chromedp.Click(chromedp.CSS(`form[action="/crm/deals/`+deal+`"] button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`#f-amount-error`)),
	); err != nil {
		t.Fatalf("refused deal form: %v", err)
	}
	checkNoXSS(t, repB, "the refused deal form", "not money "+xssImg)

	// The agent's pages, with the live queue and the ticket's live notice.
	agentB := xssBrowser(t, base, a, "jordan@example.com")
	visit(t, agentB, a, "/desk/tickets/"+ticket, xssTextarea)
	checkNoXSS(t, agentB, "the desk's ticket page: the internal note", xssImg)
	checkNoXSS(t, agentB, "the desk's ticket page: the side panel", contactName)
	if err := chromedp.Do(agentB, chromedp.WaitReady(chromedp.CSS(`body[data-live="on"]`))); err != nil {
		t.Fatalf("the ticket page's live stream: %v", err)
	}
	malloryB := a.browser()
	malloryB.signIn("mallory@example.com")
	if r := d.submit(t, malloryB, ticket, url.Values{"body": {"Me too"}}); r.status != 303 {
		t.Fatalf("mallory's reply: %d", r.status)
	}
	wctx, cancel := context.WithTimeout(agentB, 15*time.Second)
	err = chromedp.Do(wctx, chromedp.WaitVisible(chromedp.CSS(`#live-ticket`)))
	cancel()
	if err != nil {
		t.Fatalf("the live notice of mallory's reply: %v", err)
	}
	checkNoXSS(t, agentB, "the live notice naming "+xssScript, xssScript+" replied")
	screenshot(t, agentB, "xss-desk-ticket")

	visit(t, agentB, a, "/desk", "Help "+xssTitle)
	if err := chromedp.Do(agentB, chromedp.WaitReady(chromedp.CSS(`body[data-live="on"]`))); err != nil {
		t.Fatalf("the queue's live stream: %v", err)
	}
	carol := a.browser()
	carol.signIn("carol@example.com")
	r := carol.post("/support/tickets", url.Values{"subject": {"Live " + xssImg}, "body": {"Live " + xssScript}})
	second := strings.TrimPrefix(r.location, "/support/tickets/")
	wctx, cancel = context.WithTimeout(agentB, 15*time.Second)
	err = chromedp.Do(wctx, chromedp.WaitVisible(chromedp.CSS(`tr[data-ticket="`+second+`"]`)))
	cancel()
	if err != nil {
		t.Fatalf("the live queue did not show the new ticket: %v", err)
	}
	checkNoXSS(t, agentB, "the live queue after a refresh in place", "Live "+xssImg)
	visit(t, agentB, a, "/crm/companies/"+co.ID, contactName)
	visit(t, agentB, a, "/crm/contacts/"+contact, xssTextarea+xssImg)

	// The customer's pages: their list and the ticket, without the note.
	visit(t, custB, a, "/support", "Help "+xssTitle)
	visit(t, custB, a, "/support/tickets/"+ticket, "Public "+xssScript)
	if s, err := chromedp.Run(custB, chromedp.Evaluate[bool](`document.body.innerText.indexOf('onerror="window.__xss=\'img\'">') >= 0 &&
		document.querySelectorAll(".msg-internal").length === 0`)); err != nil || !s {
		t.Errorf("the customer's ticket page: the requester's own text must show and no note: %v %v", s, err)
	}

	// The admin's pages.
	adminB := xssBrowser(t, base, a, "ada@example.com")
	for _, p := range []struct{ path, visible string }{
		{"/admin/users", "Carol " + xssImg},
		{"/admin/users/" + cust.ID, "Carol " + xssImg},
		{"/admin/users?q=" + url.QueryEscape(xssSVG), "Rita " + xssSVG},
		{"/admin/agents", xssScript},
		{"/admin/pipelines", "Pipe " + xssSVG},
		{"/admin/pipelines/" + pipe, "Pipe " + xssSVG},
	} {
		visit(t, adminB, a, p.path, p.visible)
	}

	// And the CSP holds on its own: an inline script and an inline handler put in the
	// page by script are blocked, and reported.
	probe, err := chromedp.Run(adminB, chromedp.Evaluate[[]any](`(async function () {
		var s = document.createElement("script");
		s.textContent = "window.__cspScript = 1";
		document.body.appendChild(s);
		var img = document.createElement("img");
		img.setAttribute("onerror", "window.__cspHandler = 1");
		img.src = "data:,not-an-image";
		document.body.appendChild(img);
		await new Promise(function (r) { setTimeout(r, 300); });
		return [window.__cspScript === undefined, window.__cspHandler === undefined, window.__csp.length];
	})()`, chromedp.EvalAwaitPromise))
	if err != nil || len(probe) != 3 || probe[0] != true || probe[1] != true || probe[2].(float64) < 2 {
		t.Errorf("the CSP did not block inline script: [script blocked, handler blocked, violations] = %v (%v)", probe, err)
	}
}
