package server_test

import (
	"net/http"
	"regexp"
	"testing"
)

// Reports: the numbers for a known month, as SVG charts drawn with attributes only
// (the CSP forbids inline styles), with the numbers beside them.
func TestDeskReports(t *testing.T) {
	t.Parallel()
	d := newDesk(t)
	// Four urgent tickets opened 10 days ago (target 30m, 4h): first replies after 10,
	// 20, 40 and 80 minutes; two solved after 2h and 6h.
	d.a.exec(t, `INSERT INTO tickets (id, requester_id, subject, status, priority, created_at)
		SELECT ('00000000-0000-0000-0000-00000000000' || g)::uuid, $1, 'R' || g,
		       CASE WHEN g <= 2 THEN 'solved' ELSE 'open' END, 'urgent', date_trunc('minute', now()) - interval '10 days'
		FROM generate_series(1, 4) g`, d.carol.ID)
	d.a.exec(t, `INSERT INTO ticket_messages (ticket_id, author_id, body, created_at)
		SELECT t.id, $1, 'reply', t.created_at + v.mins * interval '1 minute'
		FROM tickets t JOIN (VALUES ('R1', 10), ('R1', 120), ('R2', 20), ('R2', 360), ('R3', 40), ('R4', 80)) v(subject, mins) ON v.subject = t.subject`, d.jordan.ID)

	r := d.jordanB.get("/desk/reports")
	wantStatus(t, "reports", r, http.StatusOK)
	mustContain(t, r,
		// First response: median of 10, 20, 40, 80 is 30m; p90 is 68m; 2 of 4 within 30m.
		"<td>Urgent</td><td>4</td><td>30m</td><td>1h8m</td>",
		// Resolution: 2h and 6h, median 4h, p90 5h36m; 1 of 2 solved within 4h, and the
		// two still open past 4h count as missed.
		"<td>Urgent</td><td>2</td><td>4h</td><td>5h36m</td>",
		"<td>Urgent</td><td>50.0% (2 of 4)</td><td>25.0% (1 of 4)</td>",
		`<svg class="chart bar-chart"`, `<svg class="chart line-chart"`, `<polyline class="series prio-line-urgent"`,
		"Backlog by priority")
	if regexp.MustCompile(`<[^>]+\sstyle=`).MatchString(r.body) {
		t.Error("an element has an inline style attribute")
	}
	// Today's backlog: the two open urgent tickets.
	mustContain(t, r, `<span class="key prio-key-urgent"></span>Urgent</td><td>2</td>`)
}
