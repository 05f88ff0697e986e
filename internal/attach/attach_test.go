package attach_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"rapport/internal/attach"
	"rapport/internal/auth"
	"rapport/internal/desk"
	"rapport/internal/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// A file of several chunks reads back byte for byte through the Store; one over its
// limit is refused with ErrTooLarge and, its transaction rolled back, leaves nothing.
func TestSaveOpenRoundTrip(t *testing.T) {
	t.Parallel()
	d := testenv.NewDB(t)
	ctx := context.Background()
	var tk desk.NewTicket
	err := d.DB.InTx(ctx, func(tx pgx.Tx) error {
		u, err := auth.CreateUser(ctx, tx, auth.NewUser{Name: "C", Email: "c@example.com", Role: auth.RoleCustomer, EmailVerified: true})
		if err != nil {
			return err
		}
		tk, err = desk.CreateTicketMessage(ctx, tx, u, "", "S", "B")
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	content := make([]byte, 700<<10+17) // three chunks, the last short
	_, _ = rand.Read(content)
	var f attach.File
	err = d.DB.InTx(ctx, func(tx pgx.Tx) (err error) {
		f, err = attach.Save(ctx, tx, tk.ID, tk.MessageID, "../x/report.pdf", "application/PDF; name=x", bytes.NewReader(content), 1<<20)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if f.Name != "report.pdf" || f.ContentType != "application/pdf" || f.Size != int64(len(content)) {
		t.Errorf("saved %+v", f)
	}
	rc, _ := attach.Postgres.Open(ctx, d.DB, f.ID)
	got, err := io.ReadAll(rc)
	if err != nil || !bytes.Equal(got, content) {
		t.Fatalf("read back %d bytes (%v), want the %d saved", len(got), err, len(content))
	}
	var chunks int
	_ = d.DB.QueryRow(ctx, `SELECT count(*) FROM attachment_chunks WHERE attachment_id = $1`, f.ID).Scan(&chunks)
	if chunks != 3 {
		t.Errorf("%d chunks, want 3", chunks)
	}

	err = d.DB.InTx(ctx, func(tx pgx.Tx) error {
		_, err := attach.Save(ctx, tx, tk.ID, tk.MessageID, "big", "", bytes.NewReader(content), 500<<10)
		return err
	})
	if !errors.Is(err, attach.ErrTooLarge) {
		t.Fatalf("over the limit: %v, want ErrTooLarge", err)
	}
	var n int
	_ = d.DB.QueryRow(ctx, `SELECT (SELECT count(*) FROM attachments) * 1000 + (SELECT count(*) FROM attachment_chunks)`).Scan(&n)
	if n != 1003 {
		t.Errorf("rows after a refused save: %d, want the first file's 1 + 3 chunks", n)
	}
}

func TestNamesAndTypes(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"report.pdf":                         "report.pdf",
		"C:\\Users\\me\\evil.exe":            "evil.exe",
		"/etc/passwd":                        "passwd",
		"a\u202Egnp.exe":                     "agnp.exe",
		"\x00\x1b[31mred.txt":                "[31mred.txt",
		"...":                                "attachment",
		"":                                   "attachment",
		"bad\xffutf8.txt":                    "badutf8.txt",
		strings.Repeat("a", 300) + ".tar.gz": strings.Repeat("a", 177) + ".gz",
	} {
		if got := attach.CleanName(in); got != want {
			t.Errorf("CleanName(%q) = %q, want %q", in, got, want)
		}
	}
	for in, want := range map[string]string{
		"text/html": "application/octet-stream", "image/svg+xml": "application/octet-stream",
		"image/png": "image/png", "text/plain": "text/plain; charset=utf-8", "": "application/octet-stream",
	} {
		if got := attach.ServedType(attach.CleanType(in)); got != want {
			t.Errorf("ServedType(%q) = %q, want %q", in, got, want)
		}
	}
	if got, want := attach.Disposition(`Zoë "résumé".pdf`), `attachment; filename="Zo_ r_sum_.pdf"; filename*=UTF-8''Zo%C3%AB%20r%C3%A9sum%C3%A9.pdf`; got != want {
		t.Errorf("Disposition = %s, want %s", got, want)
	}
}
