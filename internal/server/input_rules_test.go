package server_test

import (
	"context"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"rapport/internal/auth"
)

// hostileAddress is the mailto injection of issue 9, defect 11.
const hostileAddress = "boss?cc=attacker@evil.example&body=Please%20wire%20the%20money"

// TestEmailWithURLSyntaxIsRefused: the address is refused with a message beside the field
// on the contact form, the typed value kept, and rejected with the same reason by the
// import preview. On af25b2d the form answered 303 and stored it.
func TestEmailWithURLSyntaxIsRefused(t *testing.T) {
	t.Parallel()
	w := newCRM(t)
	r := w.repB.post("/crm/contacts", url.Values{"email": {hostileAddress}, "name": {"Boss"}, "owner_id": {w.rep.ID}})
	wantStatus(t, "contact form", r, http.StatusUnprocessableEntity)
	const msg = "Enter an email address like name@example.com: “?” cannot be part of one."
	if got := fieldError(r, "email"); got != msg {
		t.Errorf("beside email: %q, want %q", got, msg)
	}
	if got, _ := inputValue(r, "email"); got != strings.ToLower(hostileAddress) {
		t.Errorf("email kept as %q", got)
	}
	up := w.repB.postFile("/crm/import", map[string]string{"kind": "contacts"}, "file", "people.csv",
		[]byte("email,name\n"+hostileAddress+",Boss\nok@example.com,Fine\n"))
	wantStatus(t, "upload", up, http.StatusSeeOther)
	preview := w.repB.get(up.location)
	if got := importCount(t, preview, "reject") + "/" + importCount(t, preview, "create"); got != "1/1" {
		t.Errorf("rejected/to create %s, want 1/1", got)
	}
	mustContain(t, preview, "<td>email: "+html.EscapeString(msg)+"</td>")
	if n := w.count(t, `SELECT count(*) FROM contacts WHERE email LIKE '%?%'`); n != 0 {
		t.Errorf("%d contacts stored with a ? in the address", n)
	}
}

// TestLegacyHostileAddressLinksToOneRecipient: an address stored before the strict check
// (inserted straight into the database) still renders as one mailto: recipient, its "?",
// "&", "," and "#" escaped. On af25b2d the link was
// mailto:boss?cc=attacker@evil.example&body=Please%20wire%20the%20money,second@evil.example#x,
// which a mail client opens with the attacker in Cc and a body already written.
func TestLegacyHostileAddressLinksToOneRecipient(t *testing.T) {
	t.Parallel()
	w := newCRM(t)
	var id string
	if err := w.db.DB.QueryRow(context.Background(), `INSERT INTO contacts (email, name, owner_id) VALUES ($1, 'Legacy', $2) RETURNING id::text`,
		hostileAddress+",second@evil.example#x", w.rep.ID).Scan(&id); err != nil {
		t.Fatal(err)
	}
	page := w.repB.get("/crm/contacts/" + id)
	wantStatus(t, "contact page", page, http.StatusOK)
	href := regexp.MustCompile(`href="(mailto:[^"]*)"`).FindStringSubmatch(page.body)
	if href == nil {
		t.Fatal("no mailto: link on the contact page")
	}
	link := html.UnescapeString(href[1])
	if strings.ContainsAny(link, "?&,#=") {
		t.Errorf("the link carries URL syntax: %s", link)
	}
	if want := "mailto:boss%3Fcc%3Dattacker@evil.example%26body%3DPlease%2520wire%2520the%2520money%2Csecond@evil.example%23x"; link != want {
		t.Errorf("link %s\nwant %s", link, want)
	}
	u, err := url.Parse(link)
	if err != nil || u.RawQuery != "" || u.Fragment != "" || u.Opaque == "" {
		t.Errorf("the link parses as %+v (%v): want one opaque recipient, no query, no fragment", u, err)
	}
}

// invisibleInputs are typed into single-line fields: each is refused (issue 9, defect 12).
// On af25b2d all but "only U+0085" (trimmed, then "required") were stored: 11 tickets,
// deals and companies each, the lone ones a subject, title or name that shows nothing.
var invisibleInputs = []struct{ name, v string }{
	{"only U+FEFF", "\uFEFF"},
	{"only U+202E", "\u202E"},
	{"only DEL", "\x7F"},
	{"only U+200B", "\u200B"},
	{"U+FEFF inside", "Acme\uFEFF Ltd"},
	{"bidi override inside", "invoice\u202Etxt.exe"},
	{"bidi isolate inside", "Acme \u2066Ltd\u2069"},
	{"U+0085 inside", "Acme\u0085Ltd"},
	{"DEL inside", "Acme\x7FLtd"},
	{"C1 control inside", "Acme\u009BLtd"},
	{"Hangul filler only", "\u3164\u3164"},
	{"only U+0085", "\u0085"}, // white space to Unicode: trimmed, so the field is empty
}

// TestInvisibleCharactersAreRefused: every invisible input on the ticket subject, the deal
// title, the company name and the contact name is a 422 with a message beside the field
// and the form as typed (trimmed); nothing is stored. See invisibleInputs for af25b2d.
func TestInvisibleCharactersAreRefused(t *testing.T) {
	t.Parallel()
	h := newHostileWorld(t)
	forms := []struct {
		name, path, field string
		b                 *browser
		base              url.Values
		table             string
	}{
		{"ticket subject", "/support/tickets", "subject", h.cust, url.Values{"body": {"Hello"}}, "tickets"},
		{"deal title", "/crm/deals", "title", h.rep, url.Values{"contact_id": {"jane@acme.com"}, "pipeline_id": {h.pipe},
			"owner_id": {h.repU.ID}, "amount": {"100"}, "close_date": {"2030-01-31"}, "stage": {"lead"}}, "deals"},
		{"company name", "/crm/companies", "name", h.rep, url.Values{"domain": {""}}, "companies"},
		{"contact name", "/crm/contacts", "name", h.rep, url.Values{"email": {"invisible@example.com"}, "owner_id": {h.repU.ID}}, "contacts"},
	}
	for _, f := range forms {
		before := h.a.count(t, `SELECT count(*) FROM `+f.table)
		for _, in := range invisibleInputs {
			if f.field == "name" && f.table == "contacts" && in.name == "only U+0085" {
				continue // an optional name: trimmed to nothing, it is no name, and that is valid
			}
			body := url.Values{}
			for k, v := range f.base {
				body[k] = v
			}
			body.Set(f.field, in.v)
			r := f.b.post(f.path, body)
			what := f.name + " = " + in.name
			if r.status != http.StatusUnprocessableEntity {
				t.Errorf("%s: %d (Location %q), want 422", what, r.status, r.location)
				continue
			}
			if fieldError(r, f.field) == "" {
				t.Errorf("%s: no message beside the field", what)
			}
			if got, _ := keptInput(r, "name", f.field); got != strings.TrimSpace(in.v) {
				t.Errorf("%s: kept %+q, want %+q", what, got, strings.TrimSpace(in.v))
			}
		}
		if n := h.a.count(t, `SELECT count(*) FROM `+f.table); n != before {
			t.Errorf("%s: %d rows stored from refused forms", f.name, n-before)
		}
	}
}

// TestTypedTextIsStoredNFC: an "é" typed decomposed (e + U+0301, as some keyboards and
// macOS file names give it) is stored composed, in a company name, a ticket's subject and
// its body. On af25b2d each was stored as typed, so "Café" typed twice could be two
// different names that look the same.
func TestTypedTextIsStoredNFC(t *testing.T) {
	t.Parallel()
	h := newHostileWorld(t)
	const nfd, nfc = "Cafe\u0301 Ltd", "Caf\u00e9 Ltd"
	r := h.rep.post("/crm/companies", url.Values{"name": {nfd}, "domain": {""}})
	wantStatus(t, "company", r, http.StatusSeeOther)
	if got, _, _ := h.one(`SELECT name, id::text FROM companies WHERE id = $1`, idIn.FindString(r.location)); got != nfc {
		t.Errorf("company stored as %+q, want %+q", got, nfc)
	}
	r = h.cust.post("/support/tickets", url.Values{"subject": {nfd}, "body": {"  " + nfd + "\n"}})
	wantStatus(t, "ticket", r, http.StatusSeeOther)
	id := idIn.FindString(r.location)
	subject, _, _ := h.one(`SELECT subject, id::text FROM tickets WHERE id = $1`, id)
	body, _, _ := h.one(`SELECT body, id::text FROM ticket_messages WHERE ticket_id = $1`, id)
	if subject != nfc || body != "  "+nfc+"\n" {
		t.Errorf("ticket stored as %+q / %+q", subject, body)
	}
}

// TestBodiesKeepPastedInvisiblesRefuseDirectionControls: a support message may carry what
// text pasted from mail carries (no-break and zero-width spaces, a byte order mark, a soft
// hyphen), never a direction override or a control character. On af25b2d the override,
// the NEL and the body of nothing visible were filed (303).
func TestBodiesKeepPastedInvisiblesRefuseDirectionControls(t *testing.T) {
	t.Parallel()
	h := newHostileWorld(t)
	pasted := "\uFEFFHello,\u00a0team\u200B!\n\tsoft\u00adhyphen\r\n"
	r := h.cust.post("/support/tickets", url.Values{"subject": {"Pasted"}, "body": {pasted}})
	wantStatus(t, "pasted body", r, http.StatusSeeOther)
	if got, _, _ := h.one(`SELECT body, id::text FROM ticket_messages WHERE ticket_id = $1`, idIn.FindString(r.location)); got != pasted {
		t.Errorf("stored %+q, want %+q", got, pasted)
	}
	for _, v := range []string{"see invoice\u202Etxt.exe", "bell\x07", "next\u0085line", "\u200B \uFEFF"} {
		r := h.cust.post("/support/tickets", url.Values{"subject": {"Refused"}, "body": {v}})
		if r.status != http.StatusUnprocessableEntity || fieldError(r, "body") == "" {
			t.Errorf("%+q: %d, message %q", v, r.status, fieldError(r, "body"))
		}
		if got, _ := keptTextarea(r, "body"); got != v {
			t.Errorf("%+q: kept %+q", v, got)
		}
	}
}

// TestImportPreviewOfHugeCellsStaysSmall: a file as large as the upload cap, nearly all
// of it two huge rejected cells, and 60 more rejected rows: the preview page stays under
// 200 KB and says how many rows it leaves out, and the stored rejected rows keep an
// excerpt. On af25b2d the preview was 31,469,330 bytes (the cells in full, each "&" as
// "&amp;") and the rejected rows held 10,488,839 bytes, a cell of 5,242,450 characters
// (with the default 10 s deadline, the upload answered 503 under -race). Now: 13,074
// bytes, and 4,203 bytes with no cell over 124 characters.
func TestImportPreviewOfHugeCellsStaysSmall(t *testing.T) {
	t.Parallel()
	// Sizes are the point, not times: under -race on a loaded machine, reading 10 MB of
	// CSV may take longer than the default 10 s deadline.
	a := newAppEnv(t, map[string]string{"REQUEST_TIMEOUT": "2m"})
	a.user(auth.RoleSales, "rep@example.com")
	rep := a.browser()
	rep.signIn("rep@example.com")
	const capBytes = 10 << 20
	var file strings.Builder
	var rows strings.Builder
	for i := range 60 {
		fmt.Fprintf(&rows, "bad-%d,Row %d\n", i, i)
	}
	file.WriteString("email,name\n")
	half := (capBytes - rows.Len() - 64) / 2
	fmt.Fprintf(&file, "big@example.com,%s\n", strings.Repeat("&", half))
	fmt.Fprintf(&file, "%s@example.com,Big email\n", strings.Repeat("a", half))
	file.WriteString(rows.String())
	if file.Len() > capBytes {
		t.Fatalf("the file is %d bytes, over the cap", file.Len())
	}
	up := rep.postFile("/crm/import", map[string]string{"kind": "contacts"}, "file", "huge.csv", []byte(file.String()))
	wantStatus(t, "upload", up, http.StatusSeeOther)
	preview := rep.get(up.location)
	wantStatus(t, "preview", preview, http.StatusOK)
	t.Logf("file %d bytes, preview %d bytes", file.Len(), len(preview.body))
	if len(preview.body) > 200<<10 {
		t.Errorf("the preview is %d bytes, want at most 200 KB", len(preview.body))
	}
	if got := importCount(t, preview, "reject"); got != "62" {
		t.Errorf("%s rejected, want 62", got)
	}
	mustContain(t, preview, `<p class="muted" id="rows-not-shown">And 12 more rejected, not shown.</p>`,
		html.EscapeString(strings.Repeat("&", 100)+"… ("+groupDigits(half)+" characters)"))
	var longest, total int
	if err := a.db.DB.QueryRow(context.Background(), `
		SELECT max(greatest(char_length(name), char_length(email), char_length(domain), char_length(owner), char_length(reason))),
		       sum(octet_length(coalesce(name, '')) + octet_length(coalesce(email, '')) + octet_length(coalesce(reason, '')))
		FROM crm_import_rows r JOIN crm_imports i ON i.id = r.import_id WHERE r.action = 'reject'`).Scan(&longest, &total); err != nil {
		t.Fatal(err)
	}
	t.Logf("rejected rows: longest cell %d characters, %d bytes in all", longest, total)
	if longest > 200 || total > 64<<10 {
		t.Errorf("the rejected rows keep a cell of %d characters, %d bytes in all", longest, total)
	}
}

// groupDigits writes n with thousands separators, as the preview does.
func groupDigits(n int) string {
	s := fmt.Sprint(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
