package crm

import (
	"reflect"
	"strings"
	"testing"

	"rapport/internal/auth"
)

// Files exported by Pipedrive and HubSpot map without manual work; what cannot be used
// yet is listed as ignored, with why.
func TestImportRecognisesOtherToolsExports(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, source string
		kind         ImportKind
		csv          string
		rows         []ImportRow
		columns      string // header=field(note), … in file order
	}{
		{"pipedrive people", SourcePipedrive, ImportContacts,
			"ID,Name,Label,Organization,Email - Work,Phone - Work,Owner\n7,Jane Roe,Hot,Acme,jane@acme.com,+1 555,Ann\n",
			[]ImportRow{{Line: 2, Name: "Jane Roe", Email: "jane@acme.com", Extra: map[string]string{"phone": "+1 555"}}},
			"ID=(the other tool's id) Name=name Label=(no labels yet) Organization=(companies are matched by domain only) Email - Work=email Phone - Work=phone Owner=(owners are matched by id only)"},
		{"pipedrive deal export", SourcePipedrive, ImportContacts,
			"Person - Name,Person - Email,Organization - Name\nBo Li,bo@globex.com,Globex\n",
			[]ImportRow{{Line: 2, Name: "Bo Li", Email: "bo@globex.com"}},
			"Person - Name=name Person - Email=email Organization - Name=()"},
		{"hubspot contacts", SourceHubSpot, ImportContacts,
			"Record ID,First Name,Last Name,Email,Phone Number,Contact owner,Company Name\n101,Ada,Lovelace,ada@engines.org,,x@y.z,Engines\n102,,Solo,solo@x.org,,,\n",
			[]ImportRow{{Line: 2, Name: "Ada Lovelace", Email: "ada@engines.org"}, {Line: 3, Name: "Solo", Email: "solo@x.org"}},
			"Record ID=(the other tool's id) First Name=first name Last Name=last name Email=email Phone Number=phone Contact owner=(owners are matched by id only) Company Name=(companies are matched by domain only)"},
		{"hubspot companies", SourceHubSpot, ImportCompanies,
			"Record ID,Company name,Company Domain Name,Website URL,Company owner\n5,Acme,,https://www.Acme.com/about,\n6,Globex,globex.com,https://other.example,\n",
			[]ImportRow{{Line: 2, Name: "Acme", Domain: "acme.com", Extra: map[string]string{"website": "https://www.Acme.com/about"}},
				{Line: 3, Name: "Globex", Domain: "globex.com", Extra: map[string]string{"website": "https://other.example"}}},
			"Record ID=(the other tool's id) Company name=name Company Domain Name=domain Website URL=website Company owner=(owners are matched by id only)"},
		{"rapport's own", "", ImportContacts, "email,name,notes\nx@y.org,X,hi\n",
			[]ImportRow{{Line: 2, Name: "X", Email: "x@y.org", Extra: map[string]string{"notes": "hi"}}}, "email=email name=name notes=notes"},
	}
	for _, c := range cases {
		f, err := ParseImportCSV(strings.NewReader(c.csv), c.kind)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if f.Source != c.source {
			t.Errorf("%s: source %q, want %q", c.name, f.Source, c.source)
		}
		if len(f.Rows) != len(c.rows) {
			t.Fatalf("%s: rows %+v", c.name, f.Rows)
		}
		for i := range c.rows {
			if !reflect.DeepEqual(f.Rows[i], c.rows[i]) {
				t.Errorf("%s row %d: %+v, want %+v", c.name, i, f.Rows[i], c.rows[i])
			}
		}
		var cols []string
		for _, col := range f.Columns {
			v := col.Field
			if v == "" {
				v = "(" + col.Note + ")"
			}
			cols = append(cols, col.Header+"="+v)
		}
		if got := strings.Join(cols, " "); got != c.columns {
			t.Errorf("%s columns:\n%s\nwant\n%s", c.name, got, c.columns)
		}
	}
	// Two columns giving one field are refused, naming both.
	_, err := ParseImportCSV(strings.NewReader("Email,Email - Work\na@b.c,d@e.f\n"), ImportContacts)
	if err == nil || !strings.Contains(err.Error(), `"Email" and "Email - Work"`) {
		t.Errorf("two email columns: %v", err)
	}
}

// The preview keeps what each column became, for the page.
func TestImportKeepsItsColumns(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	rep := f.user(auth.RoleSales, "Rep")
	id := stage(t, f, rep, ImportContacts, "Record ID,First Name,Last Name,Email,<b>Evil</b>\n1,Ada,L,ada@x.org,1\n")
	imp, err := ImportByID(f.ctx, f.db.DB, rep, id)
	if err != nil {
		t.Fatal(err)
	}
	if imp.Source != SourceHubSpot || len(imp.Columns) != 5 || imp.Columns[4].Header != "<b>Evil</b>" || imp.Columns[4].Field != "" {
		t.Errorf("import %+v", imp)
	}
}
