package desk

import (
	"context"
	"testing"
	"time"
)

// The backlog's running sum gives each day the tickets created by its end and not yet
// solved by then.
func TestBacklogByDay(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.exec(`INSERT INTO tickets (requester_id, subject, status, priority, created_at, solved_at) VALUES
		($1, 'A', 'open', 'urgent', date_trunc('day', now()) - interval '5 days' + interval '12 hours', NULL),
		($1, 'B', 'solved', 'high', date_trunc('day', now()) - interval '40 days', date_trunc('day', now()) - interval '3 days' + interval '1 hour'),
		($1, 'C', 'closed', 'normal', date_trunc('day', now()) - interval '2 days' + interval '1 hour', date_trunc('day', now()) - interval '2 days' + interval '3 hours'),
		($1, 'D', 'solved', 'low', date_trunc('day', now()) - interval '60 days', date_trunc('day', now()) - interval '50 days')`, f.customer.ID)
	rep, err := loadReport(context.Background(), f.d.DB, reportDays)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Backlog) != reportDays*4 {
		t.Fatalf("%d points, want %d", len(rep.Backlog), reportDays*4)
	}
	today := rep.Backlog[len(rep.Backlog)-1].Day
	for _, p := range rep.Backlog {
		daysAgo := int(today.Sub(p.Day).Round(time.Hour) / (24 * time.Hour))
		want := 0
		switch p.Priority {
		case "urgent":
			if daysAgo <= 5 {
				want = 1
			}
		case "high":
			if daysAgo > 3 {
				want = 1
			}
		}
		if p.Count != want {
			t.Errorf("%s, %d days ago: %d, want %d", p.Priority, daysAgo, p.Count, want)
		}
	}
	chart := backlogChart(rep.Backlog)
	if chart.Empty || len(chart.Lines) != 4 || chart.Lines[0].Priority != "urgent" || chart.Lines[0].Last != 1 {
		t.Fatalf("chart: %+v", chart.Lines)
	}
}
