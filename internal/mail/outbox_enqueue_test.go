package mail_test

import (
	"context"
	"errors"
	"log/slog"
	"testing"

	"github.com/jackc/pgx/v5"

	"rapport/internal/config"
	"rapport/internal/mail"
	"rapport/internal/testenv"
)

func TestEnqueueRolledBackLeavesNothing(t *testing.T) {
	t.Parallel()
	d := testenv.NewDB(t)
	ctx := context.Background()
	boom := errors.New("the change failed")
	err := d.DB.InTx(ctx, func(tx pgx.Tx) error {
		if err := mail.Enqueue(ctx, tx, mail.Message{To: "ada@example.com", Subject: "Hi", Body: "b"}); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("InTx: got %v, want %v", err, boom)
	}
	if n := pending(t, d.DB); n != 0 {
		t.Fatalf("pending after rollback = %d, want 0", n)
	}
}

func TestEnqueueCommittedWritesOneRow(t *testing.T) {
	t.Parallel()
	d := testenv.NewDB(t)
	ctx := context.Background()
	m := mail.Message{To: "Ada Lovelace <ada@example.com>", Subject: "Welcome", Body: "Hello, Ada."}
	if err := d.DB.InTx(ctx, func(tx pgx.Tx) error { return mail.Enqueue(ctx, tx, m) }); err != nil {
		t.Fatal(err)
	}
	rows := outbox(t, d.DB)
	if len(rows) != 1 {
		t.Fatalf("got %d rows, want 1", len(rows))
	}
	r := rows[0]
	if r.ToAddr != m.To || r.Subject != m.Subject || r.Attempts != 0 || r.SentAt != nil || r.LastError != nil {
		t.Errorf("row = %+v, want a fresh row for %+v", r, m)
	}
	var body string
	if err := d.DB.QueryRow(ctx, "SELECT body FROM mail_outbox WHERE id = $1", r.ID).Scan(&body); err != nil || body != m.Body {
		t.Errorf("body = %q, %v; want %q", body, err, m.Body)
	}
	if n := pending(t, d.DB); n != 1 {
		t.Errorf("pending = %d, want 1", n)
	}
}

func TestInvalidMessagesAreRefused(t *testing.T) {
	t.Parallel()
	d := testenv.NewDB(t)
	ctx := context.Background()
	senders := map[string]mail.Sender{
		"log":  mail.NewLogSender(slog.New(slog.DiscardHandler)),
		"smtp": mail.NewSMTPSender(config.SMTP{Host: "127.0.0.1", Port: 1, From: "r@example.com"}),
	}
	tests := []struct {
		name string
		m    mail.Message
	}{
		{"no recipient", mail.Message{To: "  ", Subject: "Hi"}},
		{"CRLF in recipient", mail.Message{To: "a@example.com\r\nBcc: victim@example.com", Subject: "Hi"}},
		{"LF in recipient", mail.Message{To: "a@example.com\nBcc: victim@example.com", Subject: "Hi"}},
		{"CRLF in subject", mail.Message{To: "a@example.com", Subject: "Hi\r\nBcc: victim@example.com"}},
		{"CR in subject", mail.Message{To: "a@example.com", Subject: "Hi\rthere"}},
		{"LF in subject", mail.Message{To: "a@example.com", Subject: "Hi\n\nforged body"}},
		{"not an address", mail.Message{To: "ada at example dot com", Subject: "Hi"}},
	}
	for _, tt := range tests {
		if err := mail.Enqueue(ctx, d.DB, tt.m); !errors.Is(err, mail.ErrInvalidMessage) {
			t.Errorf("%s: Enqueue = %v, want ErrInvalidMessage", tt.name, err)
		}
		for name, s := range senders {
			if err := s.Send(ctx, tt.m); !errors.Is(err, mail.ErrInvalidMessage) {
				t.Errorf("%s: %s Send = %v, want ErrInvalidMessage", tt.name, name, err)
			}
		}
	}
	if n := pending(t, d.DB); n != 0 {
		t.Errorf("pending = %d after refused messages, want 0", n)
	}
}
