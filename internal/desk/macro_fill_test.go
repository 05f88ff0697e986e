package desk

import (
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"
)

var fillValues = placeholderValues{
	"requester.name": "Carol {{agent.name}} Díaz", "requester.first_name": "Carol",
	"requester.email": "carol@example.com", "ticket.ref": "#0b5e6d3c", "ticket.number": "#0b5e6d3c",
	"ticket.subject": "VAT {{ticket.ref}}", "agent.name": "Jordan Lee", "agent.first_name": "Jordan",
}

func TestFillPlaceholders(t *testing.T) {
	cases := []struct{ in, want string }{
		{"Hello {{requester.first_name}},", "Hello Carol,"},
		{"Hi {{ requester.name }} re {{ticket.ref}}", "Hi Carol {{agent.name}} Díaz re #0b5e6d3c"},
		{"{{ticket.subject}}", "VAT {{ticket.ref}}"}, // a value is never read again
		{"{{.Requester}} {{template \"x\"}} {{unknown}}", "{{.Requester}} {{template \"x\"}} {{unknown}}"},
		{"{{{agent.name}}}", "{Jordan Lee}"},
		{"{{agent.name", "{{agent.name"},
		{"{{\nagent.name}}", "{{\nagent.name}}"},
		{"}}{{agent.first_name}}{{", "}}Jordan{{"},
		{"{{ticket.number}}{{ticket.number}}", "#0b5e6d3c#0b5e6d3c"},
		{"no placeholders", "no placeholders"},
		{"<script>{{agent.name}}</script>", "<script>Jordan Lee</script>"},
	}
	for _, c := range cases {
		if got := fillPlaceholders(c.in, fillValues); got != c.want {
			t.Errorf("fill(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestUnknownPlaceholders(t *testing.T) {
	got := unknownPlaceholders("{{ .Foo }} {{requester.name}} {{call .X}} {{.Foo}} {{agent.nam}} {{ }}")
	want := []string{"", ".Foo", "agent.nam", "call .X"}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("unknown = %q, want %q", got, want)
	}
	if u := unknownPlaceholders("Hello {{ requester.first_name }}, {{ticket.ref}} {{ not closed"); u != nil {
		t.Fatalf("unknown = %q, want none", u)
	}
}

// FuzzFillPlaceholders: filling never panics, keeps text without "{{" as it is, keeps
// every unknown placeholder verbatim, and leaves no known placeholder behind but those
// the values brought in.
func FuzzFillPlaceholders(f *testing.F) {
	for _, s := range []string{"Hello {{requester.first_name}}", "{{{{}}}}", "{{ agent.name }}{{", "{{.X}}", "}}{{", "{{ticket.ref}}{{ticket.subject}}", "é{{\xff}}"} {
		f.Add(s)
	}
	plain := placeholderValues{}
	for _, p := range placeholderNames {
		plain[p.Name] = "V"
	}
	f.Fuzz(func(t *testing.T, body string) {
		out := fillPlaceholders(body, plain)
		if !strings.Contains(body, "{{") && out != body {
			t.Fatalf("fill changed %q to %q", body, out)
		}
		if utf8.ValidString(body) && !utf8.ValidString(out) {
			t.Fatalf("fill(%q) = %q: not UTF-8", body, out)
		}
		for _, u := range unknownPlaceholders(body) {
			if !strings.Contains(out, u) {
				t.Fatalf("unknown %q lost from %q: %q", u, body, out)
			}
		}
		// With values free of braces, a second pass finds only what the first left.
		if again := fillPlaceholders(out, plain); len(unknownPlaceholders(out)) == 0 && again != out {
			if _, _, name, ok := nextPlaceholder(out, 0); ok && knownPlaceholder(name) {
				// A placeholder formed across a substitution ("{" + "{V}}" cannot, as
				// V has no brace) would be a bug.
				t.Fatalf("fill(%q) = %q still holds %q", body, out, name)
			}
		}
		_ = fillPlaceholders(body, fillValues)
	})
}
