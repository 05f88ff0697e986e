package mailbox

import (
	"testing"

	"rapport/internal/testenv"
)

// The harness's Dovecot takes mail by APPEND, and each test's mailbox is its own.
func TestHarnessMailboxes(t *testing.T) {
	a, b := testenv.NewMailbox(t), testenv.NewMailbox(t)
	a.Append(t, []byte("From: a@example.com\r\nSubject: one\r\n\r\nhello\r\n"), []byte("From: a@example.com\r\nSubject: two\r\n\r\nhello\r\n"))
	if got := len(a.Flags(t)); got != 2 {
		t.Fatalf("mailbox a holds %d messages, want 2", got)
	}
	if got := len(b.Flags(t)); got != 0 {
		t.Fatalf("mailbox b holds %d messages, want 0", got)
	}
}
