package mail

import (
	"reflect"
	"strings"
	"testing"
	"testing/fstest"
)

// An email renders its subject and body from one file, values written as given; a
// missing value is an error, not "<no value>".
func TestTemplates(t *testing.T) {
	t.Parallel()
	fsys := fstest.MapFS{
		"emails/hello.tmpl": {Data: []byte("A note for the reader.\n{{define \"subject\"}}Hi {{.Name}}{{end}}\n" +
			"{{define \"body\"}}Hello {{.Name}},\n\n{{if .Link}}{{.Link}}{{else}}No link.{{end}}\n{{end}}\n" +
			"{{define \"html\"}}<p>Hello {{.Name}},</p>{{end}}")},
	}
	tm := MustTemplates(fsys, "emails/*.tmpl")
	m, err := tm.Message("hello", "ada@example.com", struct{ Name, Link string }{"Ada <&>", ""})
	if err != nil {
		t.Fatal(err)
	}
	if want := (Message{To: "ada@example.com", Subject: "Hi Ada <&>", Body: "Hello Ada <&>,\n\nNo link.\n",
		HTML: "<p>Hello Ada &lt;&amp;&gt;,</p>"}); !reflect.DeepEqual(m, want) {
		t.Errorf("got %+v, want %+v", m, want)
	}
	if _, err := tm.Message("hello", "ada@example.com", map[string]string{"Name": "Ada"}); err == nil {
		t.Error("a missing value rendered")
	}
	if _, err := tm.Message("bye", "ada@example.com", nil); err == nil {
		t.Error("an unknown email rendered")
	}
	defer func() {
		if r := recover(); r == nil || !strings.Contains(r.(string), `no "body"`) {
			t.Errorf("a file without a body: %v", r)
		}
	}()
	MustTemplates(fstest.MapFS{"x.tmpl": {Data: []byte(`{{define "subject"}}S{{end}}`)}}, "*.tmpl")
}
