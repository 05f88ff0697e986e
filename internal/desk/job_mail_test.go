package desk

import (
	"strings"
	"testing"
)

// The jobs' emails say what they are about, and their HTML part escapes the subject.
func TestJobEmailWording(t *testing.T) {
	subject := `Charged "twice" <for> March`
	for _, c := range []struct {
		name string
		data any
		want []string
	}{
		{"sla_warning", breachEmail{Name: "Jordan", Ref: "#0b5e6d3c", Subject: subject, Requester: "Carol", Target: "first reply",
			When: "Mon 7 Dec 10:30", Left: "45m", Link: "http://rapport.test/desk/tickets/x"},
			[]string{"SLA breach soon: " + subject + " [#0b5e6d3c]", "is due for its first reply by Mon 7 Dec 10:30 (45m left)", "http://rapport.test/desk/tickets/x"}},
		{"sla_breach", breachEmail{Name: "Jordan", Ref: "#0b5e6d3c", Subject: subject, Requester: "Carol", Target: "resolution",
			When: "Mon 7 Dec 10:30"},
			[]string{"SLA breached: " + subject, "missed its resolution deadline of Mon 7 Dec 10:30", "It is in the desk's queue"}},
		{"pending_reminder", reminderEmail{Requester: "Carol", Ref: "#0b5e6d3c", Subject: subject, SolveDays: 4, Link: "http://rapport.test/support/tickets/x"},
			[]string{"Waiting for your answer: " + subject, "we will consider it solved in 4 days", "http://rapport.test/support/tickets/x"}},
	} {
		m, err := emails.Message(c.name, "to@example.com", c.data)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		all := m.Subject + "\n" + m.Body
		for _, w := range c.want {
			if !strings.Contains(all, w) {
				t.Errorf("%s: %q not in\n%s", c.name, w, all)
			}
		}
		if !strings.Contains(m.HTML, "Charged &#34;twice&#34; &lt;for&gt; March") || strings.Contains(m.HTML, "<for>") {
			t.Errorf("%s: HTML part does not escape the subject: %s", c.name, m.HTML)
		}
	}
}
