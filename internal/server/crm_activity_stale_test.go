package server_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// Two people edit one activity: the rep opens the form, the admin saves first. The rep's
// save changes nothing: 409, the form again with the rep's input kept, a notice beside it
// of who saved and what the activity holds now against what the rep typed, and the
// version brought up to date, so that saving again is a choice (and then saves). A
// damaged version is a 400; a post without one (not our form) saves unchecked.
func TestPlannedActivityEditCollision(t *testing.T) {
	t.Parallel()
	w := newCRM(t)
	if r := w.repB.post("/crm/activities", planForm(w.deal, w.rep.ID, "Send the quote", dayOffset(2), "10:00")); r.status != http.StatusSeeOther {
		t.Fatalf("plan: %d\n%s", r.status, r.body)
	}
	id := w.plannedID("Send the quote")
	edit := func(b *browser, version, subject, day string) response {
		f := planForm(w.deal, w.rep.ID, subject, day, "10:00")
		f.Del("deal_id")
		if version != "" {
			f.Set("version", version)
		}
		return b.post("/crm/activities/"+id, f)
	}
	repForm := w.repB.get("/crm/activities/" + id + "/edit")
	repVersion, ok := inputValue(repForm, "version")
	if !ok || repVersion != "1" {
		t.Fatalf("the edit form carries version %q (%v), want 1", repVersion, ok)
	}
	adminForm := w.adminB.get("/crm/activities/" + id + "/edit")
	adminVersion, _ := inputValue(adminForm, "version")
	if r := edit(w.adminB, adminVersion, "Send the revised quote", dayOffset(3)); r.status != http.StatusSeeOther {
		t.Fatalf("the admin's save: %d\n%s", r.status, r.body)
	}

	r := edit(w.repB, repVersion, "Call about the quote <b>now</b>", dayOffset(2))
	wantStatus(t, "the rep's save over the admin's", r, http.StatusConflict)
	stale := between(r.body, `id="stale"`, "</div>")
	for _, want := range []string{"Ada Admin saved this activity", "Nothing of yours was saved",
		"Send the revised quote", "Call about the quote &lt;b&gt;now&lt;/b&gt;", dayOffset(3), dayOffset(2)} {
		if !strings.Contains(stale, want) {
			t.Errorf("the notice lacks %q:\n%s", want, stale)
		}
	}
	if strings.Contains(stale, ">Duration<") || strings.Contains(stale, ">Assigned to<") {
		t.Errorf("the notice lists fields that do not differ:\n%s", stale)
	}
	if strings.Index(r.body, `id="stale"`) > strings.Index(r.body, `class="activity-form"`) {
		t.Errorf("the notice is not above the form")
	}
	if v, _ := inputValue(r, "subject"); v != "Call about the quote <b>now</b>" {
		t.Errorf("the typed subject is not kept: %q", v)
	}
	if v, _ := inputValue(r, "due_date"); v != dayOffset(2) {
		t.Errorf("the typed day is not kept: %q", v)
	}
	if n := w.count(t, `SELECT count(*) FROM planned_activities WHERE id = $1 AND subject = 'Send the revised quote' AND version = 2 AND updated_by = $2`,
		id, w.admin.ID); n != 1 {
		t.Fatalf("the refused save changed the activity")
	}
	if w.nextOf(w.deal) != dayOffset(3) {
		t.Errorf("the refused save moved the deal's next activity to %q", w.nextOf(w.deal))
	}
	fresh, _ := inputValue(r, "version")
	if fresh != "2" {
		t.Fatalf("the 409 form carries version %q, want 2", fresh)
	}
	// Saving again, with the other edit in view, overwrites it.
	if r := edit(w.repB, fresh, "Call about the quote", dayOffset(2)); r.status != http.StatusSeeOther {
		t.Fatalf("the second save: %d\n%s", r.status, r.body)
	}
	if n := w.count(t, `SELECT count(*) FROM planned_activities WHERE id = $1 AND subject = 'Call about the quote' AND version = 3 AND updated_by = $2`,
		id, w.rep.ID); n != 1 || w.nextOf(w.deal) != dayOffset(2) {
		t.Errorf("the second save did not land (next %q)", w.nextOf(w.deal))
	}
	// Bad input on a stale form is a 422 first (nothing to compare yet), kept as typed.
	if r := edit(w.adminB, adminVersion, strings.Repeat("x", 201), dayOffset(2)); r.status != http.StatusUnprocessableEntity || fieldError(r, "subject") == "" {
		t.Errorf("a too-long subject on a stale form: %d, subject error %q", r.status, fieldError(r, "subject"))
	}
	for _, v := range []string{"abc", "0", "-1", "99999999999"} {
		if r := edit(w.repB, v, "Damaged", dayOffset(2)); r.status != http.StatusBadRequest {
			t.Errorf("version %q: %d, want 400", v, r.status)
		}
	}
	if r := edit(w.repB, "", "Scripted", dayOffset(2)); r.status != http.StatusSeeOther {
		t.Errorf("a post without a version: %d, want a save", r.status)
	}
	// Done and undone do not bump the version: an open form still saves after them.
	form := w.repB.get("/crm/activities/" + id + "/edit")
	v, _ := inputValue(form, "version")
	w.repB.post("/crm/activities/"+id+"/done", url.Values{})
	w.repB.post("/crm/activities/"+id+"/undo", url.Values{})
	if r := edit(w.repB, v, "After done and undone", dayOffset(2)); r.status != http.StatusSeeOther {
		t.Errorf("a save after done and undone: %d, want a save", r.status)
	}
}
