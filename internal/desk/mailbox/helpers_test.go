package mailbox

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"testing"

	"rapport/internal/secret"
	"rapport/internal/testenv"
)

// fixture is a desk database and a real Dovecot mailbox connected to it.
type fixture struct {
	t    *testing.T
	d    *testenv.Database
	imap *testenv.Mailbox
	mb   *Mailbox
	p    *Poller
}

func testBox(t testing.TB) *secret.Box {
	k := testenv.SecretKey()
	if v := os.Getenv("SECRET_KEY_FOR_CHILD"); v != "" {
		k = v // a child process of TestPollKilled opens what its parent sealed
	}
	key, err := secret.ParseKey(k)
	if err != nil {
		t.Fatal(err)
	}
	box, err := secret.New(key)
	if err != nil {
		t.Fatal(err)
	}
	return box
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	d := testenv.NewDB(t)
	im := testenv.NewMailbox(t)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	box := testBox(t)
	f := &fixture{t: t, d: d, imap: im}
	f.p = &Poller{DB: d.DB, Box: box, Log: log,
		OwnAddresses: []string{"no-reply@rapport.test"}}
	mb, err := Create(context.Background(), d.DB, box, "", Settings{Address: "support@rapport.test", Host: im.Host, Port: im.Port,
		Security: SecurityNone, Username: im.User, Password: im.Password, Folder: "INBOX", Team: "Tier 1", PollSecs: 30, Enabled: true}, false)
	if err != nil {
		t.Fatal(err)
	}
	f.mb = mb
	return f
}

// poll polls the fixture's mailbox once and fails on an error of either side.
func (f *fixture) poll() PollResult {
	f.t.Helper()
	res, err := f.p.Poll(context.Background(), f.mb.ID)
	if err != nil {
		f.t.Fatalf("poll: %v", err)
	}
	if res.Err != nil {
		f.t.Fatalf("poll: mailbox: %v", res.Err)
	}
	return res
}

func (f *fixture) count(sql string, args ...any) int {
	f.t.Helper()
	var n int
	if err := f.d.DB.QueryRow(context.Background(), sql, args...).Scan(&n); err != nil {
		f.t.Fatalf("%s: %v", sql, err)
	}
	return n
}

func (f *fixture) str(sql string, args ...any) string {
	f.t.Helper()
	var s string
	if err := f.d.DB.QueryRow(context.Background(), sql, args...).Scan(&s); err != nil {
		f.t.Fatalf("%s: %v", sql, err)
	}
	return s
}

// mail is a plain text message; headers are extra "Key: value" lines.
func mail(from, subject, msgID, body string, headers ...string) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "From: %s\r\nTo: support@rapport.test\r\nSubject: %s\r\nDate: Fri, 04 Dec 2026 09:00:00 +0000\r\n", from, subject)
	if msgID != "" {
		fmt.Fprintf(&b, "Message-ID: <%s>\r\n", msgID)
	}
	for _, h := range headers {
		b.WriteString(h + "\r\n")
	}
	b.WriteString("MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n")
	b.WriteString(strings.ReplaceAll(body, "\n", "\r\n"))
	b.WriteString("\r\n")
	return []byte(b.String())
}
