package server_test

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"rapport/internal/auth"
	"rapport/internal/testenv"
)

// The admin's support mailboxes, against a real Dovecot: the test button tells a good
// password from a bad one in words, adding stores the password sealed and never shows
// it, a blank password on an edit keeps it, bad input is refused beside its field with
// the typed values kept, disabling is audited, and only an admin reaches any of it.
func TestMailboxAdmin(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	a.user(auth.RoleAdmin, "root@example.com")
	a.user(auth.RoleAgent, "agent@example.com")
	im := testenv.NewMailbox(t)
	admin := a.browser()
	admin.signIn("root@example.com")

	fields := func(pass string) url.Values {
		return url.Values{"address": {"Support@Example.com"}, "host": {im.Host}, "port": {strconv.Itoa(im.Port)}, "security": {"none"},
			"username": {im.User}, "password": {pass}, "folder": {"INBOX"}, "team": {"Tier 1"}, "poll": {"30"}}
	}
	// The test button, a wrong password: a clear message, nothing stored, the password not echoed.
	bad := fields("not-the-password-xyz")
	bad.Set("action", "test")
	r := admin.post("/admin/mailboxes", bad)
	wantStatus(t, "test with a wrong password", r, http.StatusOK)
	mustContain(t, r, "The connection failed: the server refused the user name or password")
	mustNotContain(t, r, "not-the-password-xyz")
	good := fields(im.Password)
	good.Set("action", "test")
	r = admin.post("/admin/mailboxes", good)
	mustContain(t, r, "Connected, logged in and opened INBOX.")
	mustNotContain(t, r, im.Password)
	if n := a.count(t, `SELECT count(*) FROM mailboxes`); n != 0 {
		t.Fatalf("testing stored %d mailboxes", n)
	}

	// Bad input: beside each field, typed values kept, nothing stored.
	wrong := fields(im.Password)
	wrong.Set("host", "mail.example.com")
	wrong.Set("port", "99999")
	wrong.Set("poll", "5")
	r = admin.post("/admin/mailboxes", wrong)
	wantStatus(t, "bad input", r, http.StatusUnprocessableEntity)
	if fieldError(r, "security") == "" || fieldError(r, "port") == "" || fieldError(r, "poll") == "" {
		t.Fatalf("field errors missing: security %q port %q poll %q", fieldError(r, "security"), fieldError(r, "port"), fieldError(r, "poll"))
	}
	if v, _ := inputValue(r, "host"); v != "mail.example.com" {
		t.Fatalf("typed host not kept: %q", v)
	}

	// Add, twice with the same form key: one mailbox, sealed, audited without the password.
	add := fields(im.Password)
	add.Set("form_key", "mailbox-add-key-0123456789")
	r = admin.post("/admin/mailboxes", add)
	wantStatus(t, "add", r, http.StatusSeeOther)
	loc := r.location
	if again := admin.post("/admin/mailboxes", add); again.status != http.StatusSeeOther || again.location != loc {
		t.Fatalf("double submit: %d to %q, want the first answer %q", again.status, again.location, loc)
	}
	if n := a.count(t, `SELECT count(*) FROM mailboxes WHERE address = 'support@example.com' AND position($1::bytea IN password_sealed) = 0`, []byte(im.Password)); n != 1 {
		t.Fatalf("%d mailboxes stored with a sealed password, want 1", n)
	}
	if n := a.count(t, `SELECT count(*) FROM audit_log WHERE action = 'mailbox.create' AND after->>'password' = 'changed' AND after::text NOT LIKE '%'||$1||'%'`, im.Password); n != 1 {
		t.Fatalf("audit of the creation: %d", n)
	}
	page := admin.get(loc)
	wantStatus(t, "mailbox page", page, http.StatusOK)
	mustContain(t, page, "support@example.com", "Nothing here yet")
	mustNotContain(t, page, im.Password)

	// Edit with a blank password keeps it (the test button still logs in), and disables.
	id := strings.TrimPrefix(loc, "/admin/mailboxes/")
	edit := fields("")
	edit.Set("version", "1")
	edit.Set("action", "test")
	r = admin.post(loc, edit)
	mustContain(t, r, "Connected, logged in and opened INBOX.")
	edit.Del("action")
	r = admin.post(loc, edit)
	wantStatus(t, "save disabled", r, http.StatusSeeOther)
	if n := a.count(t, `SELECT count(*) FROM mailboxes WHERE id = $1 AND NOT enabled AND version = 2`, id); n != 1 {
		t.Fatal("the mailbox is not disabled")
	}
	if n := a.count(t, `SELECT count(*) FROM audit_log WHERE action = 'mailbox.update' AND before->>'enabled' = 'true' AND after->>'enabled' = 'false' AND after->>'password' IS NULL`); n != 1 {
		t.Fatal("the disabling is not audited as such")
	}
	// A save against the old version changes nothing: 409.
	stale := fields("")
	stale.Set("version", "1")
	stale.Set("enabled", "1")
	if r := admin.post(loc, stale); r.status != http.StatusConflict {
		t.Fatalf("stale save: %d, want 409", r.status)
	}

	// Only an admin: an agent is refused every page and every write.
	agent := a.browser()
	agent.signIn("agent@example.com")
	for _, p := range []string{"/admin/mailboxes", "/admin/mailboxes/new", loc, loc + "/messages/1", loc + "/messages/1/raw"} {
		if r := agent.get(p); r.status != http.StatusForbidden {
			t.Errorf("agent GET %s: %d, want 403", p, r.status)
		}
	}
	if r := agent.post(loc, fields("x")); r.status != http.StatusForbidden {
		t.Errorf("agent POST: %d, want 403", r.status)
	}
	// Doctored ids and positions.
	for p, want := range map[string]int{
		"/admin/mailboxes/not-a-uuid":                           http.StatusNotFound,
		"/admin/mailboxes/00000000-0000-0000-0000-000000000000": http.StatusNotFound,
		loc + "/messages/abc":                                   http.StatusNotFound,
		loc + "/messages/999":                                   http.StatusNotFound,
		loc + "/messages/999/raw":                               http.StatusNotFound,
		loc + "?after=garbage":                                  http.StatusBadRequest,
		loc + "?state=everything":                               http.StatusBadRequest,
	} {
		if r := admin.get(p); r.status != want {
			t.Errorf("GET %s: %d, want %d", p, r.status, want)
		}
	}
}
