package server_test

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"rapport/internal/desk/hours"
)

// Business hours end to end: /admin/calendars refuses bad input beside the field (422,
// typed values kept) and shows hostile names escaped; a policy given the calendar on
// /admin/sla makes a new ticket's stored deadlines (the queue's next_due_at) business
// time; the agent's ticket page names the calendar and explains the clock in business
// time.
func TestDeskBusinessHours(t *testing.T) {
	t.Parallel()
	d := newDesk(t)
	base := url.Values{"name": {"Office"}, "zone": {"Europe/Berlin"}, "day_mon": {"09:00-17:00"}}
	with := func(k, v string) url.Values {
		f := url.Values{}
		for key, vs := range base {
			f[key] = vs
		}
		f.Set(k, v)
		return f
	}
	for _, tc := range []struct {
		field, value, want string
	}{
		{"zone", "Mars/Olympus", "Not a time zone this server knows"},
		{"zone", "", "The time zone is required"},
		{"day_mon", "17:00-09:00", "must end after it starts"},
		{"day_mon", "22:00-02:00", "cannot cross midnight"},
		{"day_mon", strings.Repeat("08:00-08:01, ", 11), "at most 10 ranges a day"},
		{"day_tue", "9 to 5", "is not a range like 09:00-17:00"},
		{"holidays", "25/12/2026", "is not a date like 2026-12-25"},
		{"name", strings.Repeat("n", 101), "Too long"},
	} {
		r := d.adaB.post("/admin/calendars", with(tc.field, tc.value))
		wantStatus(t, tc.field+"="+tc.value, r, http.StatusUnprocessableEntity)
		if got := html.UnescapeString(fieldError(r, tc.field)); !strings.Contains(got, tc.want) {
			t.Errorf("%s = %q: error %q, want %q", tc.field, tc.value, got, tc.want)
		}
		if v, _ := inputValue(r, "zone"); v != with(tc.field, tc.value).Get("zone") {
			t.Errorf("%s = %q: zone kept as %q", tc.field, tc.value, v)
		}
	}

	name := `Berlin <b>office</b>`
	form := url.Values{"name": {name}, "zone": {"Europe/Berlin"}, "holidays": {"2026-12-25 Christmas\n2026-12-26"}}
	for _, day := range []string{"day_mon", "day_tue", "day_wed", "day_thu", "day_fri"} {
		form.Set(day, "09:00-12:00, 13:00-17:00")
	}
	wantRedirect(t, "create the calendar", d.adaB.post("/admin/calendars", form), "/admin/calendars")
	list := d.adaB.get("/admin/calendars")
	mustContain(t, list, html.EscapeString(name), "Mon–Fri 09:00–12:00, 13:00–17:00")
	mustNotContain(t, list, "<b>office</b>")
	var calendar string
	if err := d.a.db.DB.QueryRow(context.Background(), `SELECT id::text FROM business_calendars WHERE name = $1`, name).Scan(&calendar); err != nil {
		t.Fatal(err)
	}

	var policy, pname string
	var frMins, resMins int
	if err := d.a.db.DB.QueryRow(context.Background(),
		`SELECT id::text, name, first_response_mins, resolve_mins FROM sla_policies WHERE priority = 'normal' ORDER BY first_response_mins LIMIT 1`).
		Scan(&policy, &pname, &frMins, &resMins); err != nil {
		t.Fatal(err)
	}
	pf := url.Values{"name": {pname}, "priority": {"normal"}, "first_response_mins": {strconv.Itoa(frMins)}, "resolve_mins": {strconv.Itoa(resMins)},
		"warn_before_mins": {"30"}, "calendar_id": {"not-a-calendar"}}
	r := d.adaB.post("/admin/sla/"+policy, pf)
	wantStatus(t, "an unknown calendar", r, http.StatusUnprocessableEntity)
	mustContain(t, r, "Choose one of the calendars, or 24/7.")
	pf.Set("calendar_id", calendar)
	pf.Set("warn_before_mins", "2000")
	wantStatus(t, "a warning over a day", d.adaB.post("/admin/sla/"+policy, pf), http.StatusUnprocessableEntity)
	pf.Set("warn_before_mins", "30")
	wantRedirect(t, "the policy's calendar", d.adaB.post("/admin/sla/"+policy, pf), "/admin/sla")
	mustContain(t, d.adaB.get("/admin/sla"), html.EscapeString(name))

	id := d.file(t, d.carolB, "Printer on fire", "Since this morning.")
	var created, fr, next time.Time
	if err := d.a.db.DB.QueryRow(context.Background(),
		`SELECT created_at, first_response_due_at, next_due_at FROM tickets WHERE id = $1`, id).Scan(&created, &fr, &next); err != nil {
		t.Fatal(err)
	}
	berlin, _ := time.LoadLocation("Europe/Berlin")
	office := []hours.Range{{Start: 540, End: 720}, {Start: 780, End: 1020}}
	cal := &hours.Calendar{Zone: berlin, Week: hours.Week{1: office, 2: office, 3: office, 4: office, 5: office},
		Holidays: map[hours.Date]bool{{Year: 2026, Month: 12, Day: 25}: true, {Year: 2026, Month: 12, Day: 26}: true}}
	if want := cal.AddBusiness(created, time.Duration(frMins)*time.Minute); !fr.Equal(want) || !next.Equal(want) {
		t.Fatalf("first response due %s (next_due_at %s), want %s in business time", fr, next, want)
	}
	page := d.jordanB.get("/desk/tickets/" + id)
	wantStatus(t, "the ticket page", page, http.StatusOK)
	mustContain(t, page, "Business hours: <strong>"+html.EscapeString(name)+"</strong>", "of business time", "Only business hours count: Mon–Fri 09:00–12:00, 13:00–17:00 (Europe/Berlin), less 2 holidays.")
	mustNotContain(t, page, "<b>office</b>")
}
