package server_test

import (
	"context"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"rapport/internal/form"
)

// addField adds a custom field through the admin's form and returns its id.
func (w *crmWorld) addField(entity, kind, label string, required bool, choices ...string) string {
	w.t.Helper()
	f := url.Values{"entity": {entity}, "kind": {kind}, "label": {label}, "choices": {strings.Join(choices, "\n")}}
	if required {
		f.Set("required", "1")
	}
	r := w.adminB.post("/admin/fields", f)
	if r.status != http.StatusSeeOther {
		w.t.Fatalf("add field %s: %d\n%s", label, r.status, r.body)
	}
	var id string
	if err := w.db.DB.QueryRow(context.Background(), `SELECT id::text FROM custom_fields WHERE entity = $1 AND label = $2`, entity, label).Scan(&id); err != nil {
		w.t.Fatal(err)
	}
	return id
}

// contactForm is a contact form's fields for Jane, with extra values.
func (w *crmWorld) janeForm(extra url.Values) url.Values {
	f := url.Values{"email": {"jane@acme.com"}, "name": {"Jane Doe"}, "company_id": {"acme.com"}, "owner_id": {w.rep.ID}}
	for k, v := range extra {
		f[k] = v
	}
	return f
}

func TestCRMBuiltinFields(t *testing.T) {
	t.Parallel()
	w := newCRM(t)
	form := w.repB.get("/crm/contacts/new")
	mustContain(t, form, `name="job_title"`, `name="phone_0"`, `name="phone_kind_1"`, `name="street"`, `name="country"`, `name="notes"`)

	r := w.repB.post("/crm/contacts", url.Values{"email": {"tom@acme.com"}, "name": {"Tom"}, "owner_id": {w.rep.ID},
		"job_title": {"Head of Sales"}, "phone_kind_0": {"work"}, "phone_0": {"+44 20 7946 0958"}, "phone_kind_1": {"mobile"},
		"phone_1": {"(555) 010-9999"}, "street": {"1 Main St"}, "city": {"Springfield"}, "postcode": {"12345"}, "country": {"USA"},
		"notes": {"Met at the fair.\nLikes <b>bold</b> coffee."}})
	wantStatus(t, "create", r, http.StatusSeeOther)
	page := w.repB.get(r.location)
	mustContain(t, page, "Head of Sales", "Work: ", `href="tel:442079460958"`, "+44 20 7946 0958", "Mobile: ", "(555) 010-9999",
		"1 Main St", "12345 Springfield", "USA", "Likes &lt;b&gt;bold&lt;/b&gt; coffee.")
	if n := w.count(t, `SELECT count(*) FROM contact_phones WHERE digits = '5550109999' AND kind = 'mobile'`); n != 1 {
		t.Errorf("%d mobile rows with the digits", n)
	}

	// Bad values: 422 beside the field, typed values kept.
	bad := w.repB.post("/crm/contacts", url.Values{"email": {"x@acme.com"}, "owner_id": {w.rep.ID}, "phone_0": {"call me"},
		"phone_kind_1": {"fax"}, "phone_1": {"12345"}, "job_title": {strings.Repeat("x", 201)}, "postcode": {"\x00"}})
	wantStatus(t, "bad contact", bad, http.StatusUnprocessableEntity)
	for field, msg := range map[string]string{
		"phone_0":   "Enter a phone number like +44 20 7946 0958: digits, spaces and + - ( ) only.",
		"phone_1":   "Choose work, mobile or other.",
		"job_title": "Too long: at most 200 characters (this has 201).",
		"postcode":  "Contains a NUL character, which is not allowed.",
	} {
		if got := fieldError(bad, field); got != msg {
			t.Errorf("beside %s %q, want %q", field, got, msg)
		}
	}
	if got, _ := inputValue(bad, "phone_0"); got != "call me" {
		t.Errorf("phone kept as %q", got)
	}

	// Edit: fewer phones, the version check kept.
	edit := w.repB.get(r.location + "/edit")
	mustContain(t, edit, `value="Head of Sales"`, `value="+44 20 7946 0958"`)
	up := w.repB.post(r.location, url.Values{"email": {"tom@acme.com"}, "name": {"Tom"}, "owner_id": {w.rep.ID}, "version": {"1"},
		"phone_kind_0": {"other"}, "phone_0": {"555 1234"}})
	wantStatus(t, "update", up, http.StatusSeeOther)
	if n := w.count(t, `SELECT count(*) FROM contact_phones`); n != 1 {
		t.Errorf("%d phone rows after the edit", n)
	}
	stale := w.repB.post(r.location, url.Values{"email": {"tom@acme.com"}, "name": {"Tom"}, "owner_id": {w.rep.ID}, "version": {"1"},
		"job_title": {"CEO"}})
	wantStatus(t, "stale", stale, http.StatusConflict)

	// Companies.
	c := w.repB.post("/crm/companies", url.Values{"name": {"Initech"}, "domain": {"initech.com"}, "website": {"https://initech.com/en"},
		"phone": {"+1 555 0100"}, "industry": {"Software"}, "size": {"51-200"}, "city": {"Austin"}})
	wantStatus(t, "company", c, http.StatusSeeOther)
	mustContain(t, w.repB.get(c.location), `href="https://initech.com/en"`, "+1 555 0100", "Software", "51-200 people", "Austin")
	badCo := w.repB.post("/crm/companies", url.Values{"name": {"Bad"}, "website": {"javascript:alert(1)"}, "size": {"huge"}, "phone": {"x"}})
	wantStatus(t, "bad company", badCo, http.StatusUnprocessableEntity)
	for field, msg := range map[string]string{"website": "Enter a web address like https://example.com.",
		"size": "Choose a size from the list.", "phone": "Enter a phone number like +44 20 7946 0958: digits, spaces and + - ( ) only."} {
		if got := fieldError(badCo, field); got != msg {
			t.Errorf("company %s: %q, want %q", field, got, msg)
		}
	}
	if got, _ := inputValue(badCo, "website"); got != "javascript:alert(1)" {
		t.Errorf("website kept as %q", got)
	}
}

func TestCRMCustomFields(t *testing.T) {
	t.Parallel()
	w := newCRM(t)
	// Only admins manage fields.
	wantStatus(t, "rep", w.repB.get("/admin/fields"), http.StatusForbidden)
	size := w.addField("contact", "number", "Seats", true)
	tier := w.addField("contact", "choice", "Tier", false, "Gold", "Silver")
	tags := w.addField("contact", "choices", "Tags", false, "vip", "partner", "churn risk")
	since := w.addField("contact", "date", "Customer since", false)
	site := w.addField("contact", "url", "Profile", false)
	_ = w.addField("company", "bool", "Reseller", false)
	_ = w.addField("deal", "money", "Setup fee", false)
	list := w.adminB.get("/admin/fields")
	mustContain(t, list, ">Seats</a>", "Multiple choice", "Reseller", "Setup fee")
	if n := w.count(t, `SELECT count(*) FROM audit_log WHERE action = 'custom_field.create'`); n != 7 {
		t.Errorf("%d audit entries", n)
	}

	// Definitions are checked: a 10 KB label, 1,000 choices, a choice field without any.
	for _, tc := range []struct {
		f          url.Values
		field, msg string
	}{
		{url.Values{"entity": {"contact"}, "kind": {"text"}, "label": {strings.Repeat("L", 10240)}}, "label", "Too long: at most 200 characters (this has 10240)."},
		{url.Values{"entity": {"contact"}, "kind": {"choice"}, "label": {"Many"}, "choices": {thousandChoices()}}, "choices", "At most 200 choices (this has 1000)."},
		{url.Values{"entity": {"contact"}, "kind": {"choice"}, "label": {"None"}}, "choices", "List the choices, one per line."},
		{url.Values{"entity": {"ticket"}, "kind": {"text"}, "label": {"X"}}, "entity", "Choose contacts, companies or deals."},
		{url.Values{"entity": {"contact"}, "kind": {"blob"}, "label": {"X"}}, "kind", "Choose a type from the list."},
		{url.Values{"entity": {"contact"}, "kind": {"text"}, "label": {"SEATS"}}, "label", "Contacts already have a field called SEATS."},
	} {
		r := w.adminB.post("/admin/fields", tc.f)
		wantStatus(t, tc.msg, r, http.StatusUnprocessableEntity)
		if got := fieldError(r, tc.field); got != tc.msg {
			t.Errorf("beside %s %q, want %q", tc.field, got, tc.msg)
		}
	}

	// Values are typed and validated on the server.
	form := w.repB.get("/crm/contacts/" + w.jane + "/edit")
	mustContain(t, form, `name="cf_`+size+`"`, `<option value="Gold">Gold</option>`, `value="churn risk"`, `type="date"`)
	for _, tc := range []struct{ field, value, msg string }{
		{size, "1e309", "That number is too large."},
		{size, "", "Seats is required."},
		{size, "twelve", "Enter a number like 42 or 3.14."},
		{since, "0000-01-01", "Enter a date between the years 1 and 9999."},
		{since, "31/12/2026", "Enter a date like 2026-12-31."},
		{tier, "Platinum", "Choose one of the list."},
		{tags, "nope", "Choose from the list."},
		{site, "ftp://x", "Enter a web address like https://example.com."},
	} {
		f := w.janeForm(url.Values{"cf_" + size: {"10"}, "version": {"1"}})
		f.Set("cf_"+tc.field, tc.value)
		r := w.repB.post("/crm/contacts/"+w.jane, f)
		wantStatus(t, tc.msg, r, http.StatusUnprocessableEntity)
		if got := fieldError(r, "cf_"+tc.field); got != tc.msg {
			t.Errorf("%s=%q: %q, want %q", tc.field, tc.value, got, tc.msg)
		}
		if tc.field != tags && tc.field != tier {
			if got, _ := inputValue(r, "cf_"+tc.field); got != tc.value {
				t.Errorf("kept %q, want %q", got, tc.value)
			}
		}
	}
	if n := w.count(t, `SELECT count(*) FROM custom_values`); n != 0 {
		t.Fatalf("%d values after refused forms", n)
	}
	ok := w.repB.post("/crm/contacts/"+w.jane, w.janeForm(url.Values{"version": {"1"}, "cf_" + size: {"1,250"},
		"cf_" + tier: {"Gold"}, "cf_" + tags: {"vip", "churn risk"}, "cf_" + since: {"2020-02-29"}, "cf_" + site: {"https://x.example/jane"}}))
	wantStatus(t, "save", ok, http.StatusSeeOther)
	page := w.repB.get("/crm/contacts/" + w.jane)
	mustContain(t, page, "<dt>Seats</dt>", "<dd>1250</dd>", "<dd>Gold</dd>", "<dd>vip, churn risk</dd>", "<dd>2020-02-29</dd>",
		`href="https://x.example/jane"`)
	var num string
	if err := w.db.DB.QueryRow(context.Background(), `SELECT value_num::text FROM custom_values WHERE field_id = $1`, size).Scan(&num); err != nil || num != "1250" {
		t.Errorf("stored %q, %v", num, err)
	}
	// Clearing an optional value removes its row.
	again := w.repB.post("/crm/contacts/"+w.jane, w.janeForm(url.Values{"version": {"2"}, "cf_" + size: {"3"}, "cf_" + tier: {"Silver"}}))
	wantStatus(t, "clear", again, http.StatusSeeOther)
	if n := w.count(t, `SELECT count(*) FROM custom_values WHERE record_id = $1`, w.jane); n != 2 {
		t.Errorf("%d values after clearing three", n)
	}

	// Renaming keeps the values; removing says how many go, and asks first.
	edit := w.adminB.get("/admin/fields/" + tier)
	mustContain(t, edit, `value="Tier"`, "Renaming keeps its 1 value.")
	ren := w.adminB.post("/admin/fields/"+tier, url.Values{"label": {"Level"}, "version": {"1"}, "choices": {"Gold\nSilver\nBronze"}, "position": {"5"}})
	wantStatus(t, "rename", ren, http.StatusSeeOther)
	mustContain(t, w.repB.get("/crm/contacts/"+w.jane), "<dt>Level</dt>", "<dd>Silver</dd>")
	staleRen := w.adminB.post("/admin/fields/"+tier, url.Values{"label": {"Rank"}, "version": {"1"}, "choices": {"Gold"}})
	wantStatus(t, "stale rename", staleRen, http.StatusConflict)
	confirm := w.adminB.get("/admin/fields/" + tier + "/delete")
	mustContain(t, confirm, "deletes its 1 value.", "Remove the field and 1 value")
	del := w.adminB.post("/admin/fields/"+tier+"/delete", url.Values{})
	wantStatus(t, "delete", del, http.StatusSeeOther)
	if got := flash(w.adminB.get(del.location)); got != "Field Level removed with 1 value." {
		t.Errorf("flash %q", got)
	}
	if n := w.count(t, `SELECT count(*) FROM custom_values WHERE field_id = $1`, tier); n != 0 {
		t.Errorf("%d values left", n)
	}
	if n := w.count(t, `SELECT count(*) FROM audit_log WHERE action IN ('custom_field.update', 'custom_field.delete')`); n != 2 {
		t.Errorf("%d audit entries for the rename and removal", n)
	}
}

// Hostile labels and choices are stored verbatim and rendered escaped.
func TestCRMCustomFieldHostileChoices(t *testing.T) {
	t.Parallel()
	w := newCRM(t)
	var choices []string
	for _, hc := range hostileCorpus {
		// One line each, as a choice is; the values the text check refuses (invisible
		// characters, NUL) are the refusal's own test.
		v := strings.TrimSpace(hc.v)
		if v == "" || strings.ContainsAny(v, "\r\n") || form.Check(v, 200, false) != "" || form.Clean(v) != v {
			continue
		}
		choices = append(choices, v)
	}
	if len(choices) < 10 {
		t.Fatalf("only %d corpus values as choices", len(choices))
	}
	r := w.adminB.post("/admin/fields", url.Values{"entity": {"contact"}, "kind": {"choices"}, "label": {`<script>alert("x")</script>`},
		"choices": {strings.Join(choices, "\n")}})
	wantStatus(t, "hostile field", r, http.StatusSeeOther)
	var id string
	var stored []string
	if err := w.db.DB.QueryRow(context.Background(), `SELECT id::text, choices FROM custom_fields`).Scan(&id, &stored); err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(stored) != fmt.Sprint(choices) {
		t.Errorf("stored %q, want %q", stored, choices)
	}
	form := w.repB.get("/crm/contacts/new")
	mustContain(t, form, "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;")
	mustNotContain(t, form, `<script>alert("x")</script>`)
	for _, c := range choices {
		mustContain(t, form, `value="`+html.EscapeString(c)+`"`)
	}
}

func thousandChoices() string {
	var b strings.Builder
	for i := range 1000 {
		fmt.Fprintf(&b, "Choice %d\n", i)
	}
	return b.String()
}

// The lists filter on a custom field (?cf_<id>=) and show it as a column (?col=<id>);
// the exports carry every field by label.
func TestCRMCustomFieldLists(t *testing.T) {
	t.Parallel()
	w := newCRM(t)
	tier := w.addField("contact", "choice", "Tier", false, "Gold", "Silver")
	seats := w.addField("deal", "number", "Seats", false)
	partner := w.addField("company", "bool", "Partner", false)
	tom := w.contact("tom@acme.com", "Tom Baker", w.acme, w.rep)
	w.exec(t, `INSERT INTO custom_values (field_id, record_id, value_text) VALUES ($1, $2, 'Gold'), ($1, $3, 'Silver')`, tier, w.jane, tom)
	w.exec(t, `INSERT INTO custom_values (field_id, record_id, value_num) VALUES ($1, $2, 25)`, seats, w.deal)
	w.exec(t, `INSERT INTO custom_values (field_id, record_id, value_bool) VALUES ($1, $2, true)`, partner, w.acme)

	gold := w.repB.get("/crm/contacts?owner_id=any&cf_" + tier + "=Gold&col=" + tier)
	mustContain(t, gold, "Jane Doe", "<th>Tier</th>", "<td>Gold</td>")
	mustNotContain(t, gold, "Tom Baker")
	silver := w.repB.get("/crm/contacts?owner_id=any&cf_" + tier + "=Silver")
	mustContain(t, silver, "Tom Baker")
	mustNotContain(t, silver, "Jane Doe", "<th>Tier</th>")
	bad := w.repB.get("/crm/contacts?owner_id=any&cf_" + tier + "=Platinum")
	wantStatus(t, "bad filter", bad, http.StatusOK)
	mustContain(t, bad, "Choose one of the list.", "No contacts match.")

	deals := w.repB.get("/crm/deals?owner_id=any&cf_" + seats + "=25&col=" + seats)
	mustContain(t, deals, "Acme starter", "<th>Seats</th>", "<td>25</td>")
	mustContain(t, w.repB.get("/crm/deals?owner_id=any&cf_"+seats+"=1e309"), "That number is too large.", "No deals match.")
	mustNotContain(t, w.repB.get("/crm/deals?owner_id=any&cf_"+seats+"=26"), "Acme starter")
	mustContain(t, w.repB.get("/crm/companies?cf_"+partner+"=yes&col="+partner), "Acme", "<td>Yes</td>")
	mustContain(t, w.repB.get("/crm/companies?cf_"+partner+"=no"), "No companies match.")

	csv := w.repB.get("/crm/contacts.csv?owner_id=any")
	mustContain(t, csv, "job_title,phone,mobile,other_phone,street,city,postcode,region,country,notes,Tier")
	if !strings.Contains(csv.body, "jane@acme.com,Jane Doe,") || !strings.Contains(csv.body, ",Gold") {
		t.Errorf("export:\n%s", csv.body)
	}
	mustContain(t, w.repB.get("/crm/deals.csv?owner_id=any"), ",Seats", ",25")
	mustContain(t, w.repB.get("/crm/companies.csv"), ",Partner", ",yes")
}

// An import maps the built-in fields and custom fields (by label) and checks their
// values: a bad one refuses its row on the preview.
func TestCRMImportFields(t *testing.T) {
	t.Parallel()
	w := newCRM(t)
	tier := w.addField("contact", "choice", "Tier", false, "Gold", "Silver")
	tags := w.addField("contact", "choices", "Tags", false, "vip", "partner")
	since := w.addField("contact", "date", "Customer since", false)
	partner := w.addField("company", "bool", "Partner", false)
	file := "email,name,Job Title,Mobile,City,TIER,tags,Customer since\n" +
		"ada@engines.org,Ada,CTO,+44 7700 900123,London,Gold,vip; partner,2020-01-31\n" +
		"bo@engines.org,Bo,,,,Platinum,,\n" +
		"cy@engines.org,Cy,,,,,,0000-01-01\n"
	up := w.repB.postFile("/crm/import", map[string]string{"kind": "contacts"}, "file", "people.csv", []byte(file))
	wantStatus(t, "upload", up, http.StatusSeeOther)
	preview := w.repB.get(up.location)
	mustContain(t, preview, "<td>TIER</td><td>custom field Tier</td>", "<td>Job Title</td><td>job title</td>",
		"Tier: Choose one of the list.", "Customer since: Enter a date between the years 1 and 9999.")
	wantRedirect(t, "confirm", w.repB.post(up.location, nil), up.location)
	var id string
	if err := w.db.DB.QueryRow(context.Background(), `SELECT id::text FROM contacts WHERE email = 'ada@engines.org' AND job_title = 'CTO' AND city = 'London'`).Scan(&id); err != nil {
		t.Fatalf("imported contact: %v", err)
	}
	if n := w.count(t, `SELECT count(*) FROM contact_phones WHERE contact_id = $1 AND kind = 'mobile' AND digits = '447700900123'`, id); n != 1 {
		t.Errorf("%d mobile numbers", n)
	}
	if n := w.count(t, `SELECT count(*) FROM custom_values WHERE record_id = $1 AND (
		(field_id = $2 AND value_text = 'Gold') OR (field_id = $3 AND value_choices = '{vip,partner}') OR (field_id = $4 AND value_date = '2020-01-31'))`,
		id, tier, tags, since); n != 3 {
		t.Errorf("%d custom values imported", n)
	}
	if n := w.count(t, `SELECT count(*) FROM contacts WHERE email IN ('bo@engines.org', 'cy@engines.org')`); n != 0 {
		t.Errorf("%d refused rows imported", n)
	}

	co := w.repB.postFile("/crm/import", map[string]string{"kind": "companies"}, "file", "orgs.csv",
		[]byte("name,domain,Website,Phone,Industry,Partner\nInitech,initech.com,initech.com/en,+1 555 0100,Software,yes\n"))
	wantStatus(t, "companies upload", co, http.StatusSeeOther)
	wantRedirect(t, "companies confirm", w.repB.post(co.location, nil), co.location)
	if n := w.count(t, `SELECT count(*) FROM companies c JOIN custom_values v ON v.record_id = c.id AND v.field_id = $1 AND v.value_bool
		WHERE c.website = 'https://initech.com/en' AND c.phone_digits = '15550100' AND c.industry = 'Software'`, partner); n != 1 {
		t.Errorf("%d companies imported with their fields", n)
	}
}

// A save against another version is a 409 that names the custom field the other save
// changed, with the typed value kept.
func TestCRMCustomFieldConflict(t *testing.T) {
	t.Parallel()
	w := newCRM(t)
	seats := w.addField("contact", "number", "Seats", false)
	first := w.repB.post("/crm/contacts/"+w.jane, w.janeForm(url.Values{"version": {"1"}, "cf_" + seats: {"10"}}))
	wantStatus(t, "first save", first, http.StatusSeeOther)
	second := w.adminB.post("/crm/contacts/"+w.jane, w.janeForm(url.Values{"version": {"1"}, "was_cf_" + seats: {""}, "cf_" + seats: {"20"}}))
	wantStatus(t, "stale save", second, http.StatusConflict)
	mustContain(t, second, "Seats", "Nothing of yours was saved.")
	if got, _ := inputValue(second, "cf_"+seats); got != "20" {
		t.Errorf("typed value kept as %q", got)
	}
	var n string
	if err := w.db.DB.QueryRow(context.Background(), `SELECT value_num::text FROM custom_values WHERE field_id = $1`, seats).Scan(&n); err != nil || n != "10" {
		t.Errorf("stored %q, %v", n, err)
	}
}

// A deal's custom values are on its form and page, saved with the deal.
func TestCRMDealCustomFields(t *testing.T) {
	t.Parallel()
	w := newCRM(t)
	fee := w.addField("deal", "money", "Setup fee", true)
	form := w.repB.get("/crm/deals/" + w.deal + "/edit")
	mustContain(t, form, `name="cf_`+fee+`"`)
	base := url.Values{"title": {"Acme starter"}, "contact_id": {"jane@acme.com"}, "pipeline_id": {w.pipe}, "owner_id": {w.rep.ID},
		"amount": {"12500"}, "version": {"1"}}
	bad := w.repB.post("/crm/deals/"+w.deal, base)
	wantStatus(t, "required", bad, http.StatusUnprocessableEntity)
	if got := fieldError(bad, "cf_"+fee); got != "Setup fee is required." {
		t.Errorf("beside the fee %q", got)
	}
	base.Set("cf_"+fee, "1,250.50")
	wantStatus(t, "save", w.repB.post("/crm/deals/"+w.deal, base), http.StatusSeeOther)
	mustContain(t, w.repB.get("/crm/deals/"+w.deal), "<dt>Setup fee</dt>", "$1,250.50")
	create := w.repB.post("/crm/deals", url.Values{"title": {"Second"}, "contact_id": {"jane@acme.com"}, "pipeline_id": {w.pipe},
		"owner_id": {w.rep.ID}, "amount": {"1"}, "cf_" + fee: {"99"}})
	wantStatus(t, "create", create, http.StatusSeeOther)
	if n := w.count(t, `SELECT count(*) FROM custom_values WHERE field_id = $1`, fee); n != 2 {
		t.Errorf("%d fee values", n)
	}
}
