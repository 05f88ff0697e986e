package server_test

import (
	"net/http"
	"strings"
	"testing"
)

// The board's next-activity filter, a plain GET form (no JavaScript): "overdue" keeps
// the deals whose next planned activity is past (an all-day one before today, a timed
// one before now), "none" the open deals with nothing planned; the totals follow, the
// select keeps the choice, the "Show more" links and the move forms' return keep it, and
// a value the form never offers is no filter.
func TestBoardNextActivityFilter(t *testing.T) {
	t.Parallel()
	w := newCRM(t) // w.deal: a lead with nothing planned
	late := w.newDeal("Late call deal", w.jane, w.rep, "lead", 200_000)
	lateTimed := w.newDeal("Late timed deal", w.jane, w.rep, "qualified", 300_000)
	soon := w.newDeal("Soon call deal", w.jane, w.rep, "qualified", 400_000)
	won := w.newDeal("Won deal", w.jane, w.rep, "won", 500_000)
	for _, p := range []struct{ deal, subject, day, clock string }{
		{late, "Yesterday's call", dayOffset(-1), ""},
		{lateTimed, "This morning's call", dayOffset(-1), "09:00"},
		{soon, "Tomorrow's call", dayOffset(1), ""},
	} {
		if r := w.repB.post("/crm/activities", planForm(p.deal, w.rep.ID, p.subject, p.day, p.clock)); r.status != http.StatusSeeOther {
			t.Fatalf("plan %q: %d\n%s", p.subject, r.status, r.body)
		}
	}
	shows := func(r response) map[string]bool {
		m := map[string]bool{}
		for name, id := range map[string]string{"starter": w.deal, "late": late, "lateTimed": lateTimed, "soon": soon, "won": won} {
			if cardOf(r, id) != "" {
				m[name] = true
			}
		}
		return m
	}
	for _, c := range []struct {
		query string
		want  []string
		total string // the pipeline header's open total
	}{
		{"", []string{"starter", "late", "lateTimed", "soon"}, "$21,500"},
		{"&next=overdue", []string{"late", "lateTimed"}, "$5,000"},
		{"&next=none", []string{"starter"}, "$12,500"},
		{"&next=none&closed=1", []string{"starter"}, "$12,500"}, // the won deal has none planned, but is not open
		{"&next=overdue&closed=1", []string{"late", "lateTimed"}, "$5,000"},
		{"&next=bogus", []string{"starter", "late", "lateTimed", "soon"}, "$21,500"},
	} {
		r := w.repB.get("/crm?owner_id=mine" + c.query)
		if r.status != http.StatusOK {
			t.Fatalf("%s: %d", c.query, r.status)
		}
		got := shows(r)
		if len(got) != len(c.want) {
			t.Errorf("%q shows %v, want %v", c.query, got, c.want)
		}
		for _, name := range c.want {
			if !got[name] {
				t.Errorf("%q does not show %s (shows %v)", c.query, name, got)
			}
		}
		head := between(r.body, `id="pipeline-totals"`, "</p>")
		if !strings.Contains(head, c.total) {
			t.Errorf("%q: the header says %q, want the open total %s", c.query, head, c.total)
		}
		if c.query == "&next=overdue" {
			if !strings.Contains(head, "as filtered") {
				t.Errorf("the filtered header does not say so: %q", head)
			}
			if !strings.Contains(r.body, `<option value="overdue" selected`) {
				t.Errorf("the filter's select does not keep overdue")
			}
			if !strings.Contains(cardOf(r, late), `name="next" value="/crm?`) || !strings.Contains(cardOf(r, late), "next=overdue") {
				t.Errorf("a card's move form does not return to the filtered board:\n%s", cardOf(r, late))
			}
		}
	}
}

// between is the text of s after the first from, up to the next to.
func between(s, from, to string) string {
	i := strings.Index(s, from)
	if i < 0 {
		return ""
	}
	s = s[i:]
	if j := strings.Index(s, to); j >= 0 {
		return s[:j]
	}
	return s
}
