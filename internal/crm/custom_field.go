package crm

import (
	"context"
	"encoding/json"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"rapport/internal/db"
	"rapport/internal/form"
	"rapport/web"
)

// Custom fields: an admin's own fields on companies, contacts and deals
// (custom_fields), and their values (custom_values: one row per record and field, in
// the typed column of the field's kind, each typed column indexed by field). A record
// form posts a field as cf_<field id>; a list filters on ?cf_<field id>=value and shows
// a field's column with ?col=<field id>.

// Entity is the kind of record a custom field belongs to.
type Entity string

const (
	EntityCompany Entity = "company"
	EntityContact Entity = "contact"
	EntityDeal    Entity = "deal"
)

// Entities are the kinds of record, in the admin page's order.
var Entities = []Entity{EntityContact, EntityCompany, EntityDeal}

// Label is the entity as people read it, in the plural.
func (e Entity) Label() string {
	switch e {
	case EntityCompany:
		return "Companies"
	case EntityContact:
		return "Contacts"
	case EntityDeal:
		return "Deals"
	}
	return string(e)
}

// FieldKind is a custom field's type.
type FieldKind string

const (
	KindText     FieldKind = "text"
	KindLongText FieldKind = "long_text"
	KindNumber   FieldKind = "number"
	KindMoney    FieldKind = "money"
	KindDate     FieldKind = "date"
	KindBool     FieldKind = "bool"
	KindChoice   FieldKind = "choice"
	KindChoices  FieldKind = "choices"
	KindURL      FieldKind = "url"
	KindEmail    FieldKind = "email"
	KindPhone    FieldKind = "phone"
)

// FieldKinds are the types, in the admin form's order.
var FieldKinds = []FieldKind{KindText, KindLongText, KindNumber, KindMoney, KindDate, KindBool,
	KindChoice, KindChoices, KindURL, KindEmail, KindPhone}

// Label is the type as people read it.
func (k FieldKind) Label() string {
	switch k {
	case KindText:
		return "Text"
	case KindLongText:
		return "Long text"
	case KindNumber:
		return "Number"
	case KindMoney:
		return "Money"
	case KindDate:
		return "Date"
	case KindBool:
		return "Yes/no"
	case KindChoice:
		return "Single choice"
	case KindChoices:
		return "Multiple choice"
	case KindURL:
		return "URL"
	case KindEmail:
		return "Email"
	case KindPhone:
		return "Phone"
	}
	return string(k)
}

// HasChoices reports whether the kind offers a list of choices.
func (k FieldKind) HasChoices() bool { return k == KindChoice || k == KindChoices }

// Limits of a field's definition (custom_fields_sizes_check) and its values.
const (
	maxFieldLabel  = 200
	maxFieldChoice = 200 // a choice's label
	maxChoices     = 200
	maxFieldsPer   = 100 // fields per entity
	maxFieldText   = 1000
	maxFieldLong   = 20000
	maxFieldNumber = 1e15
)

// CustomField is one field's definition.
type CustomField struct {
	ID       string    `db:"id" json:"id"`
	Entity   Entity    `db:"entity" json:"entity"`
	Kind     FieldKind `db:"kind" json:"kind"`
	Label    string    `db:"label" json:"label"`
	Required bool      `db:"required" json:"required"`
	Position int       `db:"position" json:"position"`
	Choices  []string  `db:"choices" json:"choices"`
	Version  int       `db:"version" json:"version"`
}

// Name is the field's form and query parameter name.
func (f CustomField) Name() string { return "cf_" + f.ID }

const customFieldColumns = `f.id, f.entity, f.kind, f.label, f.required, f.position, f.choices, f.version`

// fieldsJSON is an entity's field definitions as one JSON array, in order, for a
// statement that carries them beside its own rows ($entity given by the caller).
func fieldsJSON(entity string) string {
	return `coalesce((SELECT json_agg(json_build_object('id', f.id, 'entity', f.entity, 'kind', f.kind, 'label', f.label,
	         'required', f.required, 'position', f.position, 'choices', f.choices, 'version', f.version) ORDER BY f.position, f.id)
	       FROM custom_fields f WHERE f.entity = ` + entity + `), '[]')`
}

const listFieldsSQL = `SELECT ` + customFieldColumns + ` FROM custom_fields f WHERE f.entity = $1 ORDER BY f.position, f.id`

// ListFields returns an entity's fields in order.
func ListFields(ctx context.Context, q db.Querier, e Entity) ([]CustomField, error) {
	rows, err := q.Query(ctx, listFieldsSQL, string(e))
	if err != nil {
		return nil, db.Translate(err)
	}
	list, err := pgx.CollectRows(rows, pgx.RowToStructByName[CustomField])
	return list, db.Translate(err)
}

// CustomValue is one stored value, as the record pages read it (JSON).
type CustomValue struct {
	FieldID string   `json:"field_id"`
	Text    *string  `json:"text"`
	Num     *string  `json:"num"` // numeric, as Postgres prints it
	Date    *string  `json:"date"`
	Bool    *bool    `json:"bool"`
	Choices []string `json:"choices"`
}

// valuesJSON is a record's values as a JSON array; rec is the record id's expression.
func valuesJSON(rec string) string {
	return `coalesce((SELECT json_agg(json_build_object('field_id', cv.field_id, 'text', cv.value_text,
	         'num', cv.value_num::text, 'date', cv.value_date::text, 'bool', cv.value_bool, 'choices', cv.value_choices))
	       FROM custom_values cv WHERE cv.record_id = ` + rec + `), '[]')`
}

// CustomValues are a record's values by field id.
type CustomValues map[string]CustomValue

// UnmarshalJSON reads valuesJSON's array.
func (v *CustomValues) UnmarshalJSON(b []byte) error {
	var list []CustomValue
	if err := json.Unmarshal(b, &list); err != nil {
		return err
	}
	m := CustomValues{}
	for _, x := range list {
		m[x.FieldID] = x
	}
	*v = m
	return nil
}

// Input is the value as the form's input holds it (choices: one per line, for the
// collision check and the CSV).
func (f CustomField) Input(v CustomValue) string {
	switch f.Kind {
	case KindNumber:
		return trimNumber(deref(v.Num))
	case KindMoney:
		if v.Num == nil {
			return ""
		}
		c, err := ParseMoney(*v.Num)
		if err != nil {
			return *v.Num
		}
		return AmountInput(c)
	case KindDate:
		return deref(v.Date)
	case KindBool:
		if v.Bool == nil {
			return ""
		}
		if *v.Bool {
			return "yes"
		}
		return "no"
	case KindChoices:
		return strings.Join(v.Choices, "\n")
	}
	return deref(v.Text)
}

// Show is the value as a record page or list shows it.
func (f CustomField) Show(v CustomValue) string {
	switch f.Kind {
	case KindMoney:
		if v.Num == nil {
			return ""
		}
		c, err := ParseMoney(*v.Num)
		if err != nil {
			return *v.Num
		}
		return FormatMoney(c)
	case KindBool:
		switch f.Input(v) {
		case "yes":
			return "Yes"
		case "no":
			return "No"
		}
		return ""
	case KindChoices:
		return strings.Join(v.Choices, ", ")
	}
	return f.Input(v)
}

// trimNumber drops a numeric's trailing zeros after its dot.
func trimNumber(s string) string {
	if strings.Contains(s, ".") {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	return s
}

// fieldValue is a value as typed and, once valid, as stored.
type fieldValue struct {
	Field   CustomField
	Typed   string   // as typed (choices: one per line)
	Picked  []string // a multiple choice's picks
	Error   string
	text    *string
	num     *string
	date    *string
	boolean *bool
	choices []string
}

// empty reports whether nothing is stored for the value.
func (v fieldValue) empty() bool {
	return v.text == nil && v.num == nil && v.date == nil && v.boolean == nil && v.choices == nil
}

// parseValue reads and checks one field's typed value (picked: a multiple choice's).
func parseValue(f CustomField, typed string, picked []string) fieldValue {
	v := fieldValue{Field: f, Typed: typed, Picked: picked}
	if f.Kind == KindChoices {
		v.Typed = strings.Join(picked, "\n")
	}
	if v.Typed == "" {
		if f.Required {
			v.Error = f.Label + " is required."
		}
		return v
	}
	switch f.Kind {
	case KindText:
		if v.Error = form.Check(typed, maxFieldText, false); v.Error == "" {
			v.text = &typed
		}
	case KindLongText:
		if v.Error = form.Check(typed, maxFieldLong, true); v.Error == "" {
			v.text = &typed
		}
	case KindNumber:
		n, msg := parseNumber(typed)
		if v.Error = msg; msg == "" {
			v.num = &n
		}
	case KindMoney:
		c, err := ParseMoney(typed)
		if err != nil {
			v.Error = err.Error()
		} else {
			n := strconv.FormatInt(c/100, 10) + "." + twoDigits(c%100)
			v.num = &n
		}
	case KindDate:
		d, err := time.Parse(time.DateOnly, strings.TrimSpace(typed))
		switch {
		case err != nil:
			v.Error = "Enter a date like 2026-12-31."
		case d.Year() < 1 || d.Year() > 9999:
			v.Error = "Enter a date between the years 1 and 9999."
		default:
			s := d.Format(time.DateOnly)
			v.date = &s
		}
	case KindBool:
		switch strings.ToLower(strings.TrimSpace(typed)) {
		case "yes", "true", "1", "y":
			b := true
			v.boolean = &b
		case "no", "false", "0", "n":
			b := false
			v.boolean = &b
		default:
			v.Error = "Choose yes or no."
		}
	case KindChoice:
		if !slices.Contains(f.Choices, typed) {
			v.Error = "Choose one of the list."
		} else {
			v.text = &typed
		}
	case KindChoices:
		seen := map[string]bool{}
		for _, p := range picked {
			if !slices.Contains(f.Choices, p) {
				v.Error = "Choose from the list."
				return v
			}
			if !seen[p] {
				seen[p] = true
				v.choices = append(v.choices, p)
			}
		}
	case KindURL:
		if v.Error = checkURL(typed); v.Error == "" {
			v.text = &typed
		}
	case KindEmail:
		e := form.NormalizeEmail(typed)
		errs := form.Errors{}
		form.Email(errs, "x", e)
		if v.Error = errs["x"]; v.Error == "" {
			v.text = &e
			v.Typed = e
		}
	case KindPhone:
		if _, msg := phoneDigits(typed); msg != "" {
			v.Error = msg
		} else {
			v.text = &typed
		}
	}
	return v
}

// parseNumber reads a number field: a decimal within ±1e15, as Postgres's numeric
// takes it.
func parseNumber(typed string) (string, string) {
	s := strings.ReplaceAll(strings.TrimSpace(typed), ",", "")
	if len(s) > 40 {
		return "", "Enter a number like 42 or 3.14."
	}
	x, err := strconv.ParseFloat(s, 64)
	switch {
	case err != nil && strings.Contains(err.Error(), "range"):
		return "", "That number is too large."
	case err != nil || math.IsNaN(x) || math.IsInf(x, 0) || strings.ContainsAny(s, "xXpP_"):
		return "", "Enter a number like 42 or 3.14."
	case math.Abs(x) >= maxFieldNumber:
		return "", "That number is too large: at most 999,999,999,999,999."
	}
	return strconv.FormatFloat(x, 'f', -1, 64), ""
}

// checkURL validates a web address: http or https with a host.
func checkURL(v string) string {
	if msg := form.Check(v, 2048, false); msg != "" {
		return msg
	}
	u, err := url.Parse(v)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || strings.ContainsAny(v, " \t") {
		return "Enter a web address like https://example.com."
	}
	return ""
}

// phoneDigits checks a phone number as typed (digits, spaces, + - . ( ) and / only, 3
// to 20 digits) and returns its digits.
func phoneDigits(v string) (string, string) {
	if len(v) > 40 {
		return "", "Too long: at most 40 characters."
	}
	var b strings.Builder
	for i, r := range v {
		switch {
		case r >= '0' && r <= '9':
			b.WriteRune(r)
		case r == '+' && i == 0, r == ' ', r == '-', r == '.', r == '(', r == ')', r == '/':
		default:
			return "", "Enter a phone number like +44 20 7946 0958: digits, spaces and + - ( ) only."
		}
	}
	if b.Len() < 3 || b.Len() > 20 {
		return "", "Enter a phone number of 3 to 20 digits."
	}
	return b.String(), ""
}

// customInputs are a record form's custom fields with their values as typed.
type customInputs []fieldValue

// parseCustom reads every field of fields from a posted form.
func parseCustom(r *http.Request, fields []CustomField) customInputs {
	post := r.PostForm
	in := make(customInputs, 0, len(fields))
	for _, f := range fields {
		var picked []string
		if f.Kind == KindChoices {
			for _, p := range post[f.Name()] {
				if p = form.Clean(p); p != "" {
					picked = append(picked, p)
				}
			}
		}
		typed := form.Clean(strings.TrimSpace(r.PostFormValue(f.Name())))
		if f.Kind == KindLongText {
			typed = form.Clean(r.PostFormValue(f.Name()))
			if strings.TrimSpace(typed) == "" {
				typed = ""
			}
		}
		in = append(in, parseValue(f, typed, picked))
	}
	return in
}

// customOf is a record's stored values as a form's inputs.
func customOf(fields []CustomField, vals CustomValues) customInputs {
	in := make(customInputs, 0, len(fields))
	for _, f := range fields {
		v := vals[f.ID]
		in = append(in, fieldValue{Field: f, Typed: f.Input(v), Picked: v.Choices})
	}
	return in
}

// check adds each value's problem to errs, beside its field.
func (in customInputs) check(errs form.Errors) {
	for _, v := range in {
		if v.Error != "" {
			errs.Add(v.Field.Name(), v.Error)
		}
	}
}

// editFields are the custom fields for the collision check.
func (in customInputs) editFields() []formField {
	out := make([]formField, 0, len(in))
	for _, v := range in {
		out = append(out, formField{Name: v.Field.Name(), Label: v.Field.Label, Value: v.Typed})
	}
	return out
}

// storedValue is one row of saveValuesSQL's input.
type storedValue struct {
	FieldID string   `json:"field_id"`
	Text    *string  `json:"text"`
	Num     *string  `json:"num"`
	Date    *string  `json:"date"`
	Bool    *bool    `json:"bool"`
	Choices []string `json:"choices"`
	Empty   bool     `json:"empty"`
}

// saveValuesSQL writes a record's values in one statement: the fields left empty lose
// their row, the others are inserted or replaced. $1 is the record, $2 the values.
const saveValuesSQL = `
WITH v AS (
    SELECT * FROM jsonb_to_recordset($2::jsonb)
        AS x(field_id uuid, text text, num numeric, date date, bool boolean, choices text[], empty boolean)
), gone AS (
    DELETE FROM custom_values cv USING v
    WHERE cv.record_id = $1 AND cv.field_id = v.field_id AND v.empty
)
INSERT INTO custom_values (field_id, record_id, value_text, value_num, value_date, value_bool, value_choices)
SELECT v.field_id, $1, v.text, v.num, v.date, v.bool, v.choices FROM v WHERE NOT v.empty
ON CONFLICT (record_id, field_id) DO UPDATE SET value_text = excluded.value_text, value_num = excluded.value_num,
    value_date = excluded.value_date, value_bool = excluded.value_bool, value_choices = excluded.value_choices`

// saveCustom writes a record's valid values (no statement when there are no fields).
func saveCustom(ctx context.Context, q db.Querier, record string, in customInputs) error {
	if len(in) == 0 {
		return nil
	}
	rows := make([]storedValue, 0, len(in))
	for _, v := range in {
		rows = append(rows, storedValue{FieldID: v.Field.ID, Text: v.text, Num: v.num, Date: v.date, Bool: v.boolean,
			Choices: v.choices, Empty: v.empty()})
	}
	b, err := json.Marshal(rows)
	if err != nil {
		return err
	}
	_, err = q.Exec(ctx, saveValuesSQL, record, string(b))
	return db.Translate(err)
}

// boolOptions are a yes/no field's choices.
func boolOptions() []web.Option {
	return []web.Option{{Value: "", Label: "—"}, {Value: "yes", Label: "Yes"}, {Value: "no", Label: "No"}}
}

// choiceOptions are a single choice field's choices, with none first.
func choiceOptions(f CustomField) []web.Option {
	o := []web.Option{{Value: "", Label: "—"}}
	for _, c := range f.Choices {
		o = append(o, web.Option{Value: c, Label: c})
	}
	return o
}

// inputType is the HTML input type of a one-line field.
func (f CustomField) inputType() string {
	switch f.Kind {
	case KindDate:
		return "date"
	case KindURL:
		return "url"
	case KindEmail:
		return "email"
	case KindPhone:
		return "tel"
	}
	return "text"
}

// shownValues pairs a record's fields with their shown values, the empty ones left out.
type shownValue struct {
	Label string
	Value string
	Long  bool
	Link  string // a URL field's address
}

func showCustom(fields []CustomField, vals CustomValues) []shownValue {
	var out []shownValue
	for _, f := range fields {
		v, ok := vals[f.ID]
		if !ok {
			continue
		}
		s := shownValue{Label: f.Label, Value: f.Show(v), Long: f.Kind == KindLongText}
		if f.Kind == KindURL {
			s.Link = s.Value
		}
		if s.Value != "" {
			out = append(out, s)
		}
	}
	return out
}
