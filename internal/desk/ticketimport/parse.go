// Package ticketimport brings a helpdesk's ticket history into the desk from the CSV
// export of the tool a team leaves (issue 14): Zendesk's ticket export and FreeScout's
// conversation export, or any file with the same columns. Each row becomes a ticket of
// its requester (a customer account made when the address is new) with its subject,
// status, priority and dates; the file's own text, when it has one, is its first message.
package ticketimport

import (
	"bytes"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode/utf8"

	"rapport/internal/form"
)

// Limits of a file, stated on the page.
const (
	MaxBytes = 10 << 20
	MaxRows  = 50_000

	maxSubject = 200
	maxBody    = 20000
	maxName    = 100
)

// Sources recognised from a file's headers.
const (
	SourceZendesk   = "zendesk"
	SourceFreeScout = "freescout"
	SourceCSV       = "csv"
)

// SourceLabel names a source for people.
func SourceLabel(s string) string {
	switch s {
	case SourceZendesk:
		return "Zendesk"
	case SourceFreeScout:
		return "FreeScout"
	}
	return "a CSV file"
}

// fields are the columns a file may have, and the headers (lower case, spaces
// collapsed) that give each. Zendesk's ticket export (Admin Center > Account > Tools >
// Reports > Export, CSV, as of 2026) names them Id, Subject, Requester, Requester email,
// Status, Priority, Created at, Solved at, Description (when included); FreeScout's
// conversation export names them Number (or ID), Subject, Customer Name, Customer Email,
// Status, Created At, Closed At. Rapport's own names work too.
var fields = []struct {
	name    string
	aliases []string
}{
	{"subject", []string{"subject", "title"}},
	{"email", []string{"requester email", "customer email", "email", "requester_email", "customer_email"}},
	{"name", []string{"requester", "requester name", "customer name", "customer", "name"}},
	{"status", []string{"status", "state"}},
	{"priority", []string{"priority"}},
	{"created", []string{"created at", "created", "created_at", "date created", "opened at"}},
	{"solved", []string{"solved at", "closed at", "resolved at", "solved_at", "closed_at", "solved", "closed"}},
	{"id", []string{"id", "ticket id", "number", "conversation id", "ticket number"}},
	{"body", []string{"description", "body", "first message", "message", "text"}},
}

// Column is what one header of the file became ("" field: ignored).
type Column struct {
	Header, Field string
}

// Row is one ticket of the file, as resolved.
type Row struct {
	Line            int
	Subject         string
	Email, Name     string
	Status          string // open, pending, solved, closed
	Priority        string // low, normal, high, urgent
	Created, Solved time.Time
	Ref             string // the ticket's key across imports: source and the file's id, or a hash of the row
	Body            string
}

// Problem is a row's refusal, in words for the person.
type Problem struct {
	Line  int
	Field string
	Msg   string
}

// File is a parsed export: its rows when every row is good, else its problems.
type File struct {
	Source   string
	Columns  []Column
	Rows     []Row
	Problems []Problem
}

// FileError is a problem with the whole file.
type FileError struct{ Msg string }

func (e *FileError) Error() string { return e.Msg }

func fileError(format string, args ...any) error {
	return &FileError{Msg: fmt.Sprintf(format, args...)}
}

// Parse reads an export. A problem with the whole file is a *FileError; problems of
// rows are listed in File.Problems (at most 50; then the import must not run).
func Parse(r io.Reader, now time.Time) (*File, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxBytes+1))
	if err != nil {
		return nil, err
	}
	switch {
	case len(data) > MaxBytes:
		return nil, fileError("The file is larger than %d MB. Export a shorter date range, or split the file.", MaxBytes>>20)
	case bytes.IndexByte(data, 0) >= 0, !utf8.Valid(data):
		return nil, fileError("The file is not UTF-8 text. Export it again as CSV (UTF-8).")
	}
	data = bytes.TrimPrefix(data, []byte("\uFEFF"))
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, fileError("The file is empty.")
	}
	cr := csv.NewReader(bytes.NewReader(data))
	cr.FieldsPerRecord = -1
	first, _, _ := bytes.Cut(data, []byte("\n"))
	if !bytes.ContainsRune(first, ',') && bytes.ContainsRune(first, ';') {
		cr.Comma = ';'
	}
	header, err := cr.Read()
	if err != nil {
		return nil, csvError(err)
	}
	f := &File{}
	index := map[string]int{}
	normal := make([]string, len(header))
	for i, h := range header {
		normal[i] = strings.Join(strings.Fields(strings.ToLower(h)), " ")
		field := fieldOf(normal[i])
		if _, dup := index[field]; dup && field != "" {
			field = "" // a second column for a field: the first one counts
		}
		if field != "" {
			index[field] = i
		}
		if len(f.Columns) < 100 {
			f.Columns = append(f.Columns, Column{Header: clip(form.Clean(strings.TrimSpace(header[i])), 100), Field: field})
		}
	}
	f.Source = recognise(normal)
	for _, need := range []string{"subject", "email"} {
		if _, ok := index[need]; !ok {
			return nil, fileError("The first line must name the columns, and the %s is missing (Zendesk: Subject and Requester email; FreeScout: Subject and Customer Email).", need)
		}
	}
	cell := func(rec []string, field string) string {
		if i, ok := index[field]; ok && i < len(rec) {
			return strings.TrimSpace(rec[i])
		}
		return ""
	}
	seen := map[string]int{}
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, csvError(err)
		}
		line, _ := cr.FieldPos(0)
		if strings.TrimSpace(strings.Join(rec, "")) == "" {
			continue
		}
		if len(f.Rows)+len(f.Problems) >= MaxRows {
			return nil, fileError("The file has more than %d tickets. Export a shorter date range.", MaxRows)
		}
		row, problems := resolve(line, f.Source, cell, rec, now)
		if row.Ref != "" {
			if prev, dup := seen[row.Ref]; dup {
				problems = append(problems, Problem{line, "id", fmt.Sprintf("the same ticket as line %d.", prev)})
			}
			seen[row.Ref] = line
		}
		if len(problems) > 0 {
			if len(f.Problems) < 50 {
				f.Problems = append(f.Problems, problems...)
			}
			continue
		}
		f.Rows = append(f.Rows, row)
	}
	if len(f.Rows) == 0 && len(f.Problems) == 0 {
		return nil, fileError("The file has a header line but no tickets.")
	}
	return f, nil
}

func fieldOf(h string) string {
	for _, f := range fields {
		for _, a := range f.aliases {
			if h == a {
				return f.name
			}
		}
	}
	return ""
}

// recognise names the tool whose export the headers look like.
func recognise(headers []string) string {
	has := map[string]bool{}
	for _, h := range headers {
		has[h] = true
	}
	switch {
	case has["requester email"] || (has["requester"] && has["via"]) || has["summation column"]:
		return SourceZendesk
	case has["customer email"] && (has["number"] || has["mailbox"]):
		return SourceFreeScout
	}
	return SourceCSV
}

// statuses map the tools' statuses onto the desk's four.
var statuses = map[string]string{
	"new": "open", "open": "open", "active": "open",
	"pending": "pending", "on-hold": "pending", "on hold": "pending", "hold": "pending",
	"solved": "solved", "resolved": "solved",
	"closed": "closed", "spam": "closed", "deleted": "closed",
}

var priorities = map[string]string{"": "normal", "-": "normal", "low": "low", "normal": "normal", "medium": "normal",
	"high": "high", "urgent": "urgent"}

// resolve checks one record and makes its row.
func resolve(line int, source string, cell func([]string, string) string, rec []string, now time.Time) (Row, []Problem) {
	var ps []Problem
	bad := func(field, msg string) { ps = append(ps, Problem{line, field, msg}) }
	r := Row{Line: line, Subject: form.Clean(cell(rec, "subject")), Name: form.Clean(cell(rec, "name")), Body: form.Clean(cell(rec, "body"))}
	if r.Subject == "" {
		bad("subject", "a ticket needs a subject.")
	} else if msg := form.Check(r.Subject, maxSubject, false); msg != "" {
		bad("subject", msg)
	}
	r.Email = form.NormalizeEmail(cell(rec, "email"))
	errs := form.Errors{}
	form.Email(errs, "email", r.Email)
	if msg := errs["email"]; msg != "" {
		bad("email", msg)
	}
	if r.Name == "" {
		r.Name, _, _ = strings.Cut(r.Email, "@")
	}
	r.Name = clip(r.Name, maxName)
	status := strings.ToLower(cell(rec, "status"))
	if status == "" {
		status = "open"
	}
	if r.Status = statuses[status]; r.Status == "" {
		bad("status", fmt.Sprintf("%q is not a status we know (new, open, pending, on-hold, solved, closed).", clip(status, 40)))
	}
	if r.Priority = priorities[strings.ToLower(cell(rec, "priority"))]; r.Priority == "" {
		bad("priority", fmt.Sprintf("%q is not a priority we know (low, normal, high, urgent).", clip(cell(rec, "priority"), 40)))
	}
	var ok bool
	if r.Created, ok = parseTime(cell(rec, "created")); !ok {
		bad("created", "not a date and time we can read (like 2026-03-01 14:05 or 2026-03-01T14:05:00Z).")
	} else if r.Created.IsZero() {
		r.Created = now
	} else if r.Created.After(now.Add(24 * time.Hour)) {
		bad("created", "in the future.")
	}
	if r.Solved, ok = parseTime(cell(rec, "solved")); !ok {
		bad("solved", "not a date and time we can read.")
	} else if !r.Solved.IsZero() && r.Solved.Before(r.Created) {
		bad("solved", "before the ticket was created.")
	}
	if r.Status == "open" || r.Status == "pending" {
		r.Solved = time.Time{}
	}
	if r.Body != "" {
		if msg := form.Check(r.Body, maxBody, true); msg != "" {
			bad("body", msg)
		}
	}
	if id := cell(rec, "id"); id != "" {
		r.Ref = source + ":" + clip(id, 100)
	} else {
		sum := sha256.Sum256([]byte(r.Email + "\x00" + r.Subject + "\x00" + r.Created.UTC().Format(time.RFC3339)))
		r.Ref = source + ":row:" + hex.EncodeToString(sum[:12])
	}
	return r, ps
}

// timeLayouts are the forms the tools write dates in (UTC when the zone is absent).
var timeLayouts = []string{time.RFC3339, "2006-01-02 15:04:05 -0700", "2006-01-02 15:04:05 MST", "2006-01-02 15:04:05",
	"2006-01-02 15:04", "2006-01-02T15:04:05", "2006-01-02", "01/02/2006 15:04", "01/02/2006"}

// parseTime reads a date and time; the zero time and true for an empty cell.
func parseTime(v string) (time.Time, bool) {
	if v == "" {
		return time.Time{}, true
	}
	for _, l := range timeLayouts {
		if t, err := time.Parse(l, v); err == nil {
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}

func clip(v string, n int) string {
	if utf8.RuneCountInString(v) <= n {
		return v
	}
	return string([]rune(v)[:n])
}

func csvError(err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return fileError("Line %d is not valid CSV (%v). Check its quotes.", pe.StartLine, pe.Err)
	}
	return fileError("The file is not valid CSV.")
}
