package audit

import (
	"context"
	"errors"
	"strings"
	"testing"

	"rapport/internal/db"
	"rapport/internal/httpx"
	"rapport/internal/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// An entry is written with the request's address and id, its before and after as JSON,
// and a hostile typed email verbatim.
func TestRecordWritesTheEntry(t *testing.T) {
	t.Parallel()
	d := testenv.NewDB(t)
	ctx := httpx.WithRequestID(httpx.WithClientIP(context.Background(), "192.0.2.7"), "req-1")
	hostile := `<script>alert(1)</script>@example.com`
	err := Record(ctx, d.DB, Entry{ActorEmail: hostile, Action: SignInFailed,
		Before: map[string]string{"role": "customer"}, After: map[string]string{"role": "agent"}})
	if err != nil {
		t.Fatal(err)
	}
	var actorID *string
	var email, ip, reqID, before, after string
	err = d.DB.QueryRow(ctx, `SELECT actor_id, actor_email, ip, request_id, before::text, after::text FROM audit_log`).
		Scan(&actorID, &email, &ip, &reqID, &before, &after)
	if err != nil {
		t.Fatal(err)
	}
	if actorID != nil || email != hostile || ip != "192.0.2.7" || reqID != "req-1" {
		t.Errorf("got actor %v, email %q, ip %q, request %q", actorID, email, ip, reqID)
	}
	if before != `{"role": "customer"}` || after != `{"role": "agent"}` {
		t.Errorf("before %s, after %s", before, after)
	}
}

// An action outside the closed list is the caller's bug, refused before the database.
func TestRecordRefusesAnUnknownAction(t *testing.T) {
	t.Parallel()
	d := testenv.NewDB(t)
	if err := Record(context.Background(), d.DB, Entry{Action: "made.up"}); err == nil {
		t.Fatal("an unknown action was recorded")
	}
}

// The database itself refuses to change or remove a written entry, whatever the path:
// UPDATE, DELETE and TRUNCATE all fail, and the row is still there.
func TestTheLogIsAppendOnly(t *testing.T) {
	t.Parallel()
	d := testenv.NewDB(t)
	ctx := context.Background()
	if err := Record(ctx, d.DB, Entry{ActorID: db.NewUUID(), ActorEmail: "a@example.com", Action: RoleChanged}); err != nil {
		t.Fatal(err)
	}
	for _, stmt := range []string{
		`UPDATE audit_log SET actor_email = 'someone-else@example.com'`,
		`DELETE FROM audit_log`,
		`TRUNCATE audit_log`,
	} {
		_, err := d.DB.Exec(ctx, stmt)
		var ce *db.ConstraintError
		if err == nil || (!strings.Contains(err.Error(), "append-only") && !errors.As(err, &ce)) {
			t.Errorf("%s: got %v, want the append-only refusal", stmt, err)
		}
	}
	var n int
	var email string
	if err := d.DB.QueryRow(ctx, `SELECT count(*), min(actor_email) FROM audit_log`).Scan(&n, &email); err != nil {
		t.Fatal(err)
	}
	if n != 1 || email != "a@example.com" {
		t.Errorf("after the refused changes: %d rows, email %q", n, email)
	}
}

// A value too large for an entry (a huge before/after) is refused by the database rather
// than bloating the log.
func TestRecordRefusesAHugeEntry(t *testing.T) {
	t.Parallel()
	d := testenv.NewDB(t)
	big := map[string]string{"x": strings.Repeat("é", 40000)}
	if err := Record(context.Background(), d.DB, Entry{Action: UserUpdated, After: big}); err == nil {
		t.Fatal("a 80 KB entry was recorded")
	}
}
