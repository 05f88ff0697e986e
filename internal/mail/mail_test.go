package mail_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"rapport/internal/db"
	"rapport/internal/mail"
	"rapport/internal/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// recorder is a Sender that keeps every message it is given. It fails the first
// failFirst sends (or every send when failAll is set) with a temporary error.
type recorder struct {
	mu        sync.Mutex
	sent      []mail.Message
	calls     int
	failFirst int
	failAll   bool
	delay     time.Duration
}

func (r *recorder) Send(ctx context.Context, m mail.Message) error {
	if r.delay > 0 {
		time.Sleep(r.delay)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls++
	if r.failAll || r.calls <= r.failFirst {
		return errors.New("451 temporary failure")
	}
	r.sent = append(r.sent, m)
	return nil
}

// bySubject counts the messages sent per subject.
func (r *recorder) bySubject() map[string]int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := map[string]int{}
	for _, m := range r.sent {
		n[m.Subject]++
	}
	return n
}

func (r *recorder) callCount() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.calls
}

// senderFunc is a Sender made of a function.
type senderFunc func(context.Context, mail.Message) error

func (f senderFunc) Send(ctx context.Context, m mail.Message) error { return f(ctx, m) }

// logBuffer collects a logger's JSON lines; safe for the worker's goroutines.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func logDiscard() *slog.Logger { return slog.New(slog.DiscardHandler) }

func newLogger() (*slog.Logger, *logBuffer) {
	b := &logBuffer{}
	return slog.New(slog.NewJSONHandler(b, &slog.HandlerOptions{Level: slog.LevelDebug})), b
}

// testWorker retries at once, so a test can drive every attempt with DeliverDue.
func testWorker(d *db.DB, s mail.Sender) *mail.Worker {
	w := mail.NewWorker(d, s, logDiscard())
	w.BackoffBase = 0
	w.PollInterval = 10 * time.Millisecond
	return w
}

// enqueue commits n messages with subjects prefix-0 … prefix-(n-1) and returns them.
func enqueue(t *testing.T, d *db.DB, prefix string, n int) []string {
	t.Helper()
	ctx := context.Background()
	subjects := make([]string, n)
	for i := range n {
		subjects[i] = fmt.Sprintf("%s-%d", prefix, i)
		m := mail.Message{To: fmt.Sprintf("user%d@example.com", i), Subject: subjects[i], Body: "hello"}
		if err := mail.Enqueue(ctx, d, m); err != nil {
			t.Fatalf("enqueue %d: %v", i, err)
		}
	}
	return subjects
}

// outboxRow is a mail_outbox row as the tests inspect it.
type outboxRow struct {
	ID          int64      `db:"id"`
	ToAddr      string     `db:"to_addr"`
	Subject     string     `db:"subject"`
	Attempts    int        `db:"attempts"`
	NextAttempt time.Time  `db:"next_attempt"`
	LockedUntil *time.Time `db:"locked_until"`
	SentAt      *time.Time `db:"sent_at"`
	LastError   *string    `db:"last_error"`
}

func outbox(t *testing.T, d *db.DB) []outboxRow {
	t.Helper()
	rows, err := d.Query(context.Background(), `
		SELECT id, to_addr, subject, attempts, next_attempt, locked_until, sent_at, last_error
		FROM mail_outbox ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowToStructByName[outboxRow])
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func pending(t *testing.T, d *db.DB) int {
	t.Helper()
	n, err := mail.Pending(context.Background(), d)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestLogSenderWritesTheWholeMessage(t *testing.T) {
	t.Parallel()
	logger, logs := newLogger()
	s := mail.NewLogSender(logger)
	m := mail.Message{To: "ada@example.com", Subject: "Reset your password", Body: "https://x.test/reset/tok"}
	if err := s.Send(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{m.To, m.Subject, m.Body} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("log lacks %q:\n%s", want, logs)
		}
	}
	if err := s.Send(context.Background(), mail.Message{To: "a@example.com\r\nBcc: b@example.com"}); !errors.Is(err, mail.ErrInvalidMessage) {
		t.Errorf("header injection: got %v, want ErrInvalidMessage", err)
	}
}
