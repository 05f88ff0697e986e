package server_test

import (
	"bufio"
	"context"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"

	"rapport/internal/attach"
	"rapport/internal/auth"
	"rapport/internal/crm"
	"rapport/internal/crm/activity"
	"rapport/internal/form"
)

// The access matrix's markers: strings unique enough that finding one in a response can
// only mean that the record it belongs to reached that visitor.
const (
	mxNote        = "INTERNAL-NOTE-7f3a"
	mxTicketASubj = "TICKET-A-SUBJ-3c1d"
	mxTicketABody = "TICKET-A-BODY-0e9a"
	mxReplyA      = "PUBLIC-REPLY-A-5e2b"
	mxTicketBSubj = "TICKET-B-SUBJ-8d4e"
	mxTicketBBody = "TICKET-B-BODY-71f0"
	mxDealA       = "DEAL-A-TITLE-2d8f"
	mxDealB       = "DEAL-B-TITLE-6a1e"
	mxActivityA   = "ACTIVITY-A-BODY-4c3b"
	mxContactA    = "CONTACT-A-NAME-93aa"
	mxContactB    = "CONTACT-B-NAME-55d1"
	mxImportFile  = "IMPORT-A-FILE-9b7c.csv"
	mxPlannedA    = "PLANNED-A-SUBJ-71c2"
)

// clientTimeout bounds every request of the matrix and the corpus: a hang fails the test
// instead of stalling the run.
const clientTimeout = 30 * time.Second

// mxActor is one column of the access matrix: a kind of visitor.
type mxActor struct {
	name    string
	user    *auth.User // nil for the anonymous visitor
	b       *browser   // nil for the anonymous visitor, who gets a fresh browser per request
	home    string     // where the role lands after signing in
	secrets []string   // what this visitor must never receive, on any page
}

// mxWorld is the app the access matrix runs against: two customers, two sales reps, an
// agent and an admin, each signed in, and records owned by each of them.
type mxWorld struct {
	a                                          *app
	anon, custA, custB, repA, repB, agent, adm *mxActor
	actors                                     []*mxActor // in the matrix's column order
	victim                                     *auth.User // a rep the admin changes; never signed in
	pipe, acme, contactA, contactB             string
	dealA, dealB, ticketA, ticketB             string
	fileNoteA, filePubA                        string // files on ticket A's note and public reply
	importA, policy, calendar                  string
	plannedA                                   string // rep A's planned activity on deal A, assigned to rep A
	feedB                                      string // the path of rep B's calendar feed
}

// timedBrowser is a browser whose requests give up after clientTimeout.
func (a *app) timedBrowser() *browser {
	b := a.browser()
	b.c.Timeout = clientTimeout
	return b
}

func newMatrix(t *testing.T) *mxWorld {
	t.Helper()
	a := newDeskApp(t)
	w := &mxWorld{a: a}
	ctx := context.Background()
	signed := func(name string, role auth.Role, email string) *mxActor {
		u := a.user(role, email)
		if _, err := a.db.DB.Exec(ctx, `UPDATE "user" SET name = $2 WHERE id = $1`, u.ID, "Matrix "+name); err != nil {
			t.Fatal(err)
		}
		b := a.timedBrowser()
		b.signIn(email)
		return &mxActor{name: name, user: u, b: b, home: role.Home()}
	}
	w.anon = &mxActor{name: "anonymous"}
	w.custA = signed("custA", auth.RoleCustomer, "cust-a@example.com")
	w.custB = signed("custB", auth.RoleCustomer, "cust-b@example.com")
	w.repA = signed("repA", auth.RoleSales, "rep-a@example.com")
	w.repB = signed("repB", auth.RoleSales, "rep-b@example.com")
	w.agent = signed("agent", auth.RoleAgent, "agent@example.com")
	w.adm = signed("admin", auth.RoleAdmin, "admin@example.com")
	w.actors = []*mxActor{w.anon, w.custA, w.custB, w.repA, w.repB, w.agent, w.adm}
	w.victim = a.user(auth.RoleSales, "victim@example.com")

	// The CRM: Acme with a contact for each customer, each owned by one rep, and a deal
	// of each rep; rep A logged an activity and uploaded an import.
	var err error
	if w.pipe, err = crm.CreatePipeline(ctx, a.db.DB, "Inbound"); err != nil {
		t.Fatal(err)
	}
	domain := "acme.com"
	co, err := crm.CreateCompany(ctx, a.db.DB, "Acme", &domain)
	if err != nil {
		t.Fatal(err)
	}
	w.acme = co.ID
	contact := func(email, name string, owner *auth.User) string {
		id, err := crm.CreateContact(ctx, a.db.DB, crm.ContactFields{Email: email, Name: &name, CompanyID: &w.acme, OwnerID: owner.ID})
		if err != nil {
			t.Fatal(err)
		}
		return id
	}
	w.contactA = contact("cust-a@example.com", mxContactA, w.repA.user)
	w.contactB = contact("cust-b@example.com", mxContactB, w.repB.user)
	deal := func(title, contactID string, owner *auth.User) string {
		close := time.Now().UTC().AddDate(0, 1, 0).Truncate(24 * time.Hour)
		id, err := crm.CreateDeal(ctx, a.db.DB, crm.DealFields{Title: title, ContactID: contactID, PipelineID: w.pipe,
			OwnerID: owner.ID, AmountCents: 500_000, CloseDate: &close, Stage: "lead"})
		if err != nil {
			t.Fatal(err)
		}
		return id
	}
	w.dealA = deal(mxDealA, w.contactA, w.repA.user)
	w.dealB = deal(mxDealB, w.contactB, w.repB.user)
	if err := crm.LogActivity(ctx, a.db.DB, crm.Actor{ID: w.repA.user.ID}, w.dealA, "note", mxActivityA); err != nil {
		t.Fatal(err)
	}
	if w.plannedA, err = activity.PlanFor(ctx, a.db.DB, w.repA.user.ID, false, w.dealA, activity.PlanFields{Type: "meeting",
		Subject: mxPlannedA, AssigneeID: w.repA.user.ID, DueDate: time.Now().UTC().Format(time.DateOnly), Zone: "UTC"}); err != nil {
		t.Fatal(err)
	}
	token, err := activity.RotateFeed(ctx, a.db.DB, w.repB.user.ID)
	if err != nil {
		t.Fatal(err)
	}
	w.feedB = "/calendar/" + token + ".ics"
	up := w.repA.b.postFile("/crm/import", map[string]string{"kind": "companies"}, "file", mxImportFile,
		[]byte("name,domain\nImported Co A,imported-a.example\n"))
	if up.status != http.StatusSeeOther || !strings.HasPrefix(up.location, "/crm/import/") {
		t.Fatalf("upload the import: %d to %q", up.status, up.location)
	}
	w.importA = strings.TrimPrefix(up.location, "/crm/import/")

	// The desk: a ticket of each customer; customer A's has an internal note and a
	// public reply, both written through the agent's form.
	file := func(b *browser, subject, body string) string {
		r := b.post("/support/tickets", url.Values{"subject": {subject}, "body": {body}})
		m := ticketPathRE.FindStringSubmatch(r.location)
		if r.status != http.StatusSeeOther || m == nil {
			t.Fatalf("file %s: %d to %q", subject, r.status, r.location)
		}
		return m[1]
	}
	w.ticketA = file(w.custA.b, mxTicketASubj, mxTicketABody+"\nMy invoice is wrong.")
	w.ticketB = file(w.custB.b, mxTicketBSubj, mxTicketBBody+"\nThe export fails.")
	for _, m := range []struct {
		body     string
		internal bool
	}{{mxNote + ": the customer is on the watch list, do not refund", true}, {mxReplyA + ": we are looking into it", false}} {
		if r := w.agent.b.post("/desk/tickets/"+w.ticketA, w.deskForm(t, w.ticketA, m.body, m.internal)); r.status != http.StatusSeeOther {
			t.Fatalf("agent's note or reply: %d\n%s", r.status, r.body)
		}
	}
	for _, f := range []struct {
		id       *string
		internal bool
		content  string
	}{{&w.fileNoteA, true, mxNote + " in a file"}, {&w.filePubA, false, mxReplyA + " in a file"}} {
		var msg string
		if err := a.db.DB.QueryRow(ctx, `SELECT id FROM ticket_messages WHERE ticket_id = $1 AND is_internal = $2 AND author_id = $3`,
			w.ticketA, f.internal, w.agent.user.ID).Scan(&msg); err != nil {
			t.Fatal(err)
		}
		err := a.db.DB.InTx(ctx, func(tx pgx.Tx) error {
			saved, err := attach.Save(ctx, tx, w.ticketA, msg, "file.txt", "text/plain", strings.NewReader(f.content), 1<<20)
			*f.id = saved.ID
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if err := a.db.DB.QueryRow(ctx, `SELECT id::text FROM sla_policies ORDER BY name LIMIT 1`).Scan(&w.policy); err != nil {
		t.Fatal(err)
	}
	if err := a.db.DB.QueryRow(ctx, `INSERT INTO business_calendars (name, zone, week)
		VALUES ('Office hours', 'Europe/Berlin', '[[],[[540,1020]],[[540,1020]],[[540,1020]],[[540,1020]],[[540,1020]],[]]')
		RETURNING id::text`).Scan(&w.calendar); err != nil {
		t.Fatal(err)
	}

	// What each visitor must never receive. Sales reps see a contact's ticket subjects
	// (the contact page lists them) but never a ticket's messages; agents read notes, but
	// only on the desk's ticket page (the matrix allows the marker there); nobody but
	// rep A sees rep A's import.
	everything := []string{mxNote, mxTicketASubj, mxTicketABody, mxReplyA, mxTicketBSubj, mxTicketBBody,
		mxDealA, mxDealB, mxActivityA, mxContactA, mxContactB, mxImportFile, mxPlannedA}
	except := func(allowed ...string) []string {
		var out []string
		for _, s := range everything {
			keep := true
			for _, a := range allowed {
				keep = keep && a != s
			}
			if keep {
				out = append(out, s)
			}
		}
		return out
	}
	w.anon.secrets = everything
	w.custA.secrets = except(mxTicketASubj, mxTicketABody, mxReplyA)
	w.custB.secrets = except(mxTicketBSubj, mxTicketBBody)
	w.repA.secrets = []string{mxNote, mxTicketABody, mxReplyA, mxTicketBBody}
	w.repB.secrets = []string{mxNote, mxTicketABody, mxReplyA, mxTicketBBody, mxImportFile}
	w.agent.secrets = []string{mxNote, mxImportFile, mxPlannedA}
	w.adm.secrets = []string{mxNote, mxImportFile}
	return w
}

// noSuchID is an id no record has.
const noSuchID = "0b6f3a2e-6c1d-4e8f-9a7b-5d4c3b2a1f00"

// label names the records in a path ("/crm/deals/{dealA}"), for messages.
func (w *mxWorld) label(path string) string {
	return strings.NewReplacer(w.dealA, "{dealA}", w.dealB, "{dealB}", w.contactA, "{contactA}", w.contactB, "{contactB}",
		w.ticketA, "{ticketA}", w.ticketB, "{ticketB}", w.fileNoteA, "{fileNoteA}", w.filePubA, "{filePubA}", w.acme, "{acme}", w.pipe, "{pipeline}", w.importA, "{importA}",
		w.policy, "{policy}", w.calendar, "{calendar}", w.plannedA, "{plannedA}", w.feedB, "/calendar/{feedB}", w.victim.ID, "{victim}", w.adm.user.ID, "{admin}", w.agent.user.ID, "{agent}").Replace(path)
}

// deskForm is the agent's ticket form for a reply (or an internal note) at the ticket's
// current version, status and priority, read when the request is about to be sent.
func (w *mxWorld) deskForm(t testing.TB, ticket, body string, internal bool) url.Values {
	t.Helper()
	var status, priority string
	var version int
	if err := w.a.db.DB.QueryRow(context.Background(), `SELECT status, priority, version FROM tickets WHERE id = $1`, ticket).
		Scan(&status, &priority, &version); err != nil {
		t.Fatal(err)
	}
	f := url.Values{"body": {body}, "status": {status}, "priority": {priority}, "version": {strconv.Itoa(version)}}
	if internal {
		f.Set("is_internal", "1")
	}
	return f
}

// n runs a query returning one number on the matrix's database.
func (w *mxWorld) n(t testing.TB, sql string, args ...any) int { return w.a.count(t, sql, args...) }

// fingerprintTables are every table a request may change, except the session store and
// the sign-in throttle (every request may touch those).
var fingerprintTables = []string{`"user"`, "account", "verification", "companies", "contacts", "pipelines", "deals",
	"activities", "deal_stage_changes", "crm_imports", "crm_import_rows", "tickets", "ticket_messages",
	"ticket_status_changes", "agents", "sla_policies", "mail_outbox", "user_twostep", "twostep_recovery_code", "workspace_settings",
	"planned_activities", "activity_types", "calendar_feeds", "activity_digests", "pipeline_stages", "crm_lost_reasons",
	"mailboxes", "inbound_messages", "inbound_message_raw", "ticket_mail_ids", "custom_fields", "custom_values", "contact_phones",
	"business_calendars"}

var fingerprintSQL = func() string {
	parts := make([]string, len(fingerprintTables))
	for i, tbl := range fingerprintTables {
		parts[i] = `(SELECT md5(coalesce(string_agg(x::text, ',' ORDER BY x::text), '')) FROM ` + tbl + ` x)`
	}
	return `SELECT md5(concat_ws('|', ` + strings.Join(parts, ", ") + `))`
}()

// fingerprint is a digest of every row of fingerprintTables: equal digests mean that
// nothing was written in between.
func (a *app) fingerprint(t testing.TB) string {
	t.Helper()
	var s string
	if err := a.db.DB.QueryRow(context.Background(), fingerprintSQL).Scan(&s); err != nil {
		t.Fatalf("fingerprint: %v", err)
	}
	return s
}

// sendRequest makes one request and reads the whole answer; unlike browser.do, it
// reports a failure (a timeout, a reset) as an error rather than ending the test.
func sendRequest(c *http.Client, req *http.Request) (response, error) {
	resp, err := c.Do(req)
	if err != nil {
		return response{}, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	return response{status: resp.StatusCode, location: resp.Header.Get("Location"), header: resp.Header, body: string(body)}, err
}

// sendStream opens a server-sent event stream, reads its first event (or gives up after
// ten seconds) and hangs up: the stream itself never ends.
func sendStream(c *http.Client, req *http.Request) (response, error) {
	ctx, cancel := context.WithTimeout(req.Context(), 10*time.Second)
	defer cancel()
	resp, err := c.Do(req.WithContext(ctx))
	if err != nil {
		return response{}, err
	}
	defer resp.Body.Close()
	var body strings.Builder
	rd := bufio.NewReader(resp.Body)
	for !strings.Contains(body.String(), "\n\n") {
		line, err := rd.ReadString('\n')
		body.WriteString(line)
		if err != nil {
			break
		}
	}
	return response{status: resp.StatusCode, location: resp.Header.Get("Location"), header: resp.Header, body: body.String()}, nil
}

// newRequest builds a request as a browser would send it: a form post from the page
// itself (same origin), or from another site when crossSite.
func newRequest(a *app, method, path string, body io.Reader, contentType string, crossSite bool) *http.Request {
	req, err := http.NewRequest(method, a.srv.URL+path, body)
	if err != nil {
		panic(fmt.Sprintf("request %s %s: %v", method, path, err))
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if method != http.MethodGet && method != http.MethodHead {
		if crossSite {
			req.Header.Set("Origin", "http://evil.example")
			req.Header.Set("Sec-Fetch-Site", "cross-site")
		} else {
			req.Header.Set("Origin", a.srv.URL)
			req.Header.Set("Sec-Fetch-Site", "same-origin")
		}
	}
	return req
}

// asset is the fingerprinted path of a static file (name "app", ext ".css") as the
// pages link it.
func (w *mxWorld) asset(t testing.TB, name, ext string) string {
	t.Helper()
	page := w.a.timedBrowser().get("/signin")
	path := regexpFind(page.body, `"(/static/`+regexp.QuoteMeta(name)+`\.[0-9a-f]+`+regexp.QuoteMeta(ext)+`)"`)
	if path == "" {
		t.Fatalf("no link to /static/%s…%s on the sign-in page", name, ext)
	}
	return path
}

// knownBugs are the hostile cases that fail today because of an application bug, each
// reported with its cause. Such a case is skipped, as a subtest named after it, instead of
// failing the run; delete its entry once the bug is fixed, and the case runs again.
var knownBugs = map[string]string{}

// knownBug reports whether the case what is a known bug, and marks it skipped.
func knownBug(t *testing.T, what string) bool {
	reason, ok := knownBugs[what]
	if ok {
		t.Run(what, func(t *testing.T) { t.Skip("bug: " + reason) })
	}
	return ok
}

// hostileCorpus is what the hostile tests type into every field and query parameter.
var hostileCorpus = []struct{ name, v string }{
	{"single quotes", `O'Brien's`},
	{"double quotes", `say "hello" ""`},
	{"backslashes", `C:\temp\ \\ \' \" \n \x00`},
	{"dollar placeholders", `$1 $2::text $$ $name`},
	{"comment markers", `a -- b /* c */ # d`},
	{"SQL injection", `'; DROP TABLE deals; --`},
	{"percent escapes", `%00 %27 %ff %s %d %%`},
	{"100k characters", strings.Repeat("<b>x</b>", 12_500)},
	{"NUL byte", "before\x00after"},
	{"invalid UTF-8", "bad \xff\xfe bytes"},
	{"right-to-left override", "invoice\u202Etxt.exe"},
	{"zero-width joiners", "👩\u200D💻 zero\u200Bwidth\u200Djoin"},
	{"emoji and scripts", "🦄🎉 ünïcödé 李小龍"},
	{"script tag", `<script>alert(1)</script>`},
	{"attribute breakout", `"><img src=x onerror=alert(1)>`},
	{"javascript URL", `javascript:alert(1)`},
	{"template syntax", `{{.}} {{template "x"}} ${7*7} #{7*7}`},
	{"CRLF header injection", "x\r\nX-Injected: 1\r\nSet-Cookie: evil=1"},
	// Invisible and control characters (issue 9, defect 12): refused where they show
	// nothing or hide text; the NFD "é" is stored composed.
	{"only a byte order mark", "\uFEFF"},
	{"only a bidi override", "\u202E"},
	// (NEL alone is white space, trimmed like a space: input_rules_test has that case.)
	{"only DEL", "\x7F"},
	{"C1 controls", "a\u0085b\u009Bc\x7Fd"},
	{"bidi isolates", "a\u2066b\u2069c\u2067d\u2068"},
	{"zero-width only", "\u200B\u200C\u200D\u2060"},
	{"Hangul fillers", "\u3164\u115F"},
	{"tag characters", "hi\U000E0069\U000E0067\U000E006E\U000E006F\U000E0072\U000E0065"},
	{"line separator", "one\u2028two\u2029"},
	{"decomposed é", "Cafe\u0301 Zoe\u0308"},
}

// hostileEmails are addresses RFC 5322 allows, and hostile all the same: quotes, SQL,
// template and URL syntax in the local part, at domain. Since issue 9 (defect 11) only
// the quote and the upper case are taken; the others are refused beside the field.
func hostileEmails(domain string) []struct{ name, v string } {
	return []struct{ name, v string }{
		{"email with mailto headers", "boss?cc=attacker@evil.example&body=hi@" + domain},
		{"email with a mailto query", "boss?cc=attacker@" + domain},
		{"email with a quote", "o'brien@" + domain},
		{"email with SQL", "x'--y/*z*/@" + domain},
		{"email with placeholders", "$1{{.}}%00@" + domain},
		{"email in upper case", "Mixed.Case+Tag@" + strings.ToUpper(domain)},
	}
}

// rawMarkup is the first injected tag a body shows unescaped, or "".
func rawMarkup(body string) string {
	for _, m := range []string{"<script>alert(1)", "<img src=x onerror", "<b>x</b>"} {
		if strings.Contains(body, m) {
			return m
		}
	}
	return ""
}

// injectedHeaders reports a header the CRLF value managed to add to a response.
func injectedHeaders(r response) string {
	if r.header.Get("X-Injected") != "" {
		return "X-Injected"
	}
	for _, c := range r.header.Values("Set-Cookie") {
		if strings.HasPrefix(c, "evil=") {
			return "Set-Cookie: evil"
		}
	}
	return ""
}

// short quotes a value for a message, cut when it is long.
func short(s string) string {
	if len(s) > 60 {
		return fmt.Sprintf("%q… (%d bytes)", s[:60], len(s))
	}
	return fmt.Sprintf("%q", s)
}

// The extractors below find what a form shows with plain string search: pages that
// echo a 100k value are slow to scan with a regular expression under the race detector.

// messageBeside is the message shown beside the field whose id is id, or "".
func messageBeside(r response, id string) string {
	_, rest, ok := strings.Cut(r.body, `<p class="field-error" id="`+id+`-error">`)
	if !ok {
		return ""
	}
	msg, _, _ := strings.Cut(rest, "</p>")
	return html.UnescapeString(msg)
}

// keptInput is the value of the input whose attribute attr (name or id) is key, unescaped.
func keptInput(r response, attr, key string) (string, bool) {
	body := r.body
	for {
		i := strings.Index(body, " "+attr+`="`+key+`"`)
		if i < 0 {
			return "", false
		}
		start := strings.LastIndexByte(body[:i], '<')
		end := strings.IndexByte(body[i:], '>')
		if start < 0 || end < 0 {
			return "", false
		}
		tag := body[start : i+end]
		body = body[i+end:]
		if !strings.HasPrefix(tag, "<input ") {
			continue
		}
		_, v, ok := strings.Cut(tag, ` value="`)
		if !ok {
			return "", true
		}
		v, _, _ = strings.Cut(v, `"`)
		return html.UnescapeString(v), true
	}
}

// keptTextarea is the content of the textarea called name, unescaped.
func keptTextarea(r response, name string) (string, bool) {
	i := strings.Index(r.body, ` name="`+name+`"`)
	if i < 0 || strings.LastIndex(r.body[:i], "<textarea ") < strings.LastIndexByte(r.body[:i], '<') {
		return "", false
	}
	end := strings.IndexByte(r.body[i:], '>')
	if end < 0 {
		return "", false
	}
	content, _, ok := strings.Cut(r.body[i+end+1:], "</textarea>")
	return html.UnescapeString(content), ok
}

// valueKind is what storing does to a value.
type valueKind int

const (
	asTyped    valueKind = iota // stored as typed, surrounding white space trimmed, in NFC
	asTypedRaw                  // stored as typed, in NFC (message bodies)
	asEmail                     // trimmed and lower-cased
	asDomain                    // normalised by crm.NormalizeDomain
	asNumber                    // parsed (amounts, dates, minutes): nothing to compare
)

// stored is what a value of this kind is stored as.
func (k valueKind) stored(v string) string {
	switch k {
	case asTypedRaw:
		return form.Clean(v)
	case asEmail:
		return form.NormalizeEmail(v)
	case asDomain:
		d, _ := crm.NormalizeDomain(v)
		return d
	}
	return form.Clean(strings.TrimSpace(v))
}

// kept is what a re-rendered form shows of a value of this kind.
func (k valueKind) kept(v string) string {
	switch k {
	case asTypedRaw:
		return form.Clean(v)
	case asEmail:
		return form.NormalizeEmail(v)
	}
	return form.Clean(strings.TrimSpace(v))
}

// view is a page that shows a stored value, and who looks at it.
type view struct {
	b    *browser
	path string
}

// hostileForm is one text field of one form, and how to find and see what it stored.
type hostileForm struct {
	name   string
	as     func() *browser
	path   func(i int) string
	field  string
	base   func(i int) url.Values // a valid form, unique by case; the field is then set
	kind   valueKind
	errID  string                                             // the id of the field's message; "f-"+field by default
	kept   func(r response) (string, bool)                    // the value a refused form keeps; nil: not checked
	stored func(r response, i int) (v, id string, found bool) // nil: the form stores nothing
	shows  func(b *browser, id string, i int) []view
	status int // what success answers: 303 by default
	// choices: the field takes one of a list (a select) or names an existing record, so
	// every corpus value must be refused.
	choices bool
	// named: SQL counting the records whose name is the value ($1) whatever its case: the
	// pickers (internal/crm pick.go) take a name exactly one record has, so a corpus value
	// that another row of the corpus made a record's name is a choice.
	named string
}

// hostileWorld is an app with one of each role and a few records to hang values on.
type hostileWorld struct {
	a                                          *app
	t                                          *testing.T
	admin, rep, agent, cust                    *browser
	repU, agentU, custU, teamU, team2U, staffU *auth.User
	pipe, acme, jane, deal, sla                string
	stagePipe, stagePipe2                      string    // pipelines whose stages the admin's corpus adds and edits
	tickets                                    [5]string // one per desk form that writes to a ticket, one for refusals
}

func newHostileWorld(t *testing.T) *hostileWorld {
	t.Helper()
	a := newDeskApp(t)
	h := &hostileWorld{a: a, t: t}
	signed := func(role auth.Role, email string) (*auth.User, *browser) {
		u := a.user(role, email)
		b := a.timedBrowser()
		b.signIn(email)
		return u, b
	}
	_, h.admin = signed(auth.RoleAdmin, "admin@example.com")
	h.repU, h.rep = signed(auth.RoleSales, "rep@example.com")
	h.agentU, h.agent = signed(auth.RoleAgent, "agent@example.com")
	h.custU, h.cust = signed(auth.RoleCustomer, "jane@acme.com")
	h.teamU = a.user(auth.RoleAgent, "team-target@example.com")
	h.team2U = a.user(auth.RoleAgent, "team-target-2@example.com")
	h.staffU = a.user(auth.RoleSales, "staff-target@example.com")
	ctx := context.Background()
	var err error
	if h.pipe, err = crm.CreatePipeline(ctx, a.db.DB, "Inbound"); err != nil {
		t.Fatal(err)
	}
	if h.stagePipe, err = crm.CreatePipeline(ctx, a.db.DB, "Staged"); err != nil {
		t.Fatal(err)
	}
	if h.stagePipe2, err = crm.CreatePipeline(ctx, a.db.DB, "Staged too"); err != nil {
		t.Fatal(err)
	}
	domain := "acme.com"
	co, err := crm.CreateCompany(ctx, a.db.DB, "Acme", &domain)
	if err != nil {
		t.Fatal(err)
	}
	h.acme = co.ID
	name := "Jane Doe"
	if h.jane, err = crm.CreateContact(ctx, a.db.DB, crm.ContactFields{Email: "jane@acme.com", Name: &name, CompanyID: &h.acme, OwnerID: h.repU.ID}); err != nil {
		t.Fatal(err)
	}
	if h.deal, err = crm.CreateDeal(ctx, a.db.DB, crm.DealFields{Title: "Acme starter", ContactID: h.jane, PipelineID: h.pipe,
		OwnerID: h.repU.ID, AmountCents: 100_000, Stage: "lead"}); err != nil {
		t.Fatal(err)
	}
	for i := range h.tickets {
		r := h.cust.post("/support/tickets", url.Values{"subject": {fmt.Sprintf("Hostile thread %d", i)}, "body": {"Where the replies go."}})
		m := ticketPathRE.FindStringSubmatch(r.location)
		if m == nil {
			t.Fatalf("file the ticket: %d to %q", r.status, r.location)
		}
		h.tickets[i] = m[1]
	}
	if err := a.db.DB.QueryRow(ctx, `INSERT INTO sla_policies (name, priority, first_response_mins, resolve_mins)
		VALUES ('Hostile target', 'low', 600, 6000) RETURNING id::text`).Scan(&h.sla); err != nil {
		t.Fatal(err)
	}
	return h
}

// one reads one text value (and its id) from the database; found is false for no row.
func (h *hostileWorld) one(sql string, args ...any) (string, string, bool) {
	var v, id string
	err := h.a.db.DB.QueryRow(context.Background(), sql, args...).Scan(&v, &id)
	return v, id, err == nil
}

// idIn is the first UUID in a Location.
var idIn = regexp.MustCompile(`[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`)

// deskForm is the agent's form on a ticket at its current version.
func (h *hostileWorld) deskForm(ticket string) url.Values {
	var status, priority string
	var version int
	if err := h.a.db.DB.QueryRow(context.Background(), `SELECT status, priority, version FROM tickets WHERE id = $1`, ticket).
		Scan(&status, &priority, &version); err != nil {
		h.t.Errorf("read ticket %s: %v", ticket, err) // runs off the test's goroutine: no Fatal
	}
	return url.Values{"status": {status}, "priority": {priority}, "version": {fmt.Sprint(version)}}
}

// runForms sends every corpus value through every form field and checks what happens:
// never a 500 or a hang; a value is either stored exactly (and every page showing it
// escapes it) or refused with a message beside its field (the form kept as typed).
// The forms run concurrently (each one's values in order), so no two forms given in one
// call may write the same record. Forms whose choices are found by name (named) run
// after the others: their check counts the records with the value's name, which the
// other forms create and rename (a count read while they run is not the one the server
// saw).
func (h *hostileWorld) runForms(t *testing.T, forms []hostileForm) {
	var first, then []hostileForm
	for _, f := range forms {
		if f.named != "" {
			then = append(then, f)
		} else {
			first = append(first, f)
		}
	}
	for _, group := range [][]hostileForm{first, then} {
		var wg sync.WaitGroup
		for _, f := range group {
			wg.Add(1)
			go func() {
				defer wg.Done()
				h.runForm(t, f)
			}()
		}
		wg.Wait()
	}
}

func (h *hostileWorld) runForm(t *testing.T, f hostileForm) {
	success := f.status
	if success == 0 {
		success = http.StatusSeeOther
	}
	values := hostileCorpus
	if f.kind == asEmail {
		values = append(values[:len(values):len(values)], hostileEmails(strings.ReplaceAll(f.name, " ", "-")+".example")...)
	}
	var accepted, refused []string
	for i, hc := range values {
		what := f.name + " = " + hc.name
		if knownBug(t, what) {
			continue
		}
		b := f.as()
		body := f.base(i)
		body.Set(f.field, hc.v)
		r, err := sendRequest(b.c, newRequest(h.a, http.MethodPost, f.path(i), strings.NewReader(body.Encode()),
			"application/x-www-form-urlencoded", false))
		if err != nil {
			t.Errorf("%s: %v", what, err)
			continue
		}
		if m := rawMarkup(r.body); m != "" {
			t.Errorf("%s: the answer (%d) has %s unescaped", what, r.status, m)
		}
		if hdr := injectedHeaders(r); hdr != "" {
			t.Errorf("%s: the answer carries an injected %s header", what, hdr)
		}
		switch r.status {
		case success:
			accepted = append(accepted, hc.name)
			if f.choices && f.named != "" {
				if _, _, ok := h.one(`SELECT 'x', 'x' FROM (`+f.named+`) n WHERE n.count = 1`, hc.v); ok {
					continue
				}
			}
			if f.choices {
				t.Errorf("%s: accepted (%d), though it is none of the field's choices", what, r.status)
				continue
			}
			h.checkStored(t, what, f, b, r, i, hc.v)
		case http.StatusUnprocessableEntity:
			refused = append(refused, hc.name)
			checkRefused(t, what, f, r, hc.v)
		default:
			t.Errorf("%s: answered %d (Location %q); want %d or 422", what, r.status, r.location, success)
		}
	}
	t.Logf("%-28s accepted %2d, refused %2d: %s", f.name, len(accepted), len(refused), strings.Join(refused, ", "))
}

// checkStored reads back what an accepted value stored: exactly the value (as the
// field's kind stores it), shown escaped on every page that shows it.
func (h *hostileWorld) checkStored(t *testing.T, what string, f hostileForm, b *browser, r response, i int, typed string) {
	if f.stored == nil {
		return
	}
	got, id, found := f.stored(r, i)
	want := f.kind.stored(typed)
	switch {
	case !found:
		t.Errorf("%s: accepted (%d to %q) but nothing was stored", what, r.status, r.location)
		return
	case f.kind != asNumber && got != want:
		t.Errorf("%s: stored %s, want %s verbatim", what, short(got), short(want))
		return
	case f.shows == nil:
		return
	}
	for _, v := range f.shows(b, id, i) {
		p, err := sendRequest(v.b.c, newRequest(h.a, http.MethodGet, v.path, nil, "", false))
		switch {
		case err != nil:
			t.Errorf("%s: GET %s: %v", what, v.path, err)
		case p.status != http.StatusOK:
			t.Errorf("%s: GET %s answered %d", what, v.path, p.status)
		case rawMarkup(p.body) != "":
			t.Errorf("%s: GET %s shows %s unescaped", what, v.path, rawMarkup(p.body))
		case f.kind != asNumber && !strings.Contains(p.body, html.EscapeString(want)):
			t.Errorf("%s: GET %s does not show the stored value, escaped", what, v.path)
		}
	}
}

// checkRefused checks a refusal: a message beside the field, and the form as typed.
func checkRefused(t *testing.T, what string, f hostileForm, r response, typed string) {
	id := f.errID
	if id == "" {
		id = "f-" + f.field
	}
	if msg := messageBeside(r, id); msg == "" {
		t.Errorf("%s: refused (422) without a message beside the field", what)
	}
	if f.kept != nil && utf8.ValidString(typed) {
		if got, ok := f.kept(r); !ok || got != f.kind.kept(typed) {
			t.Errorf("%s: the form came back with %s, not the value as typed", what, short(got))
		}
	}
}

// httpLocalPath is s when a browser would take it for a path on this site, "" when it
// would leave (a scheme, "//host", "/\host", which browsers read as "//host") or is not
// a header value at all.
func httpLocalPath(s string) string {
	if !strings.HasPrefix(s, "/") || strings.HasPrefix(s, "//") || strings.HasPrefix(s, `/\`) || strings.ContainsAny(s, "\t\r\n\x00") {
		return ""
	}
	base, _ := url.Parse("http://rapport.test/")
	u, err := url.Parse(s)
	if err != nil || base.ResolveReference(u).Host != base.Host {
		return ""
	}
	return s
}
