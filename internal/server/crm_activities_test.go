package server_test

import (
	"context"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"rapport/internal/crm/activity"
	"rapport/internal/cursor"
)

func cursorText(s string) cursor.Value { return cursor.Text(s) }

// planForm is a valid schedule form for a deal, due on day (2026-12-31) at clock.
func planForm(deal, assignee, subject, day, clock string) url.Values {
	return url.Values{"deal_id": {deal}, "type": {"call"}, "subject": {subject}, "due_date": {day}, "due_time": {clock},
		"assignee_id": {assignee}, "note": {""}}
}

func today() string { return time.Now().UTC().Format(time.DateOnly) }

func dayOffset(n int) string { return time.Now().UTC().AddDate(0, 0, n).Format(time.DateOnly) }

// plannedID is the id of the deal's planned activity with that subject.
func (w *crmWorld) plannedID(subject string) string {
	w.t.Helper()
	var id string
	if err := w.db.DB.QueryRow(context.Background(), `SELECT id FROM planned_activities WHERE subject = $1`, subject).Scan(&id); err != nil {
		w.t.Fatalf("planned %q: %v", subject, err)
	}
	return id
}

// nextOf is the deal's next activity day ("" for none).
func (w *crmWorld) nextOf(deal string) string {
	w.t.Helper()
	var d *time.Time
	if err := w.db.DB.QueryRow(context.Background(), `SELECT next_activity_date FROM deals WHERE id = $1`, deal).Scan(&d); err != nil {
		w.t.Fatal(err)
	}
	if d == nil {
		return ""
	}
	return d.Format(time.DateOnly)
}

// cardOf is the HTML of a deal's card on a board page.
func cardOf(r response, deal string) string {
	i := strings.Index(r.body, `id="deal-`+deal+`"`)
	if i < 0 {
		return ""
	}
	rest := r.body[i:]
	if j := strings.Index(rest, "</article>"); j >= 0 {
		return rest[:j]
	}
	return rest
}

// A rep plans a call on their deal for today: it is on the deal page, the board card is
// green "Today", the navigation counts it; done from My activities (a plain form, back
// to the same filtered page), it is in the deal's timeline as completed, the card warns
// that nothing is planned, and undone it is planned again.
func TestPlannedActivityLifecycle(t *testing.T) {
	t.Parallel()
	w := newCRM(t)
	r := w.repB.post("/crm/activities", planForm(w.deal, w.rep.ID, "Call Jane about seats", today(), ""))
	if r.status != http.StatusSeeOther || r.location != "/crm/deals/"+w.deal {
		t.Fatalf("plan: %d to %q\n%s", r.status, r.location, r.body)
	}
	page := w.repB.get(r.location)
	if !strings.Contains(page.body, "Call Jane about seats") || !strings.Contains(flash(page), "Call planned for Today") {
		t.Errorf("the deal page lacks the planned call (flash %q)", flash(page))
	}
	if w.nextOf(w.deal) != today() {
		t.Errorf("next activity %q, want today", w.nextOf(w.deal))
	}
	board := w.repB.get("/crm")
	card := cardOf(board, w.deal)
	if !strings.Contains(card, `deal-next due-today`) || !strings.Contains(card, "Today") {
		t.Errorf("the card does not show the call as due today:\n%s", card)
	}
	if !regexp.MustCompile(`Activities\s*<span class="nav-count"[^>]*>1<`).MatchString(board.body) {
		t.Errorf("the navigation does not count 1 due activity")
	}

	id := w.plannedID("Call Jane about seats")
	list := "/crm/activities?type=call&when=today"
	lp := w.repB.get(list)
	if lp.status != http.StatusOK || !strings.Contains(lp.body, "Call Jane about seats") || !strings.Contains(lp.body, `action="/crm/activities/`+id+`/done"`) {
		t.Fatalf("My activities (%d) lacks the call or its done form", lp.status)
	}
	done := w.repB.post("/crm/activities/"+id+"/done", url.Values{"next": {list}})
	if done.status != http.StatusSeeOther || done.location != list {
		t.Fatalf("done: %d to %q", done.status, done.location)
	}
	if after := w.repB.get(done.location); strings.Contains(after.body, `id="activity-`+id+`"`) || !strings.Contains(flash(after), "Done: Call Jane about seats") {
		t.Errorf("after done, the open list still shows it, or the flash is %q", flash(after))
	}
	if n := w.count(t, `SELECT count(*) FROM activities WHERE deal_id = $1 AND planned_id = $2 AND planned_event = 'done' AND type = 'call' AND actor_id = $3`,
		w.deal, id, w.rep.ID); n != 1 {
		t.Errorf("%d log entries of the completion, want 1", n)
	}
	dp := w.repB.get("/crm/deals/" + w.deal)
	if !regexp.MustCompile(`(?s)id="timeline".*Call</span>\s*<strong>Rita Rep</strong>\s*completed it.*Call Jane about seats`).MatchString(dp.body) {
		t.Errorf("the timeline does not show the completed call")
	}
	if w.nextOf(w.deal) != "" || !strings.Contains(cardOf(w.repB.get("/crm"), w.deal), "No next activity") {
		t.Errorf("after done, the deal still has a next activity (%q), or its card does not warn", w.nextOf(w.deal))
	}
	// Done twice: nothing more is logged.
	w.repB.post("/crm/activities/"+id+"/done", url.Values{"next": {list}})
	if n := w.count(t, `SELECT count(*) FROM activities WHERE planned_id = $1`, id); n != 1 {
		t.Errorf("done twice: %d log entries, want 1", n)
	}
	if r := w.repB.post("/crm/activities/"+id+"/undo", url.Values{}); r.status != http.StatusSeeOther {
		t.Fatalf("undo: %d", r.status)
	}
	if w.nextOf(w.deal) != today() || w.count(t, `SELECT count(*) FROM activities WHERE planned_id = $1 AND planned_event = 'reopened'`, id) != 1 {
		t.Errorf("undo: next %q, or no reopened entry", w.nextOf(w.deal))
	}
	if r := w.repB.get("/crm/activities?when=done"); strings.Contains(r.body, `id="activity-`+id+`"`) {
		t.Errorf("the undone activity is still listed as done")
	}
	// Delete: the deal has nothing planned again; the log keeps its entries.
	if r := w.repB.post("/crm/activities/"+id+"/delete", url.Values{}); r.status != http.StatusSeeOther || r.location != "/crm/deals/"+w.deal {
		t.Fatalf("delete: %d to %q", r.status, r.location)
	}
	if w.nextOf(w.deal) != "" || w.count(t, `SELECT count(*) FROM activities WHERE planned_id = $1`, id) != 2 {
		t.Errorf("after delete: next %q, log entries %d", w.nextOf(w.deal), w.count(t, `SELECT count(*) FROM activities WHERE planned_id = $1`, id))
	}
}

// Edit, reschedule and reassign: the assignee, the deal's owner and an admin may; any
// other rep gets 403 and nothing changes. Reassigned to rep 2, the activity is theirs to
// complete, though the deal is not theirs.
func TestPlannedActivityPermissions(t *testing.T) {
	t.Parallel()
	w := newCRM(t)
	other := w.app.user("sales", "other@example.com")
	ob := w.app.browser()
	ob.signIn(other.Email)
	// Planning on someone else's deal is refused, whatever the form says.
	if r := w.rep2B.post("/crm/activities", planForm(w.deal, w.rep2.ID, "Not mine", today(), "")); r.status != http.StatusForbidden {
		t.Errorf("rep 2 plans on rep 1's deal: %d, want 403", r.status)
	}
	if r := w.rep2B.get("/crm/activities/new?deal_id=" + w.deal); r.status != http.StatusForbidden {
		t.Errorf("rep 2 opens the schedule form of rep 1's deal: %d, want 403", r.status)
	}
	w.repB.post("/crm/activities", planForm(w.deal, w.rep.ID, "Send the order form", dayOffset(3), "10:30"))
	id := w.plannedID("Send the order form")
	edit := func(b *browser, assignee, day string) response {
		f := planForm(w.deal, assignee, "Send the order form", day, "11:00")
		f.Del("deal_id")
		return b.post("/crm/activities/"+id, f)
	}
	if r := edit(w.rep2B, w.rep2.ID, dayOffset(4)); r.status != http.StatusForbidden {
		t.Errorf("rep 2 edits rep 1's activity: %d, want 403", r.status)
	}
	if r := w.rep2B.post("/crm/activities/"+id+"/done", url.Values{}); r.status != http.StatusForbidden {
		t.Errorf("rep 2 completes rep 1's activity: %d, want 403", r.status)
	}
	if w.nextOf(w.deal) != dayOffset(3) {
		t.Fatalf("a refused change moved the next activity to %q", w.nextOf(w.deal))
	}
	// The owner reassigns it to rep 2 and reschedules it.
	if r := edit(w.repB, w.rep2.ID, dayOffset(5)); r.status != http.StatusSeeOther {
		t.Fatalf("owner's reassignment: %d\n%s", r.status, r.body)
	}
	if w.nextOf(w.deal) != dayOffset(5) || w.count(t, `SELECT count(*) FROM planned_activities WHERE id = $1 AND assignee_id = $2 AND due_time = '11:00'`, id, w.rep2.ID) != 1 {
		t.Errorf("the reschedule and reassignment did not land (next %q)", w.nextOf(w.deal))
	}
	// Now rep 2 (the assignee) may edit and complete it; another rep still may not.
	if r := w.rep2B.get("/crm/activities/" + id + "/edit"); r.status != http.StatusOK {
		t.Errorf("the assignee's edit form: %d", r.status)
	}
	if r := ob.post("/crm/activities/"+id+"/delete", url.Values{}); r.status != http.StatusForbidden {
		t.Errorf("an unrelated rep deletes it: %d, want 403", r.status)
	}
	if r := w.rep2B.post("/crm/activities/"+id+"/done", url.Values{}); r.status != http.StatusSeeOther {
		t.Errorf("the assignee completes it: %d", r.status)
	}
	if r := w.adminB.post("/crm/activities/"+id+"/undo", url.Values{}); r.status != http.StatusSeeOther {
		t.Errorf("an admin reopens it: %d", r.status)
	}
	if r := w.rep2B.post("/crm/activities/"+noSuchID+"/done", url.Values{}); r.status != http.StatusNotFound {
		t.Errorf("no such activity: %d, want 404", r.status)
	}
}

// Bad input is a 422 with the field marked and the input kept, never a 500: days before
// 2000 or more than ten years ahead, an unknown or hidden type, an assignee who is
// deactivated, a customer or an agent, a subject too long or with control characters,
// a deal that does not exist, a reminder without a time.
func TestPlannedActivityBadInput(t *testing.T) {
	t.Parallel()
	w := newCRM(t)
	ctx := context.Background()
	gone := w.app.user("sales", "gone@example.com")
	if _, err := w.db.DB.Exec(ctx, `UPDATE "user" SET banned = true WHERE id = $1`, gone.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := w.db.DB.Exec(ctx, `UPDATE activity_types SET active = false WHERE key = 'deadline'`); err != nil {
		t.Fatal(err)
	}
	long := strings.Repeat("s", 201)
	cases := []struct {
		what, field, value, message string
	}{
		{"a day before 2000", "due_date", "1999-12-31", "Choose a day from 2000-01-01"},
		{"more than ten years ahead", "due_date", dayOffset(365*10 + 5), "Choose a day from 2000-01-01"},
		{"an unreadable day", "due_date", "31/12/2026", "Enter a date like 2026-12-31."},
		{"an unreadable time", "due_time", "25:61", "Enter a time like 14:30"},
		{"an unknown type", "type", "fax", "Choose a type from the list."},
		{"a hidden type", "type", "deadline", "Choose a type from the list."},
		{"a deactivated assignee", "assignee_id", gone.ID, "Choose someone from the list"},
		{"a customer", "assignee_id", w.cust.ID, "Choose someone from the list"},
		{"an agent", "assignee_id", w.agent.ID, "Choose someone from the list"},
		{"a subject too long", "subject", long, "Too long: at most 200 characters"},
		{"a bell in the subject", "subject", "Call\x07 Jane", "control characters"},
		{"a line break in the subject", "subject", "Call\nJane", "control characters"},
		{"a direction override in the subject", "subject", "Call \u202eenaJ", "text-direction control"},
		{"a NUL in the note", "note", "a\x00b", "NUL"},
		{"a deal that does not exist", "deal_id", noSuchID, "No deal has this id"},
		{"a malformed deal", "deal_id", "not-a-deal", "No deal has this id"},
		{"a reminder without a time", "remind", "15", "A reminder needs a time"},
		{"a reminder not offered", "remind", "7", "Choose one from the list."},
		{"a duration not offered", "duration", "-5", "Choose one from the list."},
	}
	for _, tc := range cases {
		f := planForm(w.deal, w.rep.ID, "Typed subject kept", today(), "")
		f.Set(tc.field, tc.value)
		r := w.repB.post("/crm/activities", f)
		if r.status != http.StatusUnprocessableEntity {
			t.Errorf("%s: %d, want 422", tc.what, r.status)
			continue
		}
		re := regexp.MustCompile(`(?s)<p class="field-error" id="f-` + tc.field + `-error">([^<]*)</p>`)
		m := re.FindStringSubmatch(r.body)
		if m == nil || !strings.Contains(html.UnescapeString(m[1]), tc.message) {
			t.Errorf("%s: the %s field's message is %v, want %q", tc.what, tc.field, m, tc.message)
		}
		if tc.field != "subject" && !strings.Contains(r.body, `value="Typed subject kept"`) {
			t.Errorf("%s: the typed subject is not kept", tc.what)
		}
		if tc.field == "subject" && tc.value == long && !strings.Contains(r.body, `value="`+long+`"`) {
			t.Errorf("%s: the typed subject is not kept", tc.what)
		}
	}
	if n := w.count(t, `SELECT count(*) FROM planned_activities`); n != 0 {
		t.Errorf("bad input planned %d activities", n)
	}
	// A create form without its one-time key is refused; the same key twice plans once.
	f := planForm(w.deal, w.rep.ID, "Once", today(), "")
	f.Set("form_key", "")
	if r := w.repB.post("/crm/activities", f); r.status != http.StatusBadRequest {
		t.Errorf("no form key: %d, want 400", r.status)
	}
	f.Set("form_key", newKey())
	a, b := w.repB.post("/crm/activities", f), w.repB.post("/crm/activities", f)
	if a.status != http.StatusSeeOther || b.status != http.StatusSeeOther || b.location != a.location {
		t.Errorf("the same form twice: %d to %q, then %d to %q", a.status, a.location, b.status, b.location)
	}
	if n := w.count(t, `SELECT count(*) FROM planned_activities WHERE subject = 'Once'`); n != 1 {
		t.Errorf("the same form twice planned %d activities", n)
	}
	// Hostile text is stored verbatim and shown escaped.
	evil := `<script>alert(1)</script> "quoted" & 'single'`
	w.repB.post("/crm/activities", planForm(w.deal, w.rep.ID, evil, today(), ""))
	for _, path := range []string{"/crm/activities", "/crm/deals/" + w.deal} {
		r := w.repB.get(path)
		if strings.Contains(r.body, "<script>alert(1)") || !strings.Contains(r.body, html.EscapeString(evil)) {
			t.Errorf("%s does not show the hostile subject escaped", path)
		}
	}
}

// "Today" and "overdue" are the viewer's: with the account's zone at UTC+14, an
// activity due on the local day is today for them and tomorrow (or later) for a viewer
// in UTC; the account page refuses a zone Go or Postgres does not know; every page's
// times follow the zone.
func TestPlannedActivityTimeZone(t *testing.T) {
	t.Parallel()
	w := newCRM(t)
	for _, bad := range []string{"Mars/Olympus_Mons", "Local", "", "Europe/Berlin\x00", strings.Repeat("A", 65), "../../etc/passwd"} {
		r := w.repB.post("/account/preferences", url.Values{"time_zone": {bad}, "activity_digest": {"1"}})
		if r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, `id="f-time_zone-error"`) {
			t.Errorf("time zone %q: %d, want 422 with the field marked", bad, r.status)
		}
	}
	if r := w.repB.post("/account/preferences", url.Values{"time_zone": {"Pacific/Kiritimati"}}); r.status != http.StatusSeeOther {
		t.Fatalf("save the zone: %d\n%s", r.status, r.body)
	}
	if n := w.count(t, `SELECT count(*) FROM "user" WHERE id = $1 AND time_zone = 'Pacific/Kiritimati' AND NOT activity_digest`, w.rep.ID); n != 1 {
		t.Errorf("the zone or the unticked morning email was not saved")
	}
	kiri, _ := time.LoadLocation("Pacific/Kiritimati")
	localToday := time.Now().In(kiri).Format(time.DateOnly)
	w.repB.post("/crm/activities", planForm(w.deal, w.rep.ID, "Local call", localToday, "09:00"))
	var at time.Time
	if err := w.db.DB.QueryRow(context.Background(), `SELECT due_at FROM planned_activities WHERE subject = 'Local call'`).Scan(&at); err != nil {
		t.Fatal(err)
	}
	want := time.Date(time.Now().In(kiri).Year(), time.Now().In(kiri).Month(), time.Now().In(kiri).Day(), 9, 0, 0, 0, kiri)
	if !at.Equal(want) {
		t.Errorf("09:00 in Kiritimati stored as %s, want %s", at, want)
	}
	mine := w.repB.get("/crm/activities?when=today")
	if !strings.Contains(mine.body, "Local call") || !strings.Contains(mine.body, "09:00") {
		t.Errorf("the rep in Kiritimati does not see the call today at 09:00")
	}
	// The admin reads it in UTC, where 09:00 in Kiritimati is 19:00 the day before.
	all := w.adminB.get("/crm/activities?assignee=any")
	if !strings.Contains(all.body, "19:00") {
		t.Errorf("the admin in UTC does not see the call at 19:00 UTC")
	}
	// The admin's edit form keeps the activity's own zone, and names it.
	if r := w.adminB.get("/crm/activities/" + w.plannedID("Local call") + "/edit"); !strings.Contains(r.body, "Optional, in Pacific/Kiritimati.") ||
		!strings.Contains(r.body, `value="09:00"`) {
		t.Errorf("the admin's edit form does not show 09:00 in Pacific/Kiritimati")
	}
	w.repB.post("/crm/deals/"+w.deal+"/activities", url.Values{"type": {"note"}, "body": {"Logged in Kiritimati"}})
	if dp := w.repB.get("/crm/deals/" + w.deal); !regexp.MustCompile(`<time class="muted" datetime="[^"]*">[^<]*\+14</time>`).MatchString(dp.body) {
		t.Errorf("the deal page's dates are not in the rep's zone (+14)")
	}
}

// Concurrent changes of one deal's activities keep its next activity true: 12 plans
// and completions at once end with the earliest open one.
func TestPlannedActivityNextUnderConcurrency(t *testing.T) {
	t.Parallel()
	w := newCRM(t)
	for i := range 6 {
		w.repB.post("/crm/activities", planForm(w.deal, w.rep.ID, fmt.Sprintf("Early %d", i), dayOffset(1+i), ""))
	}
	ids := make([]string, 6)
	for i := range ids {
		ids[i] = w.plannedID(fmt.Sprintf("Early %d", i))
	}
	var wg sync.WaitGroup
	for i := range 6 {
		wg.Go(func() { w.repB.post("/crm/activities/"+ids[i]+"/done", url.Values{}) })
		wg.Go(func() {
			w.repB.post("/crm/activities", planForm(w.deal, w.rep.ID, fmt.Sprintf("Late %d", i), dayOffset(20+i), ""))
		})
	}
	wg.Wait()
	if got := w.nextOf(w.deal); got != dayOffset(20) {
		t.Errorf("next activity %q after concurrent changes, want %s", got, dayOffset(20))
	}
}

// The deal's lock orders two changes of its activities: while one completion holds the
// deal (its recomputation made slow by a trigger), a plan on the same deal waits for it
// instead of recomputing from a snapshot in which the completed activity is still open.
// Seen failing with the lock statements' FOR UPDATE removed: the next activity stayed on
// the completed call's day.
func TestPlannedActivityNextIsOrderedByTheDealLock(t *testing.T) {
	t.Parallel()
	w := newCRM(t)
	w.repB.post("/crm/activities", planForm(w.deal, w.rep.ID, "First", dayOffset(1), ""))
	w.repB.post("/crm/activities", planForm(w.deal, w.rep.ID, "Second", dayOffset(2), ""))
	first := w.plannedID("First")
	if _, err := w.db.DB.Exec(context.Background(), `
		CREATE FUNCTION test_slow_next() RETURNS trigger LANGUAGE plpgsql AS $$
		BEGIN
			IF NEW.next_activity_date = DATE '`+dayOffset(2)+`' THEN PERFORM pg_sleep(1); END IF;
			RETURN NEW;
		END $$;
		CREATE TRIGGER test_slow_next AFTER UPDATE ON deals FOR EACH ROW EXECUTE FUNCTION test_slow_next();`); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	wg.Go(func() { w.repB.post("/crm/activities/"+first+"/done", url.Values{}) })
	time.Sleep(300 * time.Millisecond) // the completion is in its slow recomputation
	wg.Go(func() { w.repB.post("/crm/activities", planForm(w.deal, w.rep.ID, "Late", dayOffset(20), "")) })
	wg.Wait()
	if got := w.nextOf(w.deal); got != dayOffset(2) {
		t.Errorf("next activity %q, want %s (the first is done)", got, dayOffset(2))
	}
}

// feedPath makes the browser's user a new calendar feed and returns its path.
func feedPath(t *testing.T, b *browser) string {
	t.Helper()
	r := b.post("/crm/activities/calendar", url.Values{})
	m := regexp.MustCompile(`value="http://rapport\.test(/calendar/[A-Za-z0-9_-]{43}\.ics)"`).FindStringSubmatch(r.body)
	if r.status != http.StatusOK || m == nil {
		t.Fatalf("make a feed: %d", r.status)
	}
	return m[1]
}

// unfoldICal is a calendar's content lines, unfolded (RFC 5545 3.1), checked for CRLF
// endings and the 75-octet limit.
func unfoldICal(t *testing.T, s string) []string {
	t.Helper()
	var lines []string
	for _, raw := range strings.Split(strings.TrimSuffix(s, "\r\n"), "\r\n") {
		if len(raw) > 75 || strings.ContainsAny(raw, "\r\n") {
			t.Errorf("a bad content line: %q", raw)
		}
		if strings.HasPrefix(raw, " ") && len(lines) > 0 {
			lines[len(lines)-1] += raw[1:]
		} else {
			lines = append(lines, raw)
		}
	}
	return lines
}

// The calendar feed: the rep's open activities and those done lately, nobody else's,
// hostile text escaped per RFC 5545; no session needed, and only its secret answers:
// after a rotation the old address is a 404, and so is the feed of a deactivated rep.
func TestCalendarFeed(t *testing.T) {
	t.Parallel()
	w := newCRM(t)
	hostile := `Call O'Brien; "now", please \ <b>bold</b>`
	w.repB.post("/crm/activities", planForm(w.deal, w.rep.ID, hostile, dayOffset(1), "09:30"))
	w.repB.post("/crm/activities", planForm(w.deal, w.rep.ID, "Done lately", today(), ""))
	w.repB.post("/crm/activities/"+w.plannedID("Done lately")+"/done", url.Values{})
	other := w.newDeal("Rep 2 deal", w.jane, w.rep2, "lead", 100)
	w.rep2B.post("/crm/activities", planForm(other, w.rep2.ID, "Not in rep 1's feed", today(), ""))
	feed := feedPath(t, w.repB)
	r := w.anon.get(feed)
	if r.status != http.StatusOK || !strings.HasPrefix(r.header.Get("Content-Type"), "text/calendar") {
		t.Fatalf("the feed: %d %s", r.status, r.header.Get("Content-Type"))
	}
	lines := unfoldICal(t, r.body)
	joined := strings.Join(lines, "\n")
	if want := `SUMMARY:Call: Call O'Brien\; "now"\, please \\ <b>bold</b>`; !strings.Contains(joined, want) {
		t.Errorf("the feed lacks %q:\n%s", want, joined)
	}
	if !strings.Contains(joined, "SUMMARY:✓ Call: Done lately") || strings.Contains(joined, "Not in rep 1's feed") {
		t.Errorf("the feed's done activity is missing, or another rep's activity is in it")
	}
	if n := strings.Count(joined, "BEGIN:VEVENT"); n != 2 {
		t.Errorf("%d events, want 2", n)
	}
	// A new address ends the old one.
	again := feedPath(t, w.repB)
	if r := w.anon.get(feed); r.status != http.StatusNotFound {
		t.Errorf("the rotated-away feed: %d, want 404", r.status)
	}
	if r := w.anon.get(again); r.status != http.StatusOK {
		t.Errorf("the new feed: %d", r.status)
	}
	if _, err := w.db.DB.Exec(context.Background(), `UPDATE "user" SET banned = true WHERE id = $1`, w.rep.ID); err != nil {
		t.Fatal(err)
	}
	if r := w.anon.get(again); r.status != http.StatusNotFound {
		t.Errorf("a deactivated rep's feed: %d, want 404", r.status)
	}
	if n := w.count(t, `SELECT count(*) FROM calendar_feeds WHERE token_hash = sha256(convert_to($1, 'UTF8'))`,
		strings.TrimSuffix(strings.TrimPrefix(again, "/calendar/"), ".ics")); n != 1 {
		t.Errorf("the feed's secret is not stored as its SHA-256")
	}
	if n := w.count(t, `SELECT count(*) FROM calendar_feeds WHERE position(convert_to($1, 'UTF8') in token_hash) > 0`,
		strings.TrimSuffix(strings.TrimPrefix(again, "/calendar/"), ".ics")); n != 0 {
		t.Errorf("the feed's secret is stored in the clear")
	}
}

// My activities pages by keyset, 50 at a time in due order, each activity once, with
// the filter kept in the page links; a doctored position is a 400.
func TestMyActivitiesPages(t *testing.T) {
	t.Parallel()
	w := newCRM(t)
	ctx := context.Background()
	for i := range 120 {
		day := dayOffset(i%40 - 10)
		clock := ""
		if i%3 == 0 {
			clock = fmt.Sprintf("%02d:%02d", 8+i%9, (i%4)*15)
		}
		if _, err := activityPlan(ctx, w, day, clock, fmt.Sprintf("Paged %03d", i)); err != nil {
			t.Fatal(err)
		}
	}
	seen := map[string]bool{}
	var order []string
	next := "/crm/activities?type=call"
	pages := 0
	for next != "" {
		r := w.repB.get(next)
		if r.status != http.StatusOK {
			t.Fatalf("GET %s: %d", next, r.status)
		}
		pages++
		for _, m := range regexp.MustCompile(`<span class="activity-subject">(Paged \d+)</span>`).FindAllStringSubmatch(r.body, -1) {
			if seen[m[1]] {
				t.Errorf("%s is on two pages", m[1])
			}
			seen[m[1]] = true
			order = append(order, m[1])
		}
		m := regexp.MustCompile(`<a href="([^"]+)">Next page →</a>`).FindStringSubmatch(r.body)
		next = ""
		if m != nil {
			next = html.UnescapeString(m[1])
			if !strings.Contains(next, "type=call") {
				t.Errorf("the next page's link %q drops the filter", next)
			}
		}
	}
	if len(seen) != 120 || pages != 3 {
		t.Errorf("%d activities on %d pages, want 120 on 3", len(seen), pages)
	}
	var want []string
	rows, err := w.db.DB.Query(ctx, `SELECT subject FROM planned_activities ORDER BY due_date, due_sort, id`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var s string
		_ = rows.Scan(&s)
		want = append(want, s)
	}
	rows.Close()
	if strings.Join(order, ",") != strings.Join(want, ",") {
		t.Errorf("the pages are not in due order")
	}
	for _, bad := range []string{"x", "AQ", pageCursor(t, cursorText("a"))} {
		if r := w.repB.get("/crm/activities?after=" + url.QueryEscape(bad)); r.status != http.StatusBadRequest {
			t.Errorf("after=%q: %d, want 400", bad, r.status)
		}
	}
}

// activityPlan plans an activity on the world's deal for its rep, outside any form.
func activityPlan(ctx context.Context, w *crmWorld, day, clock, subject string) (string, error) {
	return activity.PlanFor(ctx, w.db.DB, w.rep.ID, false, w.deal, activity.PlanFields{Type: "call", Subject: subject,
		AssigneeID: w.rep.ID, DueDate: day, DueTime: clock, Zone: "UTC"})
}
