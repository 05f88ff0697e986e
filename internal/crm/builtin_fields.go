package crm

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"rapport/internal/db"
	"rapport/internal/form"
	"rapport/web"
)

// The fields every CRM has (issue 11, part 0; migration 00068): a contact's phone
// numbers (contact_phones), job title, notes and postal address; a company's website,
// phone, address, industry and size. Text columns are NULL when empty.

const (
	maxJobTitle = 200
	maxNotes    = 20000
	maxIndustry = 200
	maxPhones   = 3 // rows the contact form offers
)

// Address is a postal address; every part is optional.
type Address struct {
	Street   string `db:"street"`
	City     string `db:"city"`
	Postcode string `db:"postcode"`
	Region   string `db:"region"`
	Country  string `db:"country"`
}

// addressColumns are an Address read from table alias t.
func addressColumns(t string) string {
	return `coalesce(` + t + `.street, '') AS street, coalesce(` + t + `.city, '') AS city, coalesce(` + t +
		`.postcode, '') AS postcode, coalesce(` + t + `.region, '') AS region, coalesce(` + t + `.country, '') AS country`
}

func parseAddress(r *http.Request) Address {
	return Address{Street: form.Text(r, "street"), City: form.Text(r, "city"), Postcode: form.Text(r, "postcode"),
		Region: form.Text(r, "region"), Country: form.Text(r, "country")}
}

// check adds the address's problems to errs.
func (a Address) check(errs form.Errors) {
	checkText(errs, "street", a.Street, 500)
	checkText(errs, "city", a.City, 200)
	checkText(errs, "postcode", a.Postcode, 40)
	checkText(errs, "region", a.Region, 200)
	checkText(errs, "country", a.Country, 200)
}

// args are the address's five columns (NULL when empty).
func (a Address) args() []any {
	return []any{orNull(a.Street), orNull(a.City), orNull(a.Postcode), orNull(a.Region), orNull(a.Country)}
}

// Lines are the address as printed, empty parts left out.
func (a Address) Lines() []string {
	var out []string
	for _, l := range []string{a.Street, strings.TrimSpace(a.Postcode + " " + a.City), a.Region, a.Country} {
		if l != "" {
			out = append(out, l)
		}
	}
	return out
}

func (a Address) editFields() []formField {
	return []formField{{"street", "Street", a.Street}, {"city", "City", a.City}, {"postcode", "Postcode", a.Postcode},
		{"region", "Region", a.Region}, {"country", "Country", a.Country}}
}

// checkText checks an optional one-line value.
func checkText(errs form.Errors, field, v string, max int) {
	if msg := form.Check(v, max, false); msg != "" {
		errs.Add(field, msg)
	}
}

// orNull is v, or nil (SQL NULL) when empty.
func orNull(v string) any {
	if v == "" {
		return nil
	}
	return v
}

// PhoneKind is what a contact's phone number is.
type PhoneKind string

const (
	PhoneWork   PhoneKind = "work"
	PhoneMobile PhoneKind = "mobile"
	PhoneOther  PhoneKind = "other"
)

// PhoneKinds are the kinds, in the form's order.
var PhoneKinds = []PhoneKind{PhoneWork, PhoneMobile, PhoneOther}

// Label is the kind as people read it.
func (k PhoneKind) Label() string {
	switch k {
	case PhoneWork:
		return "Work"
	case PhoneMobile:
		return "Mobile"
	}
	return "Other"
}

func phoneKindOptions() []web.Option {
	o := make([]web.Option, len(PhoneKinds))
	for i, k := range PhoneKinds {
		o[i] = web.Option{Value: string(k), Label: k.Label()}
	}
	return o
}

// Phone is one of a contact's numbers: as typed, and its digits.
type Phone struct {
	Kind   PhoneKind `json:"kind"`
	Number string    `json:"number"`
	Digits string    `json:"digits"`
}

// phonesJSON is contact rec's numbers in order, as a JSON array.
func phonesJSON(rec string) string {
	return `coalesce((SELECT json_agg(json_build_object('kind', p.kind, 'number', p.number, 'digits', p.digits) ORDER BY p.position)
	       FROM contact_phones p WHERE p.contact_id = ` + rec + `), '[]')`
}

// phoneInput is one phone row of the contact form, as typed.
type phoneInput struct {
	Kind   string
	Number string
}

// parsePhones reads the form's phone rows (phone_kind_N, phone_N).
func parsePhones(r *http.Request) []phoneInput {
	out := make([]phoneInput, maxPhones)
	for i := range out {
		n := strconv.Itoa(i)
		out[i] = phoneInput{Kind: form.Text(r, "phone_kind_"+n), Number: form.Text(r, "phone_"+n)}
	}
	return out
}

// phoneInputsOf are a contact's numbers as the form's rows.
func phoneInputsOf(list []Phone) []phoneInput {
	out := make([]phoneInput, maxPhones)
	for i := range out {
		out[i].Kind = string(PhoneWork)
		if i == 1 {
			out[i].Kind = string(PhoneMobile)
		}
	}
	for i, p := range list {
		if i < maxPhones {
			out[i] = phoneInput{Kind: string(p.Kind), Number: p.Number}
		}
	}
	return out
}

// checkPhones validates the rows and returns the numbers to store, in order, empty
// rows left out.
func checkPhones(errs form.Errors, in []phoneInput) []Phone {
	var out []Phone
	for i, p := range in {
		if p.Number == "" {
			continue
		}
		name := "phone_" + strconv.Itoa(i)
		kind := PhoneKind(p.Kind)
		if kind == "" {
			kind = PhoneWork
		}
		if kind != PhoneWork && kind != PhoneMobile && kind != PhoneOther {
			errs.Add(name, "Choose work, mobile or other.")
			continue
		}
		digits, msg := phoneDigits(p.Number)
		if msg != "" {
			errs.Add(name, msg)
			continue
		}
		out = append(out, Phone{Kind: kind, Number: p.Number, Digits: digits})
	}
	return out
}

func phonesEditFields(in []phoneInput) []formField {
	var out []formField
	for i, p := range in {
		n := strconv.Itoa(i)
		v := p.Number
		if v != "" {
			v = PhoneKind(p.Kind).Label() + ": " + v
		}
		out = append(out, formField{Name: "phone_" + n, Label: "Phone " + strconv.Itoa(i+1), Value: v})
	}
	return out
}

// savePhonesSQL replaces contact $1's numbers with $2's, in one statement: rows past
// the new list's end go, the others are written in place.
const savePhonesSQL = `
WITH v AS (
    SELECT (x.ord - 1)::smallint AS position, x.kind, x.number, x.digits
    FROM ROWS FROM (jsonb_to_recordset($2::jsonb) AS (kind text, number text, digits text))
        WITH ORDINALITY AS x(kind, number, digits, ord)
), gone AS (
    DELETE FROM contact_phones WHERE contact_id = $1 AND position >= (SELECT count(*) FROM v)
)
INSERT INTO contact_phones (contact_id, position, kind, number, digits)
SELECT $1, position, kind, number, digits FROM v
ON CONFLICT (contact_id, position) DO UPDATE SET kind = excluded.kind, number = excluded.number, digits = excluded.digits`

// SaveContactPhones replaces a contact's phone numbers.
func SaveContactPhones(ctx context.Context, q db.Querier, contact string, list []Phone) error {
	if list == nil {
		list = []Phone{}
	}
	b, err := json.Marshal(list)
	if err != nil {
		return err
	}
	_, err = q.Exec(ctx, savePhonesSQL, contact, string(b))
	return db.Translate(err)
}

// CompanySizes are the choices of a company's size (companies_size_check).
var CompanySizes = []string{"1-10", "11-50", "51-200", "201-500", "501-1000", "1001-5000", "5001+"}

func sizeOptions() []web.Option {
	o := []web.Option{{Value: "", Label: "—"}}
	for _, s := range CompanySizes {
		o = append(o, web.Option{Value: s, Label: s + " people"})
	}
	return o
}

// ContactExtra is what a contact's page and form read besides its ContactRow: the
// built-in fields, its phone numbers, and the contacts' custom fields with its values.
type ContactExtra struct {
	JobTitle string `db:"job_title"`
	Notes    string `db:"notes"`
	Address
	Phones []Phone       `db:"phones"`
	Fields []CustomField `db:"fields"`
	Custom CustomValues  `db:"custom"`
}

// contactExtraColumns are a ContactExtra read from contacts c.
var contactExtraColumns = `coalesce(c.job_title, '') AS job_title, coalesce(c.notes, '') AS notes, ` + addressColumns("c") + `,
	` + phonesJSON("c.id") + ` AS phones, ` + fieldsJSON("'contact'") + ` AS fields, ` + valuesJSON("c.id") + ` AS custom`

// hasDetails reports whether the contact page has a details section to show.
func (x *ContactExtra) hasDetails() bool {
	return len(x.Phones) > 0 || len(x.Address.Lines()) > 0 || x.Notes != "" || len(showCustom(x.Fields, x.Custom)) > 0
}

// CompanyExtra is what a company's page and form read besides its Company: the
// built-in fields and the companies' custom fields with its values.
type CompanyExtra struct {
	CompanyBuiltin
	Fields []CustomField `db:"fields"`
	Custom CustomValues  `db:"custom"`
}

// CompanyBuiltin are a company's built-in fields ("" is none).
type CompanyBuiltin struct {
	Website  string `db:"website"`
	Phone    string `db:"phone"`
	Industry string `db:"industry"`
	Size     string `db:"size"`
	Address
}

// companyExtraColumns are a CompanyExtra read from companies co.
var companyExtraColumns = `coalesce(co.website, '') AS website, coalesce(co.phone, '') AS phone,
	coalesce(co.industry, '') AS industry, coalesce(co.size, '') AS size, ` + addressColumns("co") + `,
	` + fieldsJSON("'company'") + ` AS fields, ` + valuesJSON("co.id") + ` AS custom`

// args are the built-in columns website, phone, phone_digits, industry, size and the
// address (the phone already checked).
func (b CompanyBuiltin) args() []any {
	digits, _ := phoneDigits(b.Phone)
	return append([]any{orNull(b.Website), orNull(b.Phone), orNull(digits), orNull(b.Industry), orNull(b.Size)}, b.Address.args()...)
}

func parseCompanyBuiltin(r *http.Request) CompanyBuiltin {
	return CompanyBuiltin{Website: form.Text(r, "website"), Phone: form.Text(r, "phone"), Industry: form.Text(r, "industry"),
		Size: form.Text(r, "size"), Address: parseAddress(r)}
}

// check adds the fields' problems to errs.
func (b CompanyBuiltin) check(errs form.Errors) {
	if b.Website != "" {
		if msg := checkURL(b.Website); msg != "" {
			errs.Add("website", msg)
		}
	}
	if b.Phone != "" {
		if _, msg := phoneDigits(b.Phone); msg != "" {
			errs.Add("phone", msg)
		}
	}
	checkText(errs, "industry", b.Industry, maxIndustry)
	if b.Size != "" && !slices.Contains(CompanySizes, b.Size) {
		errs.Add("size", "Choose a size from the list.")
	}
	b.Address.check(errs)
}

func (b CompanyBuiltin) editFields() []formField {
	out := []formField{{"website", "Website", b.Website}, {"phone", "Phone", b.Phone}, {"industry", "Industry", b.Industry},
		{"size", "Size", b.Size}}
	return append(out, b.Address.editFields()...)
}

// hasDetails reports whether the company page has a details section to show.
func (x *CompanyExtra) hasDetails() bool {
	b := x.CompanyBuiltin
	return b.Website != "" || b.Phone != "" || b.Industry != "" || b.Size != "" || len(b.Lines()) > 0 ||
		len(showCustom(x.Fields, x.Custom)) > 0
}
