package server_test

import (
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

var csatLinkRE = regexp.MustCompile(`(?m)^(Good|Bad):\s+http://rapport\.test(/csat/\S+)$`)

// csatLinks are the Good and Bad links of the last email that has them.
func csatLinks(t *testing.T, mails []string) (good, bad string) {
	t.Helper()
	for i := len(mails) - 1; i >= 0; i-- {
		for _, m := range csatLinkRE.FindAllStringSubmatch(mails[i], -1) {
			if m[1] == "Good" {
				good = m[2]
			} else {
				bad = m[2]
			}
		}
		if good != "" {
			return good, bad
		}
	}
	t.Fatalf("no rating links in %q", mails)
	return
}

// CSAT: a solve's email carries signed Good / Bad links; opening one records nothing
// (mail scanners), the page's button does, once; tampered links are 404s; a comment
// is kept verbatim and shown escaped; the ticket page and the report show the rating;
// a later solve asks again.
func TestDeskCSAT(t *testing.T) {
	t.Parallel()
	d := newDesk(t)
	a := d.a
	id := d.file(t, d.carolB, "Export fails", "It times out.")
	wantRedirect(t, "solve", d.submit(t, d.jordanB, id, url.Values{"body": {"Fixed it."}, "status": {"solved"}, "assignee_id": {d.jordan.ID}}), "/desk/tickets/"+id)
	good, bad := csatLinks(t, d.outbox(t))
	if bad == "" || good == bad {
		t.Fatalf("links %q %q", good, bad)
	}

	visitor := a.browser() // not signed in: a phone's mail client
	p := visitor.get(html.UnescapeString(good))
	wantStatus(t, "good link", p, http.StatusOK)
	mustContain(t, p, "Export fails", "Send: Good", "autofocus")
	if n := a.count(t, `SELECT count(*) FROM ticket_ratings WHERE ticket_id = $1 AND rating IS NULL`, id); n != 1 {
		t.Fatalf("opening the link recorded something: %d unanswered", n)
	}
	u, _ := url.Parse(good)
	q := u.Query()
	for _, tampered := range []string{
		u.Path + "?" + url.Values{"r": {"bad"}, "s": {q.Get("s")}}.Encode(),
		u.Path + "?" + url.Values{"r": {"good"}, "s": {q.Get("s") + "x"}}.Encode(),
		u.Path + "?r=good",
		"/csat/00000000-0000-4000-8000-000000000000?" + u.RawQuery,
		"/csat/not-a-uuid?" + u.RawQuery,
	} {
		if r := visitor.get(tampered); r.status != http.StatusNotFound {
			t.Errorf("GET %s: %d, want 404", tampered, r.status)
		}
	}
	r := visitor.post(u.Path, url.Values{"r": {"bad"}, "s": {q.Get("s")}})
	wantStatus(t, "tampered post", r, http.StatusNotFound)

	// The button records it, with a comment kept as written.
	r = visitor.post(u.Path, url.Values{"r": {"good"}, "s": {q.Get("s")}, "comment": {"<script>alert(1)</script> Quick!"}})
	if r.status != http.StatusSeeOther || !strings.HasPrefix(r.location, u.Path) {
		t.Fatalf("rate: %d to %q\n%s", r.status, r.location, r.body)
	}
	if n := a.count(t, `SELECT count(*) FROM ticket_ratings WHERE ticket_id = $1 AND rating = 'good' AND comment = '<script>alert(1)</script> Quick!' AND agent_id = $2 AND team = 'Tier 1'`, id, d.jordan.ID); n != 1 {
		t.Fatalf("rating rows: %d", n)
	}
	th := visitor.get(r.location)
	mustContain(t, th, "you rated our help <strong>Good</strong>", "&lt;script&gt;alert(1)&lt;/script&gt; Quick!")
	mustNotContain(t, th, "<script>alert(1)</script>")

	// The Bad link afterwards: the first rating stands.
	bu, _ := url.Parse(bad)
	mustContain(t, visitor.get(html.UnescapeString(bad)), "you rated our help <strong>Good</strong>", "counts once")
	visitor.post(bu.Path, url.Values{"r": {"bad"}, "s": {bu.Query().Get("s")}, "comment": {"second"}})
	if n := a.count(t, `SELECT count(*) FROM ticket_ratings WHERE ticket_id = $1 AND rating = 'good' AND comment LIKE '<script>%'`, id); n != 1 {
		t.Fatalf("a second click changed the rating")
	}

	// The agent's ticket page and the report.
	tp := d.jordanB.get("/desk/tickets/" + id)
	mustContain(t, tp, "Satisfaction", `csat-good">Good`, "&lt;script&gt;alert(1)&lt;/script&gt; Quick!")
	rep := d.jordanB.get("/desk/reports/satisfaction")
	wantStatus(t, "report", rep, http.StatusOK)
	mustContain(t, rep, "100 %", "Tier 1", d.jordan.Name)
	mustContain(t, d.jordanB.get("/desk/reports"), "/desk/reports/satisfaction")
	wantStatus(t, "customers get no report", d.carolB.get("/desk/reports/satisfaction"), http.StatusForbidden)

	// Reopened and solved again (without a reply): a new survey and new links.
	if r := d.carolB.post("/support/tickets/"+id+"/reply", url.Values{"body": {"Broken again."}}); r.status != http.StatusSeeOther {
		t.Fatalf("reopen: %d", r.status)
	}
	wantRedirect(t, "solve again", d.submit(t, d.jordanB, id, url.Values{"status": {"solved"}}), "/desk/tickets/"+id)
	good2, _ := csatLinks(t, d.outbox(t))
	if good2 == good {
		t.Fatal("the second solve reused the first links")
	}
	if n := a.count(t, `SELECT count(*) FROM ticket_ratings WHERE ticket_id = $1`, id); n != 2 {
		t.Fatalf("%d surveys, want 2", n)
	}
	mustContain(t, d.jordanB.get("/desk/tickets/"+id), "no answer yet")
}
