package crm

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"rapport/internal/form"
)

// ImportKind is what a CSV file holds.
type ImportKind string

// The two kinds of import.
const (
	ImportCompanies ImportKind = "companies"
	ImportContacts  ImportKind = "contacts"
)

// The import limits, stated on the upload page.
const (
	MaxImportBytes = 10 << 20
	MaxImportRows  = 100_000
)

// ImportRow is one data line of a file, its cells trimmed, as typed.
type ImportRow struct {
	Line      int // 1-based line of the file where the record starts
	Name      string
	Domain    string
	Email     string
	CompanyID string
	OwnerID   string
	// Extra are the built-in fields' and custom fields' cells (by import field:
	// job_title, phone, …, or cf_<field id>), the empty ones left out.
	Extra map[string]string
	extra *string // checked, as the JSON staged with the row
}

// ImportFile is a parsed CSV file.
type ImportFile struct {
	Kind    ImportKind
	Rows    []ImportRow
	Ignored []string // headers that are not columns of this kind
	// Columns is what each header became, in the file's order (at most maxColumns);
	// Source the tool whose export it looks like ("" for none).
	Columns []ImportColumn
	Source  string
	Fields  []CustomField // the kind's custom fields, mapped by label
}

// maxColumns bounds the columns a preview lists (a file may have more; they are ignored).
const maxColumns = 100

// ImportError is a problem with the whole file, in a sentence for the person.
type ImportError struct{ Msg string }

func (e *ImportError) Error() string { return e.Msg }

func fileError(format string, args ...any) error {
	return &ImportError{Msg: fmt.Sprintf(format, args...)}
}

// ParseImportCSV reads a CSV file of kind: a header line naming the columns (any case,
// any order; a UTF-8 byte order mark and ';' as the separator, as some spreadsheets
// write them, are accepted), then one record per line. Blank lines are skipped. It
// refuses, with an *ImportError, what is not a text CSV file of that kind: invalid
// UTF-8, NUL bytes, more than MaxImportBytes or MaxImportRows, a malformed quote, a
// missing required column. Cells are checked one by one later, per row.
func ParseImportCSV(r io.Reader, kind ImportKind) (*ImportFile, error) {
	return ParseImportCSVFields(r, kind, nil)
}

// ParseImportCSVFields is ParseImportCSV with the kind's custom fields, whose columns
// are mapped by label.
func ParseImportCSVFields(r io.Reader, kind ImportKind, custom []CustomField) (*ImportFile, error) {
	fields, ok := importFields[kind]
	if !ok {
		return nil, fileError("Choose what the file holds: companies or contacts.")
	}
	data, err := io.ReadAll(io.LimitReader(r, MaxImportBytes+1))
	if err != nil {
		return nil, err
	}
	switch {
	case len(data) > MaxImportBytes:
		return nil, fileError("The file is larger than %d MB. Split it into smaller files.", MaxImportBytes>>20)
	case bytes.IndexByte(data, 0) >= 0:
		return nil, fileError("The file contains NUL bytes: it is not a text CSV file. Export it from your spreadsheet as CSV (UTF-8).")
	case !utf8.Valid(data):
		return nil, fileError("The file is not UTF-8 text. Export it from your spreadsheet as CSV (UTF-8).")
	}
	data = bytes.TrimPrefix(data, []byte("\uFEFF"))
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, fileError("The file is empty.")
	}
	cr := csv.NewReader(bytes.NewReader(data))
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	first, _, _ := bytes.Cut(data, []byte("\n"))
	if !bytes.ContainsRune(first, ',') && bytes.ContainsRune(first, ';') {
		cr.Comma = ';'
	}
	header, err := cr.Read()
	if err != nil {
		return nil, csvError(err)
	}
	index := map[string]int{}
	f := &ImportFile{Kind: kind, Fields: custom}
	normal := make([]string, len(header))
	for i, h := range header {
		normal[i] = normalHeader(h)
	}
	f.Source = recogniseSource(normal)
	for i, h := range normal {
		field := mapHeader(kind, h)
		note := ignoredNotes[h]
		if field == "" && h != "" {
			for _, cf := range custom {
				if normalHeader(cf.Label) == h {
					field, note = cf.Name(), "custom field "+cf.Label
				}
			}
		}
		if len(f.Columns) < maxColumns {
			f.Columns = append(f.Columns, ImportColumn{Header: excerpt(form.Clean(strings.TrimSpace(header[i]))), Field: field, Note: note})
		}
		if field == "" {
			if h != "" {
				f.Ignored = append(f.Ignored, h)
			}
			continue
		}
		if j, dup := index[field]; dup {
			if normal[j] == h {
				return nil, fileError("The column %s appears twice in the first line.", h)
			}
			return nil, fileError("The columns %q and %q both give the %s: keep one.", strings.TrimSpace(header[j]), strings.TrimSpace(header[i]), field)
		}
		index[field] = i
	}
	required := fields[0].field
	if _, ok := index[required]; !ok {
		var names []string
		for _, fl := range fields {
			if !partField[fl.field] && coreField[fl.field] {
				names = append(names, fl.field)
			}
		}
		return nil, fileError("The first line must name the columns, and %s is missing: expected %s.", required, strings.Join(names, ", "))
	}
	cell := func(rec []string, col string) string {
		if i, ok := index[col]; ok && i < len(rec) {
			return strings.TrimSpace(rec[i])
		}
		return ""
	}
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, csvError(err)
		}
		line, _ := cr.FieldPos(0)
		row := ImportRow{Line: line, Name: cell(rec, "name"), Domain: cell(rec, "domain"), Email: cell(rec, "email"),
			CompanyID: cell(rec, "company_id"), OwnerID: cell(rec, "owner_id")}
		if row.Name == "" {
			row.Name = strings.TrimSpace(cell(rec, "first name") + " " + cell(rec, "last name"))
		}
		if row.Domain == "" {
			row.Domain = websiteDomain(cell(rec, "website"))
		}
		for col := range index {
			if coreField[col] {
				continue
			}
			if v := cell(rec, col); v != "" {
				if row.Extra == nil {
					row.Extra = map[string]string{}
				}
				row.Extra[col] = v
			}
		}
		if row.Name == "" && row.Domain == "" && row.Email == "" && row.CompanyID == "" && row.OwnerID == "" && row.Extra == nil {
			continue
		}
		if len(f.Rows) == MaxImportRows {
			return nil, fileError("The file has more than %d rows. Split it into smaller files.", MaxImportRows)
		}
		f.Rows = append(f.Rows, row)
	}
	if len(f.Rows) == 0 {
		return nil, fileError("The file has a header line but no rows.")
	}
	return f, nil
}

// coreField are the import fields of ImportRow's own columns; the others go in Extra.
var coreField = map[string]bool{"name": true, "first name": true, "last name": true, "domain": true, "email": true,
	"company_id": true, "owner_id": true}

func csvError(err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return fileError("Line %d is not valid CSV (%v). Check its quotes.", pe.StartLine, pe.Err)
	}
	return fileError("The file is not valid CSV.")
}
