package mail

import (
	"fmt"
	htmltemplate "html/template"
	"io/fs"
	"path"
	"slices"
	"strings"
	"text/template"
)

// Templates are a package's emails, one text/template file each, so that an email's
// whole wording reads in one place. A file defines two templates: "subject" (one line)
// and "body" (plain text, ending in a line break):
//
//	{{define "subject"}}Reset your Rapport password{{end}}
//	{{define "body"}}Hello {{.Name}},
//	…
//	{{end}}
//
// The values are written as given (text/template, for plain text: nothing is escaped);
// a subject with a line break in it is refused by Validate as before. Text outside the
// definitions is ignored, so a file may start with a comment for its reader.
//
// A file may also define "html", the same email as an HTML fragment: it is parsed again
// with html/template, so the same data is escaped for HTML there (a name "<b>" shows
// as typed), and the message carries it as the HTML alternative of the text.
type Templates struct {
	byName map[string]*template.Template
	html   map[string]*htmltemplate.Template
}

// MustTemplates parses every file matching pattern in fsys (an embedded folder); an
// email's name is its file name without the extension. It panics on a file that does
// not parse or lacks one of the two templates: the emails are part of the binary, and
// the package's tests render each of them.
func MustTemplates(fsys fs.FS, pattern string) *Templates {
	files, err := fs.Glob(fsys, pattern)
	if err != nil || len(files) == 0 {
		panic(fmt.Sprintf("mail templates %q: none found (%v)", pattern, err))
	}
	t := &Templates{byName: map[string]*template.Template{}, html: map[string]*htmltemplate.Template{}}
	for _, f := range files {
		tmpl, err := template.New(path.Base(f)).Option("missingkey=error").ParseFS(fsys, f)
		if err != nil {
			panic(fmt.Sprintf("mail template %s: %v", f, err))
		}
		for _, part := range []string{"subject", "body"} {
			if tmpl.Lookup(part) == nil {
				panic(fmt.Sprintf("mail template %s: no %q", f, part))
			}
		}
		name := strings.TrimSuffix(path.Base(f), path.Ext(f))
		t.byName[name] = tmpl
		if tmpl.Lookup("html") != nil {
			h, err := htmltemplate.New(path.Base(f)).Option("missingkey=error").ParseFS(fsys, f)
			if err != nil {
				panic(fmt.Sprintf("mail template %s (html): %v", f, err))
			}
			t.html[name] = h
		}
	}
	return t
}

// Message renders the email called name with data, to the recipient to.
func (t *Templates) Message(name, to string, data any) (Message, error) {
	tmpl, ok := t.byName[name]
	if !ok {
		return Message{}, fmt.Errorf("mail template %q: no such email", name)
	}
	var subject, body strings.Builder
	if err := tmpl.ExecuteTemplate(&subject, "subject", data); err != nil {
		return Message{}, fmt.Errorf("mail template %q: %w", name, err)
	}
	if err := tmpl.ExecuteTemplate(&body, "body", data); err != nil {
		return Message{}, fmt.Errorf("mail template %q: %w", name, err)
	}
	m := Message{To: to, Subject: subject.String(), Body: body.String()}
	if h, ok := t.html[name]; ok {
		var html strings.Builder
		if err := h.ExecuteTemplate(&html, "html", data); err != nil {
			return Message{}, fmt.Errorf("mail template %q (html): %w", name, err)
		}
		m.HTML = html.String()
	}
	return m, nil
}

// Names lists the emails, sorted: tests check that they render each one.
func (t *Templates) Names() []string {
	names := make([]string, 0, len(t.byName))
	for n := range t.byName {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}
