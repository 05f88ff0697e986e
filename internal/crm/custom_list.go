package crm

import (
	"context"
	"encoding/json"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"rapport/internal/db"
	"rapport/internal/form"
)

// A list's custom fields: ?cf_<field id>=value filters (an exact match, case-insensitive
// for text; a multiple choice field matches the records that have the choice), and
// ?col=<field id> shows the field's column. Each filter is an EXISTS on custom_values
// by (field, value), served by the typed column's index (custom_values_*_idx); the
// shown columns' values come in the page's own statement, one JSON array per row read
// by the primary key (record_id, field_id): no query per row.

// customFilter is one ?cf_ filter.
type customFilter struct {
	Field CustomField
	Value string // as typed
	arg   any    // the typed value; nil when the value is not one
}

// customQuery is a list's custom field filters and shown columns.
type customQuery struct {
	Fields   []CustomField // the entity's fields, for the filter form and column choice
	Filters  []customFilter
	Columns  []CustomField
	Problems map[string]string // a filter's problem, by its parameter
}

// readCustomQuery reads the filters and columns of fields from a list's query string.
func readCustomQuery(q url.Values, fields []CustomField) customQuery {
	c := customQuery{Fields: fields, Problems: map[string]string{}}
	cols := q["col"]
	for _, f := range fields {
		if slices.Contains(cols, f.ID) {
			c.Columns = append(c.Columns, f)
		}
		raw := q.Get(f.Name())
		if raw == "" {
			continue
		}
		raw = form.Clean(strings.TrimSpace(raw))
		cf := customFilter{Field: f, Value: raw}
		if !form.Lookup(raw, maxFieldLong, f.Kind == KindLongText) {
			c.Problems[f.Name()] = "This filter cannot be read."
			c.Filters = append(c.Filters, cf)
			continue
		}
		opt := f
		opt.Required = false
		var picked []string
		if f.Kind == KindChoices {
			picked = []string{raw}
		}
		v := parseValue(opt, raw, picked)
		switch {
		case v.Error != "":
			c.Problems[f.Name()] = v.Error
		case v.text != nil:
			cf.arg = *v.text
		case v.num != nil:
			cf.arg = *v.num
		case v.date != nil:
			cf.arg = *v.date
		case v.boolean != nil:
			cf.arg = *v.boolean
		case len(v.choices) > 0:
			cf.arg = v.choices[0]
		}
		c.Filters = append(c.Filters, cf)
	}
	return c
}

// filterValue is the filter's value as typed for field f ("" when none).
func (c customQuery) filterValue(f CustomField) string {
	for _, x := range c.Filters {
		if x.Field.ID == f.ID {
			return x.Value
		}
	}
	return ""
}

// shown reports whether f's column is shown.
func (c customQuery) shown(f CustomField) bool {
	return slices.ContainsFunc(c.Columns, func(x CustomField) bool { return x.ID == f.ID })
}

// matchSQL is the condition on custom_values cv for a filter of kind k on $n.
func matchSQL(k FieldKind, n string) string {
	switch k {
	case KindNumber, KindMoney:
		return `cv.value_num IS NOT NULL AND cv.value_num = ` + n + `::numeric`
	case KindDate:
		return `cv.value_date IS NOT NULL AND cv.value_date = ` + n + `::date`
	case KindBool:
		return `cv.value_bool IS NOT NULL AND cv.value_bool = ` + n + `::boolean`
	case KindChoices:
		return `cv.value_choices IS NOT NULL AND cv.value_choices @> ARRAY[` + n + `::text]`
	}
	return `cv.value_text IS NOT NULL AND left(lower(cv.value_text), 200) = left(lower(` + n + `::text), 200)
	       AND lower(cv.value_text) = lower(` + n + `::text)`
}

// sql is the list's extra conditions and its custom column, for records rec (an id
// expression), numbering its arguments from next: nothing the user typed is spliced
// in, only the field ids' placeholders and the kinds' fixed conditions.
func (c customQuery) sql(rec string, next int) (where, column string, args []any) {
	var b strings.Builder
	for _, f := range c.Filters {
		if f.arg == nil {
			b.WriteString("\n  AND false")
			continue
		}
		id, val := "$"+strconv.Itoa(next), "$"+strconv.Itoa(next+1)
		next += 2
		args = append(args, f.Field.ID, f.arg)
		b.WriteString("\n  AND EXISTS (SELECT 1 FROM custom_values cv WHERE cv.record_id = " + rec + " AND cv.field_id = " + id +
			"::uuid AND " + matchSQL(f.Field.Kind, val) + ")")
	}
	column = `'[]'::json AS custom`
	if len(c.Columns) > 0 {
		ids := make([]string, len(c.Columns))
		for i, f := range c.Columns {
			ids[i] = f.ID
		}
		args = append(args, ids)
		column = `coalesce((SELECT json_agg(json_build_object('field_id', cv.field_id, 'text', cv.value_text,
	         'num', cv.value_num::text, 'date', cv.value_date::text, 'bool', cv.value_bool, 'choices', cv.value_choices))
	       FROM custom_values cv WHERE cv.record_id = ` + rec + ` AND cv.field_id = ANY($` + strconv.Itoa(next) + `::uuid[])), '[]') AS custom`
	}
	return b.String(), column, args
}

// apply puts the custom conditions and column into a list query with {{CF}} and
// {{CFCOL}}, and returns it with its arguments after base.
func (c customQuery) apply(query, rec string, base []any) (string, []any) {
	where, column, args := c.sql(rec, len(base)+1)
	query = strings.NewReplacer("{{CF}}", where, "{{CFCOL}}", column).Replace(query)
	return query, append(base, args...)
}

// cell is a row's shown value of field f.
func cell(f CustomField, vals CustomValues) string {
	v, ok := vals[f.ID]
	if !ok {
		return ""
	}
	return f.Show(v)
}

// fieldsFromRows takes the 'fields' row of loadListChoices (the entity's definitions,
// a JSON array in its name column) out of the other rows.
func fieldsFromRows(rest []choiceRow) ([]CustomField, []choiceRow, error) {
	var fields []CustomField
	var others []choiceRow
	for _, r := range rest {
		if r.Kind != "fields" {
			others = append(others, r)
			continue
		}
		if err := json.Unmarshal([]byte(r.Name), &fields); err != nil {
			return nil, nil, err
		}
	}
	return fields, others, nil
}

// fieldLabels are the fields' labels, an export's column names.
func fieldLabels(fields []CustomField) []string {
	out := make([]string, len(fields))
	for i, f := range fields {
		out[i] = f.Label
	}
	return out
}

// csvCustom are a row's values of fields, as the form takes them (a multiple choice's
// picks separated by "; ", which an import reads back).
func csvCustom(fields []CustomField, vals CustomValues) []string {
	out := make([]string, len(fields))
	for i, f := range fields {
		if v, ok := vals[f.ID]; ok {
			out[i] = f.Input(v)
			if f.Kind == KindChoices {
				out[i] = strings.Join(v.Choices, "; ")
			}
		}
	}
	return out
}

// exportFilterSQL is an export's company filter (by id $1 or domain $2) and its
// entity's custom fields ($3) in one statement.
var exportFilterSQL = `SELECT ` + fieldsJSON("$3::text") + ` AS fields,
       (SELECT id::text FROM (SELECT id FROM companies WHERE id = $1::uuid
                              UNION ALL SELECT id FROM companies WHERE domain = $2::text) x LIMIT 1) AS company`

// loadExportFilter resolves an export's company filter (ref as typed; noCompany when it
// names none) and loads entity e's custom fields, in one statement.
func loadExportFilter(ctx context.Context, q db.Querier, ref string, e Entity) (*string, []CustomField, error) {
	cr := readCompanyLookup(ref)
	var fields []CustomField
	var company *string
	if err := q.QueryRow(ctx, exportFilterSQL, cr.ID, cr.Domain, string(e)).Scan(&fields, &company); err != nil {
		return nil, nil, db.Translate(err)
	}
	switch {
	case cr.Problem != "":
		return &noCompany, fields, nil
	case cr.ID == nil && cr.Domain == nil:
		return nil, fields, nil
	case company == nil:
		return &noCompany, fields, nil
	}
	return company, fields, nil
}
