package server_test

import (
	"bytes"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"
)

func importCount(t *testing.T, r response, verdict string) string {
	t.Helper()
	m := regexp.MustCompile(`<span class="import-count" id="count-` + verdict + `">(\d+)</span>`).FindStringSubmatch(r.body)
	if m == nil {
		t.Fatalf("no %s count on the page (status %d)", verdict, r.status)
	}
	return m[1]
}

func TestCRMImportContactsPreviewAndConfirm(t *testing.T) {
	t.Parallel()
	w := newCRM(t)
	wantStatus(t, "upload page", w.repB.get("/crm/import"), http.StatusOK)
	file := "Email,Name,Domain,Owner_ID\n" +
		"jane@ACME.com,Jane,,\n" +
		"tom@acme.com,Tom Baker,acme.com,\n" +
		"hank@globex.com,Hank,globex.com,\n" +
		"bad-email,X,,\n" +
		"lead@gmail.com,Lead,,\n"
	up := w.repB.postFile("/crm/import", map[string]string{"kind": "contacts"}, "file", "people.csv", []byte(file))
	if up.status != http.StatusSeeOther || !strings.HasPrefix(up.location, "/crm/import/") {
		t.Fatalf("upload: %d %q\n%s", up.status, up.location, up.body)
	}
	preview := w.repB.get(up.location)
	wantStatus(t, "preview", preview, http.StatusOK)
	if got := importCount(t, preview, "create") + importCount(t, preview, "match") + importCount(t, preview, "reject"); got != "212" {
		t.Errorf("counts create/match/reject %s, want 2 1 2", got)
	}
	mustContain(t, preview, "Preview of people.csv", "domain: no company uses globex.com (import the companies first).",
		"email: Enter an email address like name@example.com.", "Import 2 new contacts")
	if n := w.count(t, `SELECT count(*) FROM contacts`); n != 1 {
		t.Fatalf("the preview created contacts: %d", n)
	}
	// Only its uploader sees or applies an import.
	wantStatus(t, "another rep's preview", w.rep2B.get(up.location), http.StatusNotFound)
	wantStatus(t, "another rep confirms", w.rep2B.post(up.location, nil), http.StatusNotFound)

	wantRedirect(t, "confirm", w.repB.post(up.location, nil), up.location)
	done := w.repB.get(up.location)
	if got := flash(done); got != "Imported 2 new records." {
		t.Errorf("flash %q", got)
	}
	mustContain(t, done, "Imported people.csv", "Applied on")
	if n := w.count(t, `SELECT count(*) FROM contacts WHERE email IN ('tom@acme.com', 'lead@gmail.com') AND owner_id = $1`, w.rep.ID); n != 2 {
		t.Errorf("%d imported contacts", n)
	}
	if n := w.count(t, `SELECT count(*) FROM contacts c JOIN companies co ON co.id = c.company_id WHERE c.email = 'tom@acme.com' AND co.domain = 'acme.com'`); n != 1 {
		t.Error("Tom is not at Acme")
	}
	again := w.repB.post(up.location, nil)
	wantRedirect(t, "confirm again", again, up.location)
	if got := flash(w.repB.get(up.location)); got != "This import was already applied; nothing was added again." {
		t.Errorf("second confirm flash %q", got)
	}
	if n := w.count(t, `SELECT count(*) FROM contacts`); n != 3 {
		t.Errorf("%d contacts after a second confirm", n)
	}
}

// Confirming applies every row or none: a collision with a record added since the
// preview leaves the database as it was and says why.
func TestCRMImportAllOrNothing(t *testing.T) {
	t.Parallel()
	w := newCRM(t)
	var file strings.Builder
	file.WriteString("name,domain\n")
	for i := range 300 {
		fmt.Fprintf(&file, "Company %d,company-%d.com\n", i, i)
	}
	up := w.repB.postFile("/crm/import", map[string]string{"kind": "companies"}, "file", "companies.csv", []byte(file.String()))
	wantStatus(t, "upload", up, http.StatusSeeOther)
	if got := importCount(t, w.repB.get(up.location), "create"); got != "300" {
		t.Fatalf("to create: %s", got)
	}
	// Meanwhile a colleague adds one of them.
	w.company("Company 299 (added by hand)", "company-299.com")
	r := w.repB.post(up.location, nil)
	wantStatus(t, "confirm after a collision", r, http.StatusConflict)
	if got := problem(r); got != "Someone added one of these companies or contacts since this preview, so nothing was imported. Upload the file again for a new preview." {
		t.Errorf("problem %q", got)
	}
	if n := w.count(t, `SELECT count(*) FROM companies`); n != 2 {
		t.Fatalf("%d companies after a failed import, want Acme and the one added by hand", n)
	}
	up = w.repB.postFile("/crm/import", map[string]string{"kind": "companies"}, "file", "companies.csv", []byte(file.String()))
	preview := w.repB.get(up.location)
	if got := importCount(t, preview, "create") + "/" + importCount(t, preview, "match"); got != "299/1" {
		t.Fatalf("fresh preview: %s", got)
	}
	wantRedirect(t, "confirm", w.repB.post(up.location, nil), up.location)
	if n := w.count(t, `SELECT count(*) FROM companies`); n != 301 {
		t.Fatalf("%d companies", n)
	}
}

// Hostile or broken files get a clear message beside the file field, never a 500.
func TestCRMImportRefusesBadFiles(t *testing.T) {
	t.Parallel()
	w := newCRM(t)
	tests := []struct {
		kind    string
		content []byte
		status  int
		field   string
		msg     string
	}{
		{"contacts", []byte("email\nx@y.com\x00\n"), 422, "file", "The file contains NUL bytes: it is not a text CSV file. Export it from your spreadsheet as CSV (UTF-8)."},
		{"contacts", []byte("email,name\nx@y.com,Caf\xe9\n"), 422, "file", "The file is not UTF-8 text. Export it from your spreadsheet as CSV (UTF-8)."},
		{"contacts", []byte("name,domain\nA,a.com\n"), 422, "file", "The first line must name the columns, and email is missing: expected email, name, company_id, domain, owner_id."},
		{"contacts", []byte(""), 422, "file", "The file is empty."},
		{"contacts", []byte("email\n\"open quote\n"), 422, "file", `Line 2 is not valid CSV (extraneous or missing " in quoted-field). Check its quotes.`},
		{"people", []byte("email\na@b.com\n"), 422, "kind", "Choose what the file holds: companies or contacts."},
		{"companies", bytes.Repeat([]byte("x"), 11<<20), 413, "file", "The file is larger than 10 MB. Split it into smaller files."},
	}
	for _, tc := range tests {
		r := w.repB.postFile("/crm/import", map[string]string{"kind": tc.kind}, "file", "f.csv", tc.content)
		if r.status != tc.status {
			t.Errorf("%s: status %d, want %d", tc.msg, r.status, tc.status)
		}
		if got := fieldError(r, tc.field); got != tc.msg {
			t.Errorf("beside %s: %q, want %q", tc.field, got, tc.msg)
		}
	}
	// A form without the file at all.
	r := w.repB.post("/crm/import", nil)
	wantStatus(t, "not multipart", r, http.StatusBadRequest)
	if n := w.count(t, `SELECT count(*) FROM crm_imports`); n != 0 {
		t.Errorf("%d imports stored from refused files", n)
	}
}

// A 50k-row file is previewed and imported within the request's time limit.
func TestCRMImport50kContacts(t *testing.T) {
	t.Parallel()
	w := newCRM(t)
	var file bytes.Buffer
	file.WriteString("email,name,domain\n")
	for i := range 50_000 {
		fmt.Fprintf(&file, "person.%d@acme.com,Person %d,acme.com\n", i, i)
	}
	up := w.repB.postFile("/crm/import", map[string]string{"kind": "contacts"}, "file", "big.csv", file.Bytes())
	wantStatus(t, "upload", up, http.StatusSeeOther)
	preview := w.repB.get(up.location)
	if got := importCount(t, preview, "create"); got != "50000" {
		t.Fatalf("to create: %s", got)
	}
	mustContain(t, preview, `data-progress="Importing 50000 rows…"`)
	wantRedirect(t, "confirm", w.repB.post(up.location, nil), up.location)
	if n := w.count(t, `SELECT count(*) FROM contacts WHERE company_id = $1`, w.acme); n != 50_001 {
		t.Fatalf("%d contacts at Acme", n)
	}
}

// A HubSpot contacts export maps without manual work, and the preview says what each
// column became, ignored ones out loud, headers shown escaped.
func TestCRMImportHubSpotExport(t *testing.T) {
	t.Parallel()
	w := newCRM(t)
	file := "Record ID,First Name,Last Name,Email,Phone Number,<i>Notes</i>\n" +
		"101,Ada,Lovelace,ada@engines.org,+44 20,x\n"
	up := w.repB.postFile("/crm/import", map[string]string{"kind": "contacts"}, "file", "hubspot-contacts.csv", []byte(file))
	if up.status != http.StatusSeeOther {
		t.Fatalf("upload: %d\n%s", up.status, up.body)
	}
	preview := w.repB.get(up.location)
	wantStatus(t, "preview", preview, http.StatusOK)
	mustContain(t, preview, "Recognised as an export from <strong>HubSpot</strong>",
		"<td>First Name</td><td>name (first part)</td>", "<td>Email</td><td>email</td>",
		`<td>Phone Number</td><td>phone</td>`,
		"<td>&lt;i&gt;Notes&lt;/i&gt;</td>", "<td>Ada Lovelace</td>")
	mustNotContain(t, preview, "<i>Notes</i>")
	wantRedirect(t, "confirm", w.repB.post(up.location, nil), up.location)
	if n := w.count(t, `SELECT count(*) FROM contacts WHERE email = 'ada@engines.org' AND name = 'Ada Lovelace'`); n != 1 {
		t.Errorf("%d contacts imported from HubSpot's columns", n)
	}
	if n := w.count(t, `SELECT count(*) FROM contact_phones p JOIN contacts c ON c.id = p.contact_id
		WHERE c.email = 'ada@engines.org' AND p.number = '+44 20' AND p.digits = '4420' AND p.kind = 'work'`); n != 1 {
		t.Errorf("%d phone numbers imported from HubSpot's Phone Number", n)
	}
}
