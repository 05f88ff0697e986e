package server_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"regexp"
	"runtime"
	"strings"
	"testing"
	"time"

	"rapport/internal/auth"
)

// upload is one file of a multipart post.
type upload struct {
	name, contentType string
	content           []byte
}

// field is one text field, in order: the order is the form's, text before files.
type field struct{ name, value string }

// postParts posts a multipart form as a browser would: the fields (a fresh form_key
// unless one is given), then the files under "files".
func (b *browser) postParts(path string, fields []field, files ...upload) response {
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	writeParts(mw, fields, files)
	req, _ := http.NewRequest(http.MethodPost, b.a.srv.URL+path, &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Origin", b.a.srv.URL)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	return b.do(req)
}

func writeParts(mw *multipart.Writer, fields []field, files []upload) {
	hasKey := false
	for _, f := range fields {
		hasKey = hasKey || f.name == keyField
		_ = mw.WriteField(f.name, f.value)
	}
	if !hasKey {
		_ = mw.WriteField(keyField, newKey())
	}
	for _, f := range files {
		h := textproto.MIMEHeader{}
		h.Set("Content-Disposition", fmt.Sprintf(`form-data; name="files"; filename="%s"`, strings.NewReplacer(`"`, "%22", "\r", "%0D", "\n", "%0A").Replace(f.name)))
		h.Set("Content-Type", f.contentType)
		w, _ := mw.CreatePart(h)
		_, _ = w.Write(f.content)
	}
	_ = mw.Close()
}

var attachmentRE = regexp.MustCompile(`href="/(?:desk|support)/attachments/([0-9a-f-]{36})"[^>]*>([^<]*)</a>`)

// attachmentIDs are the files a page lists, by shown name.
func attachmentIDs(r response) map[string]string {
	out := map[string]string{}
	for _, m := range attachmentRE.FindAllStringSubmatch(r.body, -1) {
		out[m[2]] = m[1]
	}
	return out
}

func (d *desk) attachmentID(t testing.TB, name string) string {
	t.Helper()
	var id string
	if err := d.a.db.DB.QueryRow(context.Background(), `SELECT id FROM attachments WHERE name = $1`, name).Scan(&id); err != nil {
		t.Fatalf("attachment %q: %v", name, err)
	}
	return id
}

// Who downloads what: a customer their own ticket's public files only (never a
// note's, never another customer's), agents and admins any, sales nothing; each as an
// attachment with nosniff and a type that cannot run as a page. The thread lists
// the same files to each.
func TestAttachmentAccess(t *testing.T) {
	t.Parallel()
	d := newDesk(t)
	r := d.carolB.postParts("/support/tickets", []field{{"subject", "Broken invoice"}, {"body", "See attached."}},
		upload{"invoice.html", "text/html", []byte("<script>alert(1)</script>")})
	wantStatus(t, "file with a file", r, http.StatusSeeOther)
	id := ticketPathRE.FindStringSubmatch(r.location)[1]
	r = d.jordanB.postParts("/desk/tickets/"+id, []field{{"version", fmt.Sprint(d.version(t, id))}, {"status", "pending"}, {"priority", "normal"},
		{"body", "Here is the corrected one."}}, upload{"fixed.pdf", "application/pdf", []byte("%PDF-1.4 fixed")})
	wantStatus(t, "public reply with a file", r, http.StatusSeeOther)
	r = d.jordanB.postParts("/desk/tickets/"+id, []field{{"version", fmt.Sprint(d.version(t, id))}, {"status", "pending"}, {"priority", "normal"},
		{"body", "ledger extract"}, {"is_internal", "1"}}, upload{"ledger.csv", "text/csv", []byte("secret,1")})
	wantStatus(t, "note with a file", r, http.StatusSeeOther)
	r = d.devB.postParts("/support/tickets", []field{{"subject", "Mine"}, {"body", "Dev's file."}}, upload{"dev.txt", "text/plain", []byte("dev's")})
	wantStatus(t, "another customer's file", r, http.StatusSeeOther)

	inv, fixed, ledger, dev := d.attachmentID(t, "invoice.html"), d.attachmentID(t, "fixed.pdf"), d.attachmentID(t, "ledger.csv"), d.attachmentID(t, "dev.txt")
	cases := []struct {
		who    string
		b      *browser
		path   string
		status int
		body   string
	}{
		{"carol, her file", d.carolB, "/support/attachments/" + inv, 200, "<script>alert(1)</script>"},
		{"carol, the desk's public file", d.carolB, "/support/attachments/" + fixed, 200, "%PDF-1.4 fixed"},
		{"carol, the note's file", d.carolB, "/support/attachments/" + ledger, 404, ""},
		{"carol, dev's file", d.carolB, "/support/attachments/" + dev, 404, ""},
		{"carol, the desk's route", d.carolB, "/desk/attachments/" + inv, 403, ""},
		{"dev, carol's file", d.devB, "/support/attachments/" + inv, 404, ""},
		{"jordan, the note's file", d.jordanB, "/desk/attachments/" + ledger, 200, "secret,1"},
		{"jordan, dev's file", d.jordanB, "/desk/attachments/" + dev, 200, "dev's"},
		{"ada, the note's file", d.adaB, "/desk/attachments/" + ledger, 200, "secret,1"},
		{"sam (sales), the desk's route", d.samB, "/desk/attachments/" + inv, 403, ""},
		{"nobody", d.a.browser(), "/support/attachments/" + inv, 303, ""},
		{"jordan, no such file", d.jordanB, "/desk/attachments/00000000-0000-4000-8000-000000000000", 404, ""},
		{"jordan, not an id", d.jordanB, "/desk/attachments/..%2f..%2fetc", 404, ""},
	}
	for _, c := range cases {
		r := c.b.get(c.path)
		if r.status != c.status && !(c.status == 404 && r.status == 400) {
			t.Errorf("%s: %s = %d, want %d", c.who, c.path, r.status, c.status)
			continue
		}
		if c.status != 200 {
			if strings.Contains(r.body, "secret,1") || strings.Contains(r.body, "alert(1)") {
				t.Errorf("%s: a refused download shows the file", c.who)
			}
			continue
		}
		if r.body != c.body {
			t.Errorf("%s: body %q, want %q", c.who, r.body, c.body)
		}
		if cd := r.header.Get("Content-Disposition"); !strings.HasPrefix(cd, "attachment; filename=") || !strings.Contains(cd, "filename*=UTF-8''") {
			t.Errorf("%s: Content-Disposition %q", c.who, cd)
		}
		if r.header.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("%s: no nosniff", c.who)
		}
	}
	if ct := d.carolB.get("/support/attachments/" + inv).header.Get("Content-Type"); ct != "application/octet-stream" {
		t.Errorf("a file declared text/html is served as %q, want application/octet-stream", ct)
	}

	portal := attachmentIDs(d.carolB.get("/support/tickets/" + id))
	if len(portal) != 2 || portal["invoice.html"] != inv || portal["fixed.pdf"] != fixed {
		t.Errorf("the portal lists %v, want her file and the public reply's, not the note's", portal)
	}
	staff := attachmentIDs(d.jordanB.get("/desk/tickets/" + id))
	if len(staff) != 3 || staff["ledger.csv"] != ledger {
		t.Errorf("the desk lists %v, want all three", staff)
	}

	// The public reply's email names its file and links to it; the note's never appears.
	var reply string
	for _, m := range d.outbox(t) {
		if strings.Contains(m, "ledger") {
			t.Errorf("an email mentions the note's file: %s", m)
		}
		if strings.HasPrefix(m, "carol@example.com|Re:") {
			reply = m
		}
	}
	if !strings.Contains(reply, "- fixed.pdf: http://rapport.test/support/attachments/"+fixed) {
		t.Errorf("the reply's email does not link its file:\n%s", reply)
	}
}

// A file over the limit is refused while it streams: the page says so beside the file
// field with the typed text kept, and nothing is written (no ticket, message or file).
// The same form sent twice with its key makes one message and one file.
func TestAttachmentLimitsAndRepeats(t *testing.T) {
	t.Parallel()
	d := newDesk(t)
	id := d.file(t, d.carolB, "Limits", "first")
	big := bytes.Repeat([]byte("x"), 10<<20+1)
	r := d.carolB.postParts("/support/tickets/"+id+"/reply", []field{{"body", "My typed reply <b>kept</b>"}}, upload{"big.bin", "application/octet-stream", big})
	wantStatus(t, "a file over 10 MB", r, http.StatusUnprocessableEntity)
	if msg := fieldError(r, "files"); !strings.Contains(msg, "big.bin is over 10 MB") {
		t.Errorf("files error = %q", msg)
	}
	if v, _ := textareaValue(r, "body"); v != "My typed reply <b>kept</b>" {
		t.Errorf("typed reply not kept: %q", v)
	}
	three := bytes.Repeat([]byte("y"), 9<<20)
	r = d.carolB.postParts("/support/tickets", []field{{"subject", "Three files"}, {"body", "too much"}},
		upload{"a.bin", "", three}, upload{"b.bin", "", three}, upload{"c.bin", "", three})
	wantStatus(t, "files over 25 MB together", r, http.StatusUnprocessableEntity)
	if msg := fieldError(r, "files"); !strings.Contains(msg, "over 25 MB") {
		t.Errorf("files error = %q", msg)
	}
	if v, _ := inputValue(r, "subject"); v != "Three files" {
		t.Errorf("subject not kept: %q", v)
	}
	if n := d.a.count(t, `SELECT count(*) FROM ticket_messages WHERE ticket_id = $1`, id); n != 1 {
		t.Errorf("%d messages after refused uploads, want 1", n)
	}
	if n := d.a.count(t, `SELECT count(*) FROM tickets`); n != 1 {
		t.Errorf("%d tickets after a refused new ticket, want 1", n)
	}
	if n := d.a.count(t, `SELECT (SELECT count(*) FROM attachments) + (SELECT count(*) FROM attachment_chunks)`); n != 0 {
		t.Errorf("%d attachment rows after refused uploads, want 0", n)
	}

	key := newKey()
	for i := range 2 {
		r := d.carolB.postParts("/support/tickets/"+id+"/reply", []field{{keyField, key}, {"body", "twice"}}, upload{"once.txt", "text/plain", []byte("1")})
		wantStatus(t, fmt.Sprintf("submit %d", i+1), r, http.StatusSeeOther)
	}
	if n := d.a.count(t, `SELECT count(*) FROM ticket_messages WHERE body = 'twice'`); n != 1 {
		t.Errorf("a double submit made %d messages", n)
	}
	if n := d.a.count(t, `SELECT count(*) FROM attachments WHERE name = 'once.txt'`); n != 1 {
		t.Errorf("a double submit made %d files", n)
	}
}

// Hostile names are stored without path separators, controls or direction overrides,
// bounded, and shown escaped; the download's header carries them encoded.
func TestAttachmentHostileNames(t *testing.T) {
	t.Parallel()
	d := newDesk(t)
	id := d.file(t, d.carolB, "Names", "first")
	long := strings.Repeat("é", 1000) + ".txt"
	names := []string{`..\..\windows\system32\<img src=x onerror=alert(1)>.txt`, "../../etc/passwd", "invoice\u202Etxt.exe", "tab\there\u0085\u2066\u200b.txt", long, "   ", `quote"d.txt`}
	var files []upload
	for _, n := range names {
		files = append(files, upload{n, "text/plain", []byte(n)})
	}
	r := d.carolB.postParts("/support/tickets/"+id+"/reply", []field{{"body", "names"}}, files...)
	wantStatus(t, "hostile names", r, http.StatusSeeOther)
	rows, err := d.a.db.DB.Query(context.Background(), `SELECT id, name FROM attachments ORDER BY created_at, id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	stored := map[string]string{}
	for rows.Next() {
		var id, n string
		_ = rows.Scan(&id, &n)
		stored[n] = id
		if strings.ContainsAny(n, "/\\\u202E\t\u0085\u2066\u200b\"") || len([]rune(n)) > 180 || n == "" {
			t.Errorf("stored name %q", n)
		}
	}
	for _, want := range []string{"system32<img src=x onerror=alert(1)>.txt", "passwd", "invoicetxt.exe", "tabhere.txt", "attachment", "quote%22d.txt"} {
		if stored[want] == "" {
			t.Errorf("no file stored as %q; stored %v", want, stored)
		}
	}
	page := d.carolB.get("/support/tickets/" + id)
	if strings.Contains(page.body, "<img src=x") || !strings.Contains(page.body, "&lt;img src=x onerror=alert(1)&gt;.txt") {
		t.Error("a hostile name is not escaped in the thread")
	}
	dl := d.carolB.get("/support/attachments/" + stored["system32<img src=x onerror=alert(1)>.txt"])
	cd := dl.header.Get("Content-Disposition")
	if want := `attachment; filename="system32<img src=x onerror=alert(1)>.txt"; filename*=UTF-8''system32%3Cimg%20src%3Dx%20onerror%3Dalert%281%29%3E.txt`; cd != want {
		t.Errorf("Content-Disposition %q, want %q", cd, want)
	}
	var longID string
	for n, id := range stored {
		if strings.HasPrefix(n, "éé") {
			longID = id
			if len([]rune(n)) != 180 || !strings.HasSuffix(n, ".txt") {
				t.Errorf("a 1,004-character name is stored as %d runes %q…, want 180 with its extension", len([]rune(n)), n[:20])
			}
		}
	}
	if cd := d.carolB.get("/support/attachments/" + longID).header.Get("Content-Disposition"); !strings.Contains(cd, `filename="________`) || !strings.Contains(cd, "filename*=UTF-8''%C3%A9%C3%A9") {
		t.Errorf("long name's Content-Disposition %.120q", cd)
	}
	for _, c := range cd {
		if c > 127 {
			t.Errorf("non-ASCII in Content-Disposition %q", cd)
			break
		}
	}
}

// A 30 MB upload is refused while it streams: the server never holds it. Everything
// the process allocated during the request (runtime.MemStats.TotalAlloc, client and
// server together, since httptest runs both here) stays far below the upload's size,
// so it cannot have been buffered.
func TestAttachmentUploadStreamsInBoundedMemory(t *testing.T) {
	d := newDesk(t)
	id := d.file(t, d.carolB, "Memory", "first")
	const size = 30 << 20
	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	go func() {
		_ = mw.WriteField(keyField, newKey())
		_ = mw.WriteField("body", "a 30 MB file")
		h := textproto.MIMEHeader{}
		h.Set("Content-Disposition", `form-data; name="files"; filename="huge.bin"`)
		h.Set("Content-Type", "application/octet-stream")
		w, _ := mw.CreatePart(h)
		chunk := bytes.Repeat([]byte("z"), 32<<10)
		for written := 0; written < size; written += len(chunk) {
			if _, err := w.Write(chunk); err != nil {
				pw.CloseWithError(err)
				return
			}
		}
		pw.CloseWithError(mw.Close())
	}()
	req, _ := http.NewRequest(http.MethodPost, d.a.srv.URL+"/support/tickets/"+id+"/reply", pr)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Origin", d.a.srv.URL)
	req.Header.Set("Sec-Fetch-Site", "same-origin")

	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	r := d.carolB.do(req)
	runtime.ReadMemStats(&after)
	wantStatus(t, "a 30 MB upload", r, http.StatusUnprocessableEntity)
	if msg := fieldError(r, "files"); !strings.Contains(msg, "huge.bin is over 10 MB") {
		t.Errorf("files error = %q", msg)
	}
	alloc := after.TotalAlloc - before.TotalAlloc
	t.Logf("30 MB upload refused: %.1f MB allocated during the request, heap %.1f MB -> %.1f MB",
		float64(alloc)/(1<<20), float64(before.HeapAlloc)/(1<<20), float64(after.HeapAlloc)/(1<<20))
	if alloc > 8<<20 {
		t.Errorf("%.1f MB allocated for a refused 30 MB upload: it was buffered", float64(alloc)/(1<<20))
	}
	if n := d.a.count(t, `SELECT count(*) FROM attachments`); n != 0 {
		t.Errorf("%d attachments after a refused upload", n)
	}
}

// An upload slower than the page deadline and the server's read timeout (both 1s here)
// still lands: reading the form has a deadline of its own, and the database work after
// it gets a fresh REQUEST_TIMEOUT.
func TestAttachmentSlowUploadOutlivesPageTimeouts(t *testing.T) {
	t.Parallel()
	a := newDeskAppWith(t, map[string]string{"REQUEST_TIMEOUT": "1s"}, func(s *http.Server) {
		s.ReadTimeout, s.WriteTimeout = time.Second, time.Second
	})
	a.user(auth.RoleCustomer, "carol@example.com")
	carol := a.browser()
	carol.signIn("carol@example.com")
	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	go func() {
		_ = mw.WriteField(keyField, newKey())
		_ = mw.WriteField("subject", "Slow line")
		_ = mw.WriteField("body", "Uploading over a slow line.")
		w, _ := mw.CreateFormFile("files", "slow.txt")
		for i := range 5 {
			time.Sleep(500 * time.Millisecond)
			_, _ = fmt.Fprintf(w, "part %d\n", i)
		}
		pw.CloseWithError(mw.Close())
	}()
	req, _ := http.NewRequest(http.MethodPost, a.srv.URL+"/support/tickets", pr)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Origin", a.srv.URL)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	start := time.Now()
	r := carol.do(req)
	wantStatus(t, "a 2.5 s upload", r, http.StatusSeeOther)
	if el := time.Since(start); el < 2*time.Second {
		t.Fatalf("the upload took %s: the test did not outlast the timeouts", el)
	}
	if n := a.count(t, `SELECT count(*) FROM attachments WHERE name = 'slow.txt' AND size = 35`); n != 1 {
		t.Errorf("%d slow.txt files of 35 bytes stored, want 1", n)
	}
}
