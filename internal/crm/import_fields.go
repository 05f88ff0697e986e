package crm

import (
	"encoding/json"
	"strings"

	"rapport/internal/form"
)

// importExtra is what an import row stages beside its own columns (crm_import_rows.extra,
// migration 00070): the built-in fields by column, the phone numbers, the custom values.
type importExtra struct {
	Builtin map[string]string `json:"builtin,omitempty"`
	Phones  []Phone           `json:"phones,omitempty"`
	Custom  []storedValue     `json:"custom,omitempty"`
}

// importBuiltin are the built-in columns an import fills, with their limits.
var importBuiltin = map[ImportKind]map[string]int{
	ImportContacts: {"job_title": maxJobTitle, "notes": maxNotes, "street": 500, "city": 200, "postcode": 40,
		"region": 200, "country": 200},
	ImportCompanies: {"industry": maxIndustry, "street": 500, "city": 200, "postcode": 40, "region": 200, "country": 200},
}

// checkExtra validates a row's extra cells and keeps them, as JSON, for the apply;
// reason is why the row is refused ("" when it is not).
func checkExtra(kind ImportKind, fields []CustomField, r *ImportRow) (reason string) {
	if len(r.Extra) == 0 {
		return ""
	}
	x := importExtra{Builtin: map[string]string{}}
	for col, limit := range importBuiltin[kind] {
		v, ok := r.Extra[col]
		if !ok {
			continue
		}
		v = form.Clean(v)
		if msg := form.Check(v, limit, col == "notes"); msg != "" {
			return col + ": " + msg
		}
		x.Builtin[col] = v
	}
	phones := []struct {
		col  string
		kind PhoneKind
	}{{"phone", PhoneWork}, {"mobile", PhoneMobile}}
	for _, p := range phones {
		v, ok := r.Extra[p.col]
		if !ok {
			continue
		}
		digits, msg := phoneDigits(v)
		if msg != "" {
			return p.col + ": " + msg
		}
		if kind == ImportCompanies {
			x.Builtin["phone"], x.Builtin["phone_digits"] = v, digits
			continue
		}
		x.Phones = append(x.Phones, Phone{Kind: p.kind, Number: v, Digits: digits})
	}
	if v, ok := r.Extra["website"]; ok && kind == ImportCompanies {
		if !strings.Contains(v, "://") {
			v = "https://" + v
		}
		if checkURL(v) == "" {
			x.Builtin["website"] = v
		}
	}
	for _, f := range fields {
		v, ok := r.Extra[f.Name()]
		if !ok {
			continue
		}
		v = form.Clean(v)
		var picked []string
		if f.Kind == KindChoices {
			for _, p := range strings.Split(v, ";") {
				if p = strings.TrimSpace(p); p != "" {
					picked = append(picked, p)
				}
			}
		}
		opt := f
		opt.Required = false
		fv := parseValue(opt, v, picked)
		if fv.Error != "" {
			return f.Label + ": " + fv.Error
		}
		x.Custom = append(x.Custom, storedValue{FieldID: f.ID, Text: fv.text, Num: fv.num, Date: fv.date, Bool: fv.boolean,
			Choices: fv.choices, Empty: fv.empty()})
	}
	b, err := json.Marshal(x)
	if err != nil {
		return "could not be read"
	}
	s := string(b)
	r.extra = &s
	return ""
}
