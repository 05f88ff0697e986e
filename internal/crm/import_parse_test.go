package crm

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestParseImportCSV(t *testing.T) {
	t.Parallel()
	f, err := ParseImportCSV(strings.NewReader("\uFEFFName, Domain ,Notes\r\nAcme,acme.com,big\r\n\r\n\"Globex, Inc.\",\"https://globex.com\"\r\n  ,  \r\nInitech,\n"), ImportCompanies)
	if err != nil {
		t.Fatal(err)
	}
	want := []ImportRow{{Line: 2, Name: "Acme", Domain: "acme.com"}, {Line: 4, Name: "Globex, Inc.", Domain: "https://globex.com"}, {Line: 6, Name: "Initech"}}
	if len(f.Rows) != len(want) {
		t.Fatalf("rows %+v", f.Rows)
	}
	for i := range want {
		if !reflect.DeepEqual(f.Rows[i], want[i]) {
			t.Errorf("row %d: %+v, want %+v", i, f.Rows[i], want[i])
		}
	}
	if len(f.Ignored) != 1 || f.Ignored[0] != "notes" {
		t.Errorf("ignored %v", f.Ignored)
	}

	f, err = ParseImportCSV(strings.NewReader("email;name;company_domain;owner_id\nJane@Acme.com;Jane;acme.com;\n\"multi\nline\";x;;\n"), ImportContacts)
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Rows) != 2 || !reflect.DeepEqual(f.Rows[0], ImportRow{Line: 2, Email: "Jane@Acme.com", Name: "Jane", Domain: "acme.com"}) || f.Rows[1].Line != 3 {
		t.Fatalf("semicolons: %+v", f.Rows)
	}

	bad := []struct {
		kind ImportKind
		in   string
		msg  string
	}{
		{ImportContacts, "", "The file is empty."},
		{ImportContacts, "name,domain\nA,b.com\n", "The first line must name the columns, and email is missing: expected email, name, company_id, domain, owner_id."},
		{ImportCompanies, "name,name\nA,B\n", "The column name appears twice in the first line."},
		{ImportCompanies, "name\n", "The file has a header line but no rows."},
		{ImportCompanies, "name\nA\x00B\n", "The file contains NUL bytes: it is not a text CSV file. Export it from your spreadsheet as CSV (UTF-8)."},
		{ImportCompanies, "name\nCaf\xe9\n", "The file is not UTF-8 text. Export it from your spreadsheet as CSV (UTF-8)."},
		{ImportCompanies, "name\n\"Acme\n", `Line 2 is not valid CSV (extraneous or missing " in quoted-field). Check its quotes.`},
		{ImportCompanies, "name\nA \"B\" C\n", `Line 2 is not valid CSV (bare " in non-quoted-field). Check its quotes.`},
		{"people", "name\nA\n", "Choose what the file holds: companies or contacts."},
		{ImportCompanies, "name\n" + strings.Repeat("x\n", MaxImportRows+1), "The file has more than 100000 rows. Split it into smaller files."},
		{ImportCompanies, "name\n" + strings.Repeat("x", MaxImportBytes), "The file is larger than 10 MB. Split it into smaller files."},
	}
	for _, tc := range bad {
		_, err := ParseImportCSV(strings.NewReader(tc.in), tc.kind)
		var ie *ImportError
		if !errors.As(err, &ie) || ie.Msg != tc.msg {
			in := tc.in
			if len(in) > 40 {
				in = in[:40] + "…"
			}
			t.Errorf("%q: got %v, want %q", in, err, tc.msg)
		}
	}
}

// Whatever the bytes, the parser answers with rows or a message, never a panic, and the
// rows it returns are valid text in file order within the limits.
func FuzzParseImportCSV(f *testing.F) {
	f.Add("email,name,domain\njane@acme.com,Jane,acme.com\n", true)
	f.Add("name;domain\n\"A;B\";a.com\n", false)
	f.Add("\uFEFFname\n\"multi\nline\"\n", false)
	f.Add("name\n\"unterminated\n", false)
	f.Add("name\n\x00\n", false)
	f.Fuzz(func(t *testing.T, in string, contacts bool) {
		kind := ImportCompanies
		if contacts {
			kind = ImportContacts
		}
		file, err := ParseImportCSV(strings.NewReader(in), kind)
		if err != nil {
			var ie *ImportError
			if !errors.As(err, &ie) || ie.Msg == "" {
				t.Fatalf("error that is not a message for the person: %v", err)
			}
			return
		}
		if len(file.Rows) == 0 || len(file.Rows) > MaxImportRows {
			t.Fatalf("%d rows", len(file.Rows))
		}
		last := 1
		for _, r := range file.Rows {
			if r.Line <= last {
				t.Fatalf("line %d after %d", r.Line, last)
			}
			last = r.Line
			for _, v := range []string{r.Name, r.Domain, r.Email, r.CompanyID, r.OwnerID} {
				if !utf8.ValidString(v) || strings.ContainsRune(v, 0) || v != strings.TrimSpace(v) {
					t.Fatalf("cell %q", v)
				}
			}
		}
	})
}
