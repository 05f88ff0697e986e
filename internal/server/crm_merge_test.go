package server_test

import (
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
)

// TestCRMDuplicatesAndContactMerge: the duplicates page finds two Jane Does at Acme;
// merging them keeps the chosen values, moves the loser's deals (with a note in their
// timelines), records the merge in the audit log, and the loser's URL redirects.
func TestCRMDuplicatesAndContactMerge(t *testing.T) {
	t.Parallel()
	w := newCRM(t)
	dup := w.contact("j.doe@acme.com", "jane doe", w.acme, w.rep)
	dupDeal := w.newDeal("Acme upsell", dup, w.rep, "lead", 100_000)

	d := w.repB.get("/crm/duplicates")
	wantStatus(t, "duplicates", d, http.StatusOK)
	mustContain(t, d, "Same name at Acme", "/crm/contacts/"+dup+"/merge?with="+w.jane)

	page := w.repB.get("/crm/contacts/" + dup + "/merge?with=" + url.QueryEscape("JANE@acme.com"))
	wantStatus(t, "merge page", page, http.StatusOK)
	mustContain(t, page, `name="keep_email"`, "jane@acme.com", "j.doe@acme.com", `name="version_a" value="1"`)
	// Someone else's contacts: a rep may not merge them.
	form := url.Values{"with": {w.jane}, "survivor": {w.jane}, "version_a": {"1"}, "version_b": {"1"},
		"keep_email": {w.jane}, "keep_name": {w.jane}, "keep_company": {w.jane}, "keep_owner": {dup}}
	wantStatus(t, "other rep", w.rep2B.post("/crm/contacts/"+dup+"/merge", form), http.StatusForbidden)
	// A stale version: 409, nothing merged.
	stale := url.Values{}
	for k, v := range form {
		stale[k] = v
	}
	stale.Set("version_b", "7")
	r := w.repB.post("/crm/contacts/"+dup+"/merge", stale)
	wantStatus(t, "stale", r, http.StatusConflict)
	mustContain(t, r, "One of them changed since you opened this page")
	if n := w.count(t, `SELECT count(*) FROM contacts WHERE id = $1`, dup); n != 1 {
		t.Fatal("a stale merge deleted the contact")
	}

	r = w.repB.post("/crm/contacts/"+dup+"/merge", form)
	wantRedirect(t, "merge", r, "/crm/contacts/"+w.jane)
	if got := flash(w.repB.get(r.location)); got != "Contacts merged: 1 deals and 0 planned activities moved." {
		t.Errorf("flash %q", got)
	}
	if n := w.count(t, `SELECT count(*) FROM contacts WHERE id = $1`, dup); n != 0 {
		t.Error("the loser is still there")
	}
	if n := w.count(t, `SELECT count(*) FROM deals WHERE contact_id = $1`, w.jane); n != 2 {
		t.Errorf("jane has %d deals, want 2", n)
	}
	if n := w.count(t, `SELECT count(*) FROM contacts WHERE id = $1 AND email = 'jane@acme.com' AND name = 'Jane Doe' AND version = 2`, w.jane); n != 1 {
		t.Error("the survivor does not hold the chosen values")
	}
	if n := w.count(t, `SELECT count(*) FROM activities WHERE deal_id = $1 AND type = 'note' AND body LIKE 'Merged contact jane doe <j.doe@acme.com> into Jane Doe%'`, dupDeal); n != 1 {
		t.Error("no note in the moved deal's timeline")
	}
	if n := w.count(t, `SELECT count(*) FROM audit_log WHERE action = 'contact.merge' AND target_id = $1 AND actor_id = $2`, w.jane, w.rep.ID); n != 1 {
		t.Error("no audit entry")
	}
	old := w.repB.get("/crm/contacts/" + dup)
	if old.status != http.StatusMovedPermanently || old.location != "/crm/contacts/"+w.jane {
		t.Errorf("old URL: %d to %q", old.status, old.location)
	}
	// Posting the same merge again: the loser is gone.
	wantStatus(t, "again", w.repB.post("/crm/contacts/"+dup+"/merge", form), http.StatusNotFound)
	mustNotContain(t, w.repB.get("/crm/duplicates"), "/crm/contacts/"+dup)
}

// TestCRMCompanyMerge: contacts move to the survivor, the loser's domain can be kept,
// the old URL redirects; two merges of the same pair at once: one wins, nothing half done.
func TestCRMCompanyMerge(t *testing.T) {
	t.Parallel()
	w := newCRM(t)
	acmeIO := w.company("ACME", "acme.io")
	bob := w.contact("bob@acme.io", "Bob", acmeIO, w.rep2)
	mustContain(t, w.repB.get("/crm/duplicates"), "Same name", "/crm/companies/"+acmeIO+"/merge?with="+w.acme)
	page := w.rep2B.get("/crm/companies/" + acmeIO + "/merge?with=acme.com")
	wantStatus(t, "merge page", page, http.StatusOK)
	form := url.Values{"with": {w.acme}, "survivor": {w.acme}, "version_a": {"1"}, "version_b": {"1"},
		"keep_name": {w.acme}, "keep_domain": {acmeIO}}
	var wg sync.WaitGroup
	statuses := make([]int, 4)
	for i := range statuses {
		wg.Add(1)
		go func() {
			defer wg.Done()
			statuses[i] = w.rep2B.post("/crm/companies/"+acmeIO+"/merge", form).status
		}()
	}
	wg.Wait()
	won := 0
	for _, s := range statuses {
		switch s {
		case http.StatusSeeOther:
			won++
		case http.StatusNotFound, http.StatusConflict:
		default:
			t.Errorf("a concurrent merge answered %d", s)
		}
	}
	if won != 1 {
		t.Errorf("%d merges won: %v", won, statuses)
	}
	if n := w.count(t, `SELECT count(*) FROM companies WHERE id = $1 AND name = 'Acme' AND domain = 'acme.io' AND version = 2`, w.acme); n != 1 {
		t.Error("the survivor does not hold the chosen values")
	}
	if n := w.count(t, `SELECT count(*) FROM contacts WHERE company_id = $1 AND id IN ($2, $3)`, w.acme, bob, w.jane); n != 2 {
		t.Errorf("%d contacts at the survivor, want 2", n)
	}
	if n := w.count(t, `SELECT count(*) FROM audit_log WHERE action = 'company.merge'`); n != 1 {
		t.Errorf("%d audit entries", n)
	}
	old := w.agentB.get("/crm/companies/" + acmeIO)
	if old.status != http.StatusMovedPermanently || old.location != "/crm/companies/"+w.acme {
		t.Errorf("old URL: %d to %q", old.status, old.location)
	}
	// Bad input: the same record twice, unknown choices, a missing other.
	same := url.Values{"with": {w.acme}, "survivor": {w.acme}, "version_a": {"2"}, "version_b": {"2"}, "keep_name": {w.acme}, "keep_domain": {w.acme}}
	wantStatus(t, "same", w.repB.post("/crm/companies/"+w.acme+"/merge", same), http.StatusUnprocessableEntity)
	bad := url.Values{"with": {"x"}, "survivor": {w.acme}}
	wantStatus(t, "bad", w.repB.post("/crm/companies/"+w.acme+"/merge", bad), http.StatusBadRequest)
	r := w.repB.get("/crm/companies/" + w.acme + "/merge?with=" + url.QueryEscape(strings.Repeat("x", 5000)))
	wantStatus(t, "long with", r, http.StatusUnprocessableEntity)
	r = w.repB.get("/crm/companies/" + w.acme + "/merge?with=nosuch.example")
	wantStatus(t, "unknown", r, http.StatusUnprocessableEntity)
	mustContain(t, r, "No company uses nosuch.example.")
}

// TestCRMLookalikeWarning: a new company or contact that looks like an existing one is
// a 422 with a link to it, saved once "save anyway" is ticked.
func TestCRMLookalikeWarning(t *testing.T) {
	t.Parallel()
	w := newCRM(t)
	r := w.repB.post("/crm/companies", url.Values{"name": {"ACME"}, "domain": {"acme.io"}})
	wantStatus(t, "company lookalike", r, http.StatusUnprocessableEntity)
	mustContain(t, r, `href="/crm/companies/`+w.acme+`"`, "has the same name", `name="anyway"`)
	if got, _ := inputValue(r, "name"); got != "ACME" {
		t.Errorf("name kept as %q", got)
	}
	if n := w.count(t, `SELECT count(*) FROM companies`); n != 1 {
		t.Fatalf("%d companies after the warning", n)
	}
	r = w.repB.post("/crm/companies", url.Values{"name": {"ACME"}, "domain": {"acme.io"}, "anyway": {"1"}})
	wantStatus(t, "anyway", r, http.StatusSeeOther)

	r = w.repB.post("/crm/contacts", url.Values{"email": {"jd@acme.com"}, "name": {"Jane Do"}, "company_id": {"acme.com"}, "owner_id": {w.rep.ID}})
	wantStatus(t, "contact lookalike", r, http.StatusUnprocessableEntity)
	mustContain(t, r, `href="/crm/contacts/`+w.jane+`"`, "has a similar name at this company")
	r = w.repB.post("/crm/contacts", url.Values{"email": {"jd@acme.com"}, "name": {"Jane Do"}, "company_id": {"acme.com"}, "owner_id": {w.rep.ID}, "anyway": {"1"}})
	wantStatus(t, "contact anyway", r, http.StatusSeeOther)
}
