package desk

import (
	"sort"
	"strings"
)

// A macro's body holds placeholders such as {{requester.first_name}}. They are data:
// fillPlaceholders replaces the names it knows with plain values in one pass, and
// leaves everything else as written. No template engine ever reads a body, so a body
// cannot call anything, and a value substituted in (a requester named "{{agent.name}}")
// is never read again.

// placeholderNames are the names a body may use, with what each stands for.
var placeholderNames = []struct{ Name, Means string }{
	{"requester.name", "the requester's name"},
	{"requester.first_name", "the requester's first name"},
	{"requester.email", "the requester's email address"},
	{"ticket.ref", "the ticket's reference, like #0b5e6d3c"},
	{"ticket.number", "the same as ticket.ref"},
	{"ticket.subject", "the ticket's subject"},
	{"agent.name", "your name (the agent applying the macro)"},
	{"agent.first_name", "your first name"},
}

// maxPlaceholder bounds what may stand between "{{" and "}}" to count as one.
const maxPlaceholder = 64

// placeholderValues are the values of one application of a macro.
type placeholderValues map[string]string

func knownPlaceholder(name string) bool {
	for _, p := range placeholderNames {
		if p.Name == name {
			return true
		}
	}
	return false
}

// nextPlaceholder finds the first "{{ name }}" in s at or after from: its start and end
// (just past "}}") and the name between, trimmed of spaces; ok false for none. Between
// the braces there is no brace and no line break, and at most maxPlaceholder bytes.
func nextPlaceholder(s string, from int) (start, end int, name string, ok bool) {
	for {
		i := strings.Index(s[from:], "{{")
		if i < 0 {
			return 0, 0, "", false
		}
		start = from + i
		inner := start + 2
		// "{{{x}}": the placeholder starts at the last "{" of the run.
		for inner < len(s) && s[inner] == '{' {
			start, inner = start+1, inner+1
		}
		// Only the next maxPlaceholder bytes can close it: the scan stays linear.
		j := strings.Index(s[inner:min(len(s), inner+maxPlaceholder+2)], "}}")
		if j >= 0 && j <= maxPlaceholder && !strings.ContainsAny(s[inner:inner+j], "{}\r\n") {
			return start, inner + j + 2, strings.TrimSpace(s[inner : inner+j]), true
		}
		from = inner
	}
}

// fillPlaceholders returns body with each known placeholder replaced by its value in v
// (a known name without a value becomes ""); unknown ones stay as written.
func fillPlaceholders(body string, v placeholderValues) string {
	var b strings.Builder
	from := 0
	for {
		start, end, name, ok := nextPlaceholder(body, from)
		if !ok {
			break
		}
		if !knownPlaceholder(name) {
			b.WriteString(body[from:end])
		} else {
			b.WriteString(body[from:start])
			b.WriteString(v[name])
		}
		from = end
	}
	if from == 0 {
		return body
	}
	b.WriteString(body[from:])
	return b.String()
}

// unknownPlaceholders lists, once each and sorted, the placeholders of body that are
// not known names, as written between the braces (trimmed).
func unknownPlaceholders(body string) []string {
	seen := map[string]bool{}
	var out []string
	from := 0
	for {
		_, end, name, ok := nextPlaceholder(body, from)
		if !ok {
			break
		}
		if !knownPlaceholder(name) && !seen[name] {
			seen[name] = true
			out = append(out, name)
		}
		from = end
	}
	sort.Strings(out)
	return out
}

// firstName is the first word of a name ("" for none).
func firstName(name string) string {
	f := strings.Fields(name)
	if len(f) == 0 {
		return ""
	}
	return f[0]
}

// macroValues are the placeholder values for a ticket and the agent applying the macro.
func macroValues(t deskTicket, agentName string) placeholderValues {
	return placeholderValues{
		"requester.name":       t.RequesterName,
		"requester.first_name": firstName(t.RequesterName),
		"requester.email":      t.RequesterEmail,
		"ticket.ref":           ShortRef(t.ID),
		"ticket.number":        ShortRef(t.ID),
		"ticket.subject":       t.Subject,
		"agent.name":           agentName,
		"agent.first_name":     firstName(agentName),
	}
}
