package desk

import (
	"context"
	"testing"
)

// A saved view's count (desk_view_count, in the database) is the queue's count of the
// same filters (countSQL), for every kind of filter.
func TestSavedViewCountsMatchTheQueue(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	f.exec(`INSERT INTO tickets (requester_id, subject, status, priority, team, assignee_id, created_at)
		SELECT $1, 'T' || g, (ARRAY['open', 'pending', 'solved', 'open'])[1 + g % 4],
		       (ARRAY['low', 'normal', 'high', 'urgent'])[1 + g % 3], CASE WHEN g % 5 = 0 THEN 'Tier 1' END,
		       CASE WHEN g % 3 = 0 THEN $2 END, now() - g * interval '20 minutes'
		FROM generate_series(1, 120) g`, f.customer.ID, f.agent.ID)
	f.exec(`UPDATE tickets SET solved_at = created_at WHERE status = 'solved'`)
	team := "Tier 1"
	urgent, high := PriorityUrgent, PriorityHigh
	for _, v := range []savedView{
		{Status: StatusOpen},
		{Status: StatusOpen, Priority: (*string)(&urgent)},
		{Status: StatusPending, Priority: (*string)(&high), Assignee: "mine"},
		{Status: StatusOpen, Team: &team, DueSoon: true},
		{Status: StatusOpen, NoTeam: true, Assignee: "none"},
		{Status: StatusSolved, SolvedRecent: true},
	} {
		var got int
		if err := f.d.DB.QueryRow(ctx, `SELECT desk_view_count($1, $2, $3, $4, $5, $6, $7, $8, $9)`, v.Status, v.Priority, v.Team,
			v.NoTeam, v.Assignee, f.agent.ID, v.DueSoon, v.SolvedRecent, countCap+1).Scan(&got); err != nil {
			t.Fatal(err)
		}
		qf, _, ok := parseQueueQuery(v.query(), f.agent.ID, nil)
		if !ok {
			t.Fatalf("view %+v does not parse", v)
		}
		var a sqlArgs
		var want int
		if err := f.d.DB.QueryRow(ctx, "SELECT "+countSQL(&a, qf), a...).Scan(&want); err != nil {
			t.Fatal(err)
		}
		if got != want || want == 0 && v.Status == StatusOpen && v.Priority == nil && v.Team == nil {
			t.Errorf("view %+v: desk_view_count %d, the queue %d", v, got, want)
		}
	}
}
