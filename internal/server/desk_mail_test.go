package server_test

import (
	"net/url"
	"slices"
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
	// Filing it (issue 17): the requester's receipt with the number, and a notice to
	// each agent (the ticket has no team and nobody was given it), none quoting the body.
	filed := d.outbox(t)
	wantFiled := []string{"carol@example.com|Received: Invoice is wrong [#" + id[:8] + "]",
		"jordan@example.com|New ticket: Invoice is wrong [#" + id[:8] + "]",
		"morgan@example.com|New ticket: Invoice is wrong [#" + id[:8] + "]"}
	if len(filed) == len(wantFiled) {
		slices.Sort(filed[1:]) // the notices go in user id order
	}
	if len(filed) != len(wantFiled) {
		t.Fatalf("filing a ticket sent %q, want %q", filed, wantFiled)
	}
	for i, w := range wantFiled {
		if !strings.HasPrefix(filed[i], w) || strings.Contains(filed[i], "VAT number is old") {
			t.Errorf("filing email %d: %q, want %q without the body", i, filed[i], w)
		}
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
	seen := len(filed)
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
	if len(sent) != len(filed)+4 {
		t.Fatalf("worker sent %d emails, want %d", len(sent), len(filed)+4)
	}
	for _, m := range sent {
		if strings.Contains(m.Subject+m.Body, "SECRET") || strings.Contains(m.Body, "do not refund") {
			t.Fatalf("email to %s quotes an internal note:\n%s", m.To, m.Body)
		}
	}
	if !strings.HasPrefix(sent[0].Subject, "Received: ") || !sent[0].AutoSubmitted {
		t.Errorf("receipt: %s, auto-submitted %v", sent[0].Subject, sent[0].AutoSubmitted)
	}
	sent = sent[len(filed):]
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
