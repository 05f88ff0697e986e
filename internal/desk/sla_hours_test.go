package desk

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"rapport/internal/auth"
	"rapport/internal/desk/hours"
	"rapport/internal/form"
)

// officeForm is a calendar form of Berlin office hours, Monday to Friday 09:00-17:00.
func officeForm(name string) calendarForm {
	f := calendarForm{Name: name, Zone: "Europe/Berlin"}
	for _, d := range calendarDays[:5] {
		f.Days[d] = "09:00-17:00"
	}
	return f
}

// saveCalendar validates and saves f as admin, returning the calendar's id.
func (x *fixture) saveCalendar(admin *auth.User, f calendarForm) string {
	x.t.Helper()
	f.Validate()
	if !f.Errors.OK() {
		x.t.Fatalf("calendar form: %v", f.Errors)
	}
	ctx := auth.WithUser(context.Background(), admin)
	var id string
	err := x.d.DB.InTx(ctx, func(tx pgx.Tx) error {
		var err error
		id, err = saveCalendarRow(ctx, tx, form.Claim{}, f)
		return err
	})
	if err != nil {
		x.t.Fatal(err)
	}
	return id
}

func (x *fixture) dues(id string) (fr, res time.Time) {
	x.t.Helper()
	if err := x.d.DB.QueryRow(context.Background(),
		`SELECT first_response_due_at, resolve_due_at FROM tickets WHERE id = $1`, id).Scan(&fr, &res); err != nil {
		x.t.Fatal(err)
	}
	return fr, res
}

// TestBusinessHoursDeadlines: a policy with office hours stores its tickets' deadlines
// in business time (so next_due_at sorts the queue by them), the page's clock agrees,
// pending time counts only in business hours, and editing the calendar or taking it
// off the policy moves the open tickets' deadlines.
func TestBusinessHoursDeadlines(t *testing.T) {
	x := newFixture(t)
	ctx := context.Background()
	admin := x.user(auth.RoleAdmin, "admin@example.com", "")
	calID := x.saveCalendar(admin, officeForm("Berlin office"))
	x.exec(`UPDATE sla_policies SET calendar_id = $1 WHERE priority = 'normal'`, calID)
	berlin, _ := time.LoadLocation("Europe/Berlin")
	cal := &hours.Calendar{Zone: berlin, Week: hours.Week{1: {{Start: 540, End: 1020}}, 2: {{Start: 540, End: 1020}}, 3: {{Start: 540, End: 1020}}, 4: {{Start: 540, End: 1020}}, 5: {{Start: 540, End: 1020}}}}

	id := x.ticket("Printer on fire", "It is on fire.")
	fa := x.facts(id)
	fr, res := x.dues(id)
	if want := cal.AddBusiness(fa.CreatedAt, 240*time.Minute); !fr.Equal(want) {
		t.Fatalf("first response due %s, want %s (business time from %s)", fr, want, fa.CreatedAt)
	}
	if want := cal.AddBusiness(fa.CreatedAt, 1440*time.Minute); !res.Equal(want) {
		t.Fatalf("resolution due %s, want %s", res, want)
	}
	if !fa.NextDueAt.Equal(fr) {
		t.Fatalf("next_due_at %s, want the first response's %s", fa.NextDueAt, fr)
	}

	// The ticket page computes the same deadlines from the live calendar.
	d, err := loadDeskTicket(ctx, x.d.DB, id)
	if err != nil {
		t.Fatal(err)
	}
	d.withHours(d.History)
	c := d.clock(fa.Now)
	if !c.FirstResponse.Due.Equal(fr) || !c.Resolution.Due.Equal(res) {
		t.Fatalf("page clock %s / %s, stored %s / %s", c.FirstResponse.Due, c.Resolution.Due, fr, res)
	}
	if want := cal.Signed(fa.Now, fr); c.FirstResponse.Left != want {
		t.Fatalf("left %s, want %s of business time", c.FirstResponse.Left, want)
	}
	lines := strings.Join(explainClock(c, d.clockInput(), nil, berlin), " ")
	if !strings.Contains(lines, "of business time left") || !strings.Contains(lines, "Mon–Fri 09:00–17:00") {
		t.Fatalf("explanation: %s", lines)
	}

	// Pending for three days (back-dated), then open again: the resolution moves by the
	// business time of those three days only.
	if err := x.update(x.agent, id, ticketForm{Status: StatusPending, Priority: PriorityNormal, Body: "Which printer?"}); err != nil {
		t.Fatal(err)
	}
	x.age(id, 72*time.Hour)
	if err := x.reply(x.customer, id, "The one by the door."); err != nil {
		t.Fatal(err)
	}
	fa = x.facts(id)
	if fa.Status != StatusOpen {
		t.Fatalf("status %s after the customer's reply", fa.Status)
	}
	_, res = x.dues(id)
	d, err = loadDeskTicket(ctx, x.d.DB, id)
	if err != nil {
		t.Fatal(err)
	}
	segs := Timeline(d.History)
	if len(segs) < 3 {
		t.Fatalf("history %+v", d.History)
	}
	paused := cal.BusinessBetween(segs[1].Start, segs[1].End)
	if want := cal.AddBusiness(fa.CreatedAt, 1440*time.Minute+paused); !res.Equal(want) {
		t.Fatalf("resolution due %s after a pause of %s business time, want %s", res, paused, want)
	}
	d.withHours(d.History)
	if c := d.clock(fa.Now); !c.Resolution.Due.Equal(res) {
		t.Fatalf("page resolution %s, stored %s", c.Resolution.Due, res)
	}

	// Opening hours change: the open ticket's deadlines move with them.
	f := officeForm("Berlin office")
	f.ID, f.Version = calID, 1
	for _, d := range calendarDays[:5] {
		f.Days[d] = "08:00-12:00"
	}
	x.saveCalendar(admin, f)
	short := &hours.Calendar{Zone: berlin, Week: hours.Week{1: {{Start: 480, End: 720}}, 2: {{Start: 480, End: 720}}, 3: {{Start: 480, End: 720}}, 4: {{Start: 480, End: 720}}, 5: {{Start: 480, End: 720}}}}
	fr, _ = x.dues(id)
	if want := short.AddBusiness(fa.CreatedAt, 240*time.Minute); !fr.Equal(want) {
		t.Fatalf("after the edit, first response due %s, want %s", fr, want)
	}
	if n := x.count(`SELECT count(*) FROM audit_log WHERE action = 'calendar.update' AND target_id = $1`, calID); n != 1 {
		t.Fatalf("%d audit entries of the edit", n)
	}

	// The policy goes 24/7: back to clock time.
	var policy string
	if err := x.d.DB.QueryRow(ctx, `SELECT id::text FROM sla_policies WHERE priority = 'normal'`).Scan(&policy); err != nil {
		t.Fatal(err)
	}
	x.exec(`UPDATE sla_policies SET calendar_id = NULL WHERE id = $1`, policy)
	if err := x.d.DB.InTx(ctx, func(tx pgx.Tx) error { return recomputePolicies(ctx, tx, []string{policy}) }); err != nil {
		t.Fatal(err)
	}
	fr, _ = x.dues(id)
	if want := fa.CreatedAt.Add(240 * time.Minute); !fr.Equal(want) {
		t.Fatalf("24/7 first response due %s, want %s", fr, want)
	}
}

// TestCalendarFormRefuses: bad zones, ranges backwards or across midnight, more than
// ten ranges, bad holidays, no hours at all.
func TestCalendarFormRefuses(t *testing.T) {
	cases := []struct {
		field, value, says string
	}{
		{"zone", "Mars/Olympus", "Not a time zone"},
		{"zone", "Local", "Not a time zone"},
		{"zone", "../../etc/passwd", "Not a time zone"},
		{"zone", "europe/berlin", "Not a time zone"},
		{"day_mon", "17:00-09:00", "end after it starts"},
		{"day_mon", "22:00-02:00", "cannot cross midnight"},
		{"day_mon", strings.Repeat("01:00-01:01,", 11), "at most 10"},
		{"day_mon", "<script>alert(1)</script>", "not a range"},
		{"holidays", "2026-13-01", "not a date"},
		{"holidays", "<b>x</b>", "not a date"},
		{"name", "", "required"},
	}
	for _, tc := range cases {
		f := officeForm("Office")
		switch tc.field {
		case "zone":
			f.Zone = tc.value
		case "day_mon":
			f.Days[time.Monday] = tc.value
		case "holidays":
			f.Holidays = tc.value
		case "name":
			f.Name = tc.value
		}
		f.Validate()
		if !strings.Contains(f.Errors[tc.field], tc.says) {
			t.Errorf("%s = %q: errors %v, want %q beside %s", tc.field, tc.value, f.Errors, tc.says, tc.field)
		}
	}
	f := calendarForm{Name: "Closed", Zone: "UTC"}
	f.Validate()
	if f.Errors.OK() {
		t.Fatal("a calendar without hours accepted")
	}
}

// A calendar edit recomputes the first batch of its policies' open tickets in its own
// transaction and leaves the rest to the sla_due_recompute job, which finishes them and
// clears its row.
func TestRecomputeDueInBatches(t *testing.T) {
	x := newFixture(t)
	ctx := context.Background()
	admin := x.user(auth.RoleAdmin, "admin@example.com", "")
	calID := x.saveCalendar(admin, officeForm("Berlin office"))
	x.exec(`UPDATE sla_policies SET calendar_id = $1 WHERE priority = 'normal'`, calID)
	// Written as the seeds write them: tickets_sla gives them clock-time deadlines.
	x.exec(`INSERT INTO tickets (requester_id, subject, priority, created_at)
		SELECT $1, 'Bulk ' || i, 'normal', timestamptz '2026-11-28 22:00:00+01' - i * interval '1 minute'
		FROM generate_series(1, $2::int) i`, x.customer.ID, dueBatch+20) // a Saturday evening: no 4 hours of it are all business time
	wrong := `SELECT count(*) FROM tickets WHERE subject LIKE 'Bulk %' AND first_response_due_at = created_at + interval '240 minutes'`
	if n := x.count(wrong); n != dueBatch+20 {
		t.Fatalf("%d tickets with clock-time deadlines, want %d", n, dueBatch+20)
	}
	f := officeForm("Berlin office")
	f.ID, f.Version = calID, 1
	f.Days[time.Saturday] = "10:00-14:00"
	x.saveCalendar(admin, f)
	if n := x.count(wrong); n != 20 {
		t.Fatalf("after the edit, %d tickets still in clock time, want the 20 beyond the first batch", n)
	}
	if n := x.count(`SELECT count(*) FROM sla_due_recompute`); n != 1 {
		t.Fatalf("%d recomputations waiting, want 1", n)
	}
	n, err := RecomputeDue(ctx, x.d.DB, 10)
	if err != nil || n != 1 {
		t.Fatalf("RecomputeDue: %d batches, %v", n, err)
	}
	if n := x.count(wrong); n != 0 {
		t.Fatalf("%d tickets still in clock time", n)
	}
	if n := x.count(`SELECT count(*) FROM sla_due_recompute`); n != 0 {
		t.Fatalf("%d recomputations still waiting", n)
	}
}
