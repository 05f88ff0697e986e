package server_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"rapport/internal/crm"
)

func dealForm(w *crmWorld, title, contact, amount, close string) url.Values {
	return url.Values{"title": {title}, "contact_id": {contact}, "pipeline_id": {w.pipe}, "owner_id": {w.rep.ID},
		"amount": {amount}, "close_date": {close}, "stage": {"lead"}}
}

func TestCRMDealCreate(t *testing.T) {
	t.Parallel()
	w := newCRM(t)
	form := w.repB.get("/crm/deals/new?contact_id=jane%40acme.com&pipeline_id=" + w.pipe)
	wantStatus(t, "form", form, http.StatusOK)
	if got, _ := inputValue(form, "contact_id"); got != "jane@acme.com" {
		t.Errorf("contact pre-filled as %q", got)
	}
	mustContain(t, form, `<select id="f-stage_id" name="stage_id">`, `" selected>Lead</option>`, `<option value="`+w.pipe+`" selected>Inbound</option>`)

	for amount, cents := range map[string]int64{"12,500": 1_250_000, "12500.50": 1_250_050, "$1,250.5": 125_050, "": 0} {
		title := "Deal [" + amount + "]"
		r := w.repB.post("/crm/deals", dealForm(w, title, "JANE@acme.com", amount, "2030-06-30"))
		if r.status != http.StatusSeeOther || !strings.HasPrefix(r.location, "/crm/deals/") {
			t.Fatalf("create %q: %d %q\n%s", amount, r.status, r.location, r.body)
		}
		var got int64
		var close string
		if err := w.db.DB.QueryRow(t.Context(), `SELECT amount_cents, close_date::text FROM deals WHERE title = $1`, title).Scan(&got, &close); err != nil {
			t.Fatal(err)
		}
		if got != cents || close != "2030-06-30 00:00:00+00" {
			t.Errorf("%q: stored %d cents closing %s, want %d at midnight UTC", amount, got, close, cents)
		}
		page := w.repB.get(r.location)
		mustContain(t, page, "<h1>"+title+"</h1>", crm.FormatMoney(cents), "Sun 30 Jun 2030")
	}
}

func TestCRMDealValidation(t *testing.T) {
	t.Parallel()
	w := newCRM(t)
	tests := []struct{ title, contact, amount, close, field, msg string }{
		{"T", "jane@acme.com", "12.345", "", "amount", crm.ErrMoneyDecimals.Error()},
		{"T", "jane@acme.com", "-5", "", "amount", crm.ErrMoneyNegative.Error()},
		{"T", "jane@acme.com", "12k", "", "amount", crm.ErrMoneyFormat.Error()},
		{"T", "jane@acme.com", "12,50", "", "amount", crm.ErrMoneyCommas.Error()},
		{"T", "jane@acme.com", "1,000,000,000,000", "", "amount", crm.ErrMoneyTooLarge.Error()},
		{"T", "jane@acme.com", "5", "30/06/2030", "close_date", "Enter a date like 2026-12-31."},
		{"", "jane@acme.com", "5", "", "title", "Title is required."},
		{"T\x00", "jane@acme.com", "5", "", "title", "Contains a NUL character, which is not allowed."},
		{"T", "", "5", "", "contact_id", "Enter the contact's email."},
		{"T", "nobody@acme.com", "5", "", "contact_id", "No contact has nobody@acme.com yet: add the contact first."},
		{"T", "not an email", "5", "", "contact_id", "Enter the contact's email, like jane@acme.com."},
	}
	for _, tc := range tests {
		r := w.repB.post("/crm/deals", dealForm(w, tc.title, tc.contact, tc.amount, tc.close))
		wantStatus(t, tc.msg, r, http.StatusUnprocessableEntity)
		if got := fieldError(r, tc.field); got != tc.msg {
			t.Errorf("%q: beside %s %q, want %q", tc.amount, tc.field, got, tc.msg)
		}
		if got, _ := inputValue(r, "amount"); got != tc.amount {
			t.Errorf("amount kept as %q, want %q", got, tc.amount)
		}
		if got, _ := inputValue(r, "contact_id"); got != tc.contact {
			t.Errorf("contact kept as %q", got)
		}
	}
	r := w.repB.post("/crm/deals", url.Values{"title": {"T"}, "contact_id": {"jane@acme.com"}, "pipeline_id": {"nope"}, "owner_id": {w.agent.ID}, "stage": {"closed"}})
	wantStatus(t, "selects", r, http.StatusUnprocessableEntity)
	for field, msg := range map[string]string{"pipeline_id": "Choose a pipeline.", "owner_id": "Choose an owner from the list: a sales rep or an admin.", "stage_id": "Choose a stage."} {
		if got := fieldError(r, field); got != msg {
			t.Errorf("beside %s: %q", field, got)
		}
	}
	mustContain(t, w.repB.post("/crm/deals", dealForm(w, "T", "new@acme.com", "", "")), `<a href="/crm/contacts/new?email=new%40acme.com">add the contact</a>`)
	if n := w.count(t, `SELECT count(*) FROM deals`); n != 1 {
		t.Errorf("%d deals after refused forms", n)
	}
}

// The ownership rule on deals: every rep reads every deal; the owner (or an admin)
// edits, moves, logs on and reassigns it.
func TestCRMDealOwnership(t *testing.T) {
	t.Parallel()
	w := newCRM(t)
	path := "/crm/deals/" + w.deal
	theirs := w.rep2B.get(path)
	wantStatus(t, "another rep reads", theirs, http.StatusOK)
	mustContain(t, theirs, "Rita Rep owns this deal: only they or an admin can move it or log on it.")
	mustNotContain(t, theirs, `action="`+path+`/stage"`, `action="`+path+`/activities"`, `href="`+path+`/edit"`)
	mine := w.repB.get(path)
	mustContain(t, mine, `action="`+path+`/stage"`, `action="`+path+`/activities"`, `href="`+path+`/edit"`)

	edit := dealForm(w, "Stolen", "jane@acme.com", "1", "")
	edit.Set("owner_id", w.rep2.ID)
	wantStatus(t, "another rep's edit form", w.rep2B.get(path+"/edit"), http.StatusForbidden)
	wantStatus(t, "another rep edits", w.rep2B.post(path, edit), http.StatusForbidden)
	wantStatus(t, "another rep moves", w.rep2B.post(path+"/stage", url.Values{"stage": {"won"}}), http.StatusForbidden)
	wantStatus(t, "another rep logs", w.rep2B.post(path+"/activities", url.Values{"type": {"note"}, "body": {"x"}}), http.StatusForbidden)
	wantStatus(t, "another rep's invalid edit", w.rep2B.post(path, url.Values{"title": {""}}), http.StatusForbidden)
	wantStatus(t, "another rep's invalid log", w.rep2B.post(path+"/activities", url.Values{"type": {"note"}}), http.StatusForbidden)
	if s := w.stageOf(w.deal); s != "lead" {
		t.Fatalf("stage %s after refused moves", s)
	}

	f := w.repB.get(path + "/edit")
	if got, _ := inputValue(f, "amount"); got != "12500" {
		t.Errorf("edit form amount %q", got)
	}
	wantRedirect(t, "owner reassigns", w.repB.post(path, dealForm(w, "Acme starter, 30 seats", "jane@acme.com", "15,000", "2030-01-31")), path)
	handover := dealForm(w, "Acme starter, 30 seats", "jane@acme.com", "15,000", "2030-01-31")
	handover.Set("owner_id", w.rep2.ID)
	wantRedirect(t, "owner hands over", w.repB.post(path, handover), path)
	wantStatus(t, "former owner moves", w.repB.post(path+"/stage", url.Values{"stage": {"won"}}), http.StatusForbidden)
	wantRedirect(t, "new owner moves", w.rep2B.post(path+"/stage", url.Values{"stage": {"qualified"}}), path)
	wantRedirect(t, "admin moves", w.adminB.post(path+"/stage", url.Values{"stage": {"won"}}), path)
	wantRedirect(t, "admin logs", w.adminB.post(path+"/activities", url.Values{"type": {"note"}, "body": {"Signed"}}), path)
	page := w.adminB.get(path)
	mustContain(t, page, "Acme starter, 30 seats", "$15,000", "Otto Other", "Thu 31 Jan 2030")
}

// A move through the Move form (no JavaScript): one transaction, recorded with who and
// when, shown on the page it returns to and on the board's totals.
func TestCRMDealMoveAndTimeline(t *testing.T) {
	t.Parallel()
	w := newCRM(t)
	path := "/crm/deals/" + w.deal
	board := w.repB.get("/crm")
	if got := columnStats(t, board, "lead") + " " + columnStats(t, board, "qualified"); got != "1|$12,500 0|$0" {
		t.Fatalf("board before: %s", got)
	}
	r := w.repB.post(path+"/stage", url.Values{"stage": {"qualified"}, "next": {"/crm?owner_id=mine"}})
	wantRedirect(t, "move from the board", r, "/crm?owner_id=mine")
	board = w.repB.get(r.location)
	if got := flash(board); got != "Acme starter moved from Lead to Qualified." {
		t.Errorf("flash %q", got)
	}
	if got := columnStats(t, board, "lead") + " " + columnStats(t, board, "qualified"); got != "0|$0 1|$12,500" {
		t.Errorf("board after: %s", got)
	}
	if !strings.Contains(column(board, "qualified"), `id="deal-`+w.deal+`"`) {
		t.Error("the card is not in the qualified column")
	}
	// Back to itself: a foreign next is refused, the deal page is the default.
	wantRedirect(t, "foreign next", w.repB.post(path+"/stage", url.Values{"stage": {"qualified"}, "next": {"//evil.com"}}), path)
	if got := flash(w.repB.get(path)); got != "Acme starter already is in Qualified." {
		t.Errorf("same stage flash %q", got)
	}
	bad := w.repB.post(path+"/stage", url.Values{"stage": {"closed"}})
	wantStatus(t, "unknown stage", bad, http.StatusUnprocessableEntity)

	wantRedirect(t, "call", w.repB.post(path+"/activities", url.Values{"type": {"call"}, "body": {"Call with Jane: <b>budget</b> approved\nsecond line"}}), path)
	page := w.repB.get(path)
	if got := flash(page); got != "Call logged." {
		t.Errorf("flash %q", got)
	}
	mustContain(t, page, `<span class="badge stage-qualified">Qualified</span>`, "Rita Rep</strong> moved it from Lead to Qualified",
		"Call with Jane: &lt;b&gt;budget&lt;/b&gt; approved\nsecond line")
	mustNotContain(t, page, "<b>budget</b>", "@stageBadge")
	if i, j := strings.Index(page.body, "Call with Jane"), strings.Index(page.body, "moved it from Lead"); i < 0 || j < 0 || i > j {
		t.Error("the timeline is not newest first")
	}
	if n := w.count(t, `SELECT count(*) FROM deal_stage_changes WHERE deal_id = $1 AND actor_id = $2`, w.deal, w.rep.ID); n != 1 {
		t.Errorf("%d stage changes recorded, want 1", n)
	}
}

func TestCRMActivityValidation(t *testing.T) {
	t.Parallel()
	w := newCRM(t)
	path := "/crm/deals/" + w.deal
	for _, tc := range []struct{ kind, body, field, msg string }{
		{"meeting", "x", "type", "Choose call, email or note."},
		{"call", "", "body", "Write what happened."},
		{"call", "a\x00b", "body", "Contains a NUL character, which is not allowed."},
		{"note", strings.Repeat("é", 10001), "body", "Too long: at most 10000 characters (this has 10001)."},
	} {
		r := w.repB.post(path+"/activities", url.Values{"type": {tc.kind}, "body": {tc.body}})
		wantStatus(t, tc.msg, r, http.StatusUnprocessableEntity)
		if got := fieldError(r, tc.field); got != tc.msg {
			t.Errorf("beside %s: %q, want %q", tc.field, got, tc.msg)
		}
		mustContain(t, r, "<h1>Acme starter</h1>")
		if tc.field == "type" && !strings.Contains(r.body, ">x</textarea>") {
			t.Error("the body was not kept")
		}
	}
	if n := w.count(t, `SELECT count(*) FROM activities`); n != 0 {
		t.Errorf("%d activities after refused forms", n)
	}
}
