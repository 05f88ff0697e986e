package desk

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"rapport/internal/db"
)

// The status machine and the clock bookkeeping each transition does, on the real
// database: reply-and-pending in one submit, the pause counted when the requester
// answers, the stop when solved, and closed as final.
func TestStatusTransitionsAndClockBookkeeping(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	id := f.ticket("Cannot sign in", "Every sign-in fails since this morning.")

	x := f.facts(id)
	if x.Status != StatusOpen || x.Version != 1 || deref(x.PolicyName) != "Standard – Normal" {
		t.Fatalf("new ticket: %s v%d policy %q", x.Status, x.Version, deref(x.PolicyName))
	}
	if !x.FirstResponseDueAt.Equal(x.CreatedAt.Add(240*time.Minute)) || !x.ResolveDueAt.Equal(x.CreatedAt.Add(1440*time.Minute)) {
		t.Fatalf("deadlines %s / %s for a ticket created %s", x.FirstResponseDueAt, x.ResolveDueAt, x.CreatedAt)
	}
	if !x.NextDueAt.Equal(*x.FirstResponseDueAt) {
		t.Fatalf("next due %v, want the first response deadline", x.NextDueAt)
	}
	if n := f.count(`SELECT count(*) FROM ticket_status_changes WHERE ticket_id = $1 AND from_status IS NULL AND to_status = 'open'`, id); n != 1 {
		t.Fatalf("creation history rows: %d", n)
	}

	// Reply and set pending: one submit, one transaction.
	if err := f.update(f.agent, id, ticketForm{Body: "Could you send the exact error?", Status: StatusPending, Priority: "normal"}); err != nil {
		t.Fatal(err)
	}
	x = f.facts(id)
	if x.Status != StatusPending || x.Version != 2 || x.FirstResponseAt == nil || x.PausedSince == nil {
		t.Fatalf("after reply-and-pending: %s v%d first response %v paused since %v", x.Status, x.Version, x.FirstResponseAt, x.PausedSince)
	}
	if !x.NextDueAt.Equal(*x.ResolveDueAt) {
		t.Fatalf("first response met: next due %v, want resolution %v", x.NextDueAt, x.ResolveDueAt)
	}

	// 3h10m go by while pending; the requester answers and the ticket is open again,
	// its resolution deadline moved by exactly the pause.
	f.age(id, 3*time.Hour+10*time.Minute)
	if err := f.reply(f.customer, id, "Here it is: ERR_LOCKED."); err != nil {
		t.Fatal(err)
	}
	x = f.facts(id)
	if x.Status != StatusOpen || x.PausedSince != nil || x.PausedSecs < 11400 || x.PausedSecs > 11402 {
		t.Fatalf("after the requester's reply: %s paused since %v paused %ds", x.Status, x.PausedSince, x.PausedSecs)
	}
	wantDue := x.CreatedAt.Add(1440*time.Minute + time.Duration(x.PausedSecs)*time.Second)
	if !x.ResolveDueAt.Equal(wantDue) {
		t.Fatalf("resolve due %s, want %s", x.ResolveDueAt, wantDue)
	}
	// The stored deadline the queue sorts by is the one the clock shows.
	if c := Compute(x.input(), x.Now); !c.Resolution.Due.Equal(*x.ResolveDueAt) || c.Resolution.State() != "ok" {
		t.Fatalf("clock due %s (%s), stored %s", c.Resolution.Due, c.Resolution.State(), x.ResolveDueAt)
	}
	d, err := loadDeskTicket(ctx, f.d.DB, id)
	if err != nil {
		t.Fatal(err)
	}
	hist := d.History
	pauses := Pauses(Timeline(hist), x.Now)
	if len(pauses) != 1 || pauses[0].Status != StatusPending {
		t.Fatalf("pauses from the history: %+v", pauses)
	}
	if got := explainClock(Compute(x.input(), x.Now), x.input(), pauses, time.UTC); !containsLine(got, "Paused 3h10m while pending") {
		t.Errorf("explanation %q lacks the pause", got)
	}

	// Solving stops the clock and settles it; closing changes none of it.
	if err := f.update(f.agent, id, ticketForm{Status: StatusSolved, Priority: "normal"}); err != nil {
		t.Fatal(err)
	}
	solved := f.facts(id)
	if solved.SolvedAt == nil || solved.PausedSince == nil || !solved.PausedSince.Equal(*solved.SolvedAt) || solved.PausedSecs != x.PausedSecs {
		t.Fatalf("solved: at %v paused since %v paused %d", solved.SolvedAt, solved.PausedSince, solved.PausedSecs)
	}
	if c := Compute(solved.input(), solved.Now); !c.Resolution.Settled || !c.Resolution.Met() {
		t.Fatalf("solved in time but the clock says %q", c.Resolution.Label())
	}
	if err := f.update(f.agent, id, ticketForm{Status: StatusClosed, Priority: "normal"}); err != nil {
		t.Fatal(err)
	}
	closed := f.facts(id)
	if closed.Status != StatusClosed || !closed.SolvedAt.Equal(*solved.SolvedAt) || closed.PausedSecs != solved.PausedSecs ||
		!closed.ResolveDueAt.Equal(*solved.ResolveDueAt) {
		t.Fatalf("closing moved the clock: %+v", closed)
	}

	// Closed is final, for the requester and for the desk.
	if err := f.reply(f.customer, id, "One more thing"); !errors.Is(err, ErrClosed) {
		t.Fatalf("reply to a closed ticket: %v", err)
	}
	if err := f.update(f.agent, id, ticketForm{Body: "note", Internal: true, Status: StatusClosed, Priority: "normal"}); !errors.Is(err, ErrClosed) {
		t.Fatalf("note on a closed ticket: %v", err)
	}
	want := []string{"<nil>→open", "open→pending", "pending→open", "open→solved", "solved→closed"}
	d, _ = loadDeskTicket(ctx, f.d.DB, id)
	hist = d.History
	if len(hist) != len(want) {
		t.Fatalf("history %d rows, want %d", len(hist), len(want))
	}
	for i, h := range hist {
		from := "<nil>"
		if h.From != nil {
			from = string(*h.From)
		}
		if from+"→"+string(h.To) != want[i] {
			t.Errorf("history[%d] = %s→%s, want %s", i, from, h.To, want[i])
		}
	}
	if hist[2].ActorName != f.customer.Name || hist[1].ActorName != f.agent.Name {
		t.Errorf("history actors: %q, %q", hist[1].ActorName, hist[2].ActorName)
	}
}

func TestRefusedChangesWriteNothing(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	id := f.ticket("Export fails", "CSV export times out.")

	cases := []struct {
		name  string
		form  ticketForm
		field string
	}{
		{"open straight to closed", ticketForm{Status: StatusClosed, Priority: "normal"}, "status"},
		{"an unknown status", ticketForm{Status: "escalated", Priority: "normal"}, "status"},
		{"nothing to do", ticketForm{Status: StatusOpen, Priority: "normal"}, "body"},
		{"a customer as assignee", ticketForm{Status: StatusOpen, Priority: "normal", AssigneeID: f.other.ID}, "assignee_id"},
		{"an unknown assignee", ticketForm{Status: StatusOpen, Priority: "normal", AssigneeID: "nobody"}, "assignee_id"},
	}
	for _, tc := range cases {
		tc.form.Errors = map[string]string{}
		err := f.update(f.agent, id, &tc.form)
		if !errors.Is(err, errInvalid) || tc.form.Errors[tc.field] == "" {
			t.Errorf("%s: got %v %v, want errInvalid on %s", tc.name, err, tc.form.Errors, tc.field)
		}
	}
	// A stale form is refused before anything else, and nothing is written.
	stale := ticketForm{Body: "Hello", Status: StatusOpen, Priority: "normal", Version: 1, Errors: map[string]string{}}
	if err := f.update(f.agent2, id, ticketForm{Body: "First!", Status: StatusOpen, Priority: "normal", Errors: map[string]string{}}); err != nil {
		t.Fatal(err)
	}
	if err := f.d.DB.InTx(ctx, func(tx pgx.Tx) error { return updateTicket(ctx, tx, nil, f.agent, id, &stale) }); !errors.Is(err, ErrStale) {
		t.Fatalf("stale version: %v", err)
	}
	if n := f.count(`SELECT count(*) FROM ticket_messages WHERE ticket_id = $1`, id); n != 2 {
		t.Fatalf("%d messages, want the request and one reply", n)
	}
	if x := f.facts(id); x.Version != 2 || x.Status != StatusOpen {
		t.Fatalf("after refusals: v%d %s", x.Version, x.Status)
	}
}

// A requester's reply opens a solved ticket again; the time it spent solved does not
// count against the resolution target.
func TestReplyReopensASolvedTicket(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	id := f.ticket("Invoice address", "Please update it.")
	if err := f.update(f.agent, id, ticketForm{Body: "Done.", Status: StatusSolved, Priority: "normal", Errors: map[string]string{}}); err != nil {
		t.Fatal(err)
	}
	f.age(id, 2*time.Hour)
	if err := f.reply(f.customer, id, "It still shows the old one."); err != nil {
		t.Fatal(err)
	}
	x := f.facts(id)
	if x.Status != StatusOpen || x.SolvedAt != nil || x.PausedSince != nil || x.PausedSecs < 7200 || x.PausedSecs > 7202 {
		t.Fatalf("reopened: %s solved %v paused since %v paused %d", x.Status, x.SolvedAt, x.PausedSince, x.PausedSecs)
	}
	// Someone else's ticket is not there for them.
	if err := f.reply(f.other, id, "Me too"); !errors.Is(err, db.ErrNotFound) {
		t.Fatalf("another customer's reply: %v", err)
	}
}

func containsLine(lines []string, part string) bool {
	for _, l := range lines {
		if strings.Contains(l, part) {
			return true
		}
	}
	return false
}
