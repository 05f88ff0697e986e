package mailbox

import (
	"context"
	"testing"
	"time"

	"rapport/internal/config"
	"rapport/internal/testenv"
)

// INBOUND_IMAP_URL's mailbox: stored once (a second start changes nothing, not even
// its version), changed when the environment changes (the new password opens), disabled
// when the variable is unset.
func TestSyncEnv(t *testing.T) {
	t.Parallel()
	d := testenv.NewDB(t)
	box := testBox(t)
	ctx := context.Background()
	in := &config.Inbound{Host: "imap.example.com", Port: 993, Security: "tls", User: "Support@Example.com", Password: "one",
		Folder: "INBOX", Team: "Tier 1", Poll: 30 * time.Second}
	s := EnvSettings(in, "no-reply@example.com")
	if s.Address != "support@example.com" {
		t.Fatalf("address %q, want the user's", s.Address)
	}
	for range 2 {
		if err := SyncEnv(ctx, d.DB, box, &s); err != nil {
			t.Fatal(err)
		}
	}
	read := func() *Mailbox {
		t.Helper()
		list, err := Mailboxes(ctx, d.DB)
		if err != nil || len(list) != 1 {
			t.Fatalf("%d mailboxes, %v", len(list), err)
		}
		return &list[0]
	}
	if m := read(); !m.FromEnv || m.Version != 1 || !m.Enabled || *m.Team != "Tier 1" {
		t.Fatalf("after two syncs: %+v", m)
	}
	in.Password, in.Poll = "two", time.Minute
	s = EnvSettings(in, "")
	if err := SyncEnv(ctx, d.DB, box, &s); err != nil {
		t.Fatal(err)
	}
	m := read()
	srv, err := m.server(box)
	if err != nil || srv.Password != "two" || m.PollSecs != 60 || m.Version != 2 {
		t.Fatalf("after a change: %+v %v %v", m, srv.Password, err)
	}
	if err := SyncEnv(ctx, d.DB, box, nil); err != nil {
		t.Fatal(err)
	}
	if m := read(); m.Enabled {
		t.Fatal("unset INBOUND_IMAP_URL left its mailbox enabled")
	}
	if s := EnvSettings(&config.Inbound{User: "support"}, "Help@Example.com"); s.Address != "help@example.com" {
		t.Fatalf("a user name without @: address %q, want the fallback", s.Address)
	}
}
