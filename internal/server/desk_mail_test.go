package server_test

import (
	"net/url"
	"strings"
	"testing"
)

// Email through the outbox, in the change's transaction: the requester hears of public
// replies and of solving, an assignee of their assignment; no email ever quotes an
// internal note, and the worker delivers exactly what was written.
func TestDeskEmails(t *testing.T) {
	t.Parallel()
	d := newDesk(t)
	const secret = "SECRET-NOTE-b41c: VIP, do not refund"
	id := d.file(t, d.carolB, "Invoice is wrong", "The VAT number is old.")
	if got := d.outbox(t); len(got) != 0 {
		t.Fatalf("filing a ticket sent %q", got)
	}

	steps := []struct {
		name string
		b    *browser
		form url.Values
		want []string // "to|subject prefix"
	}{
		{"internal note", d.jordanB, url.Values{"body": {secret}, "is_internal": {"1"}}, nil},
		{"self-assignment", d.jordanB, url.Values{"assignee_id": {d.jordan.ID}}, nil},
		{"public reply", d.jordanB, url.Values{"body": {"Send us the new VAT number, please."}, "status": {"pending"}},
			[]string{"carol@example.com|Re: Invoice is wrong [#" + id[:8] + "]"}},
		{"assignment to someone else", d.jordanB, url.Values{"assignee_id": {d.morgan.ID}},
			[]string{"morgan@example.com|Assigned to you: Invoice is wrong"}},
		{"note and solve", d.morganB, url.Values{"body": {secret + " (again)"}, "is_internal": {"1"}, "status": {"solved"}},
			[]string{"carol@example.com|Solved: Invoice is wrong"}},
	}
	seen := 0
	for _, st := range steps {
		wantRedirect(t, st.name, d.submit(t, st.b, id, st.form), "/desk/tickets/"+id)
		got := d.outbox(t)[seen:]
		if len(got) != len(st.want) {
			t.Fatalf("%s: %d emails, want %d: %q", st.name, len(got), len(st.want), got)
		}
		for i, w := range st.want {
			if !strings.HasPrefix(got[i], w) {
				t.Errorf("%s: email %q, want %q…", st.name, got[i], w)
			}
		}
		seen += len(got)
	}
	// Reply and solve in one submit is one email, with both.
	wantRedirect(t, "reopen", d.carolB.post("/support/tickets/"+id+"/reply", url.Values{"body": {"Number is GB123."}}), "/support/tickets/"+id)
	wantRedirect(t, "reply and solve", d.submit(t, d.morganB, id, url.Values{"body": {"Reissued the invoice."}, "status": {"solved"}}), "/desk/tickets/"+id)
	last := d.outbox(t)[seen:]
	if len(last) != 1 || !strings.Contains(last[0], "Reissued the invoice.") || !strings.Contains(last[0], "We have marked the ticket solved") {
		t.Fatalf("reply and solve: %q", last)
	}

	sent := d.a.deliverMail()
	if len(sent) != 4 {
		t.Fatalf("worker sent %d emails, want 4", len(sent))
	}
	for _, m := range sent {
		if strings.Contains(m.Subject+m.Body, "SECRET") || strings.Contains(m.Body, "do not refund") {
			t.Fatalf("email to %s quotes an internal note:\n%s", m.To, m.Body)
		}
	}
	if sent[0].To != "carol@example.com" || !strings.Contains(sent[0].Body, "Send us the new VAT number, please.") ||
		!strings.Contains(sent[0].Body, d.jordan.Name+" replied to your ticket") {
		t.Errorf("reply email:\n%s", sent[0].Body)
	}
	if sent[1].To != "morgan@example.com" || !strings.Contains(sent[1].Body, d.jordan.Name+" assigned you ticket #"+id[:8]) ||
		strings.Contains(sent[1].Body, "VAT") {
		t.Errorf("assignment email (no thread in it):\n%s", sent[1].Body)
	}
	if again := d.a.deliverMail(); len(again) != 0 {
		t.Fatalf("a second pass sent %d emails again", len(again))
	}
}
