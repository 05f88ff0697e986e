package mailbox

import (
	"context"
	"net/http"
	"strconv"
	"strings"

	"rapport/internal/audit"
	"rapport/internal/auth"
	"rapport/internal/form"
)

// mailboxForm is the add and edit form of a mailbox, as typed. The password is never
// put back into the page: blank on an edit keeps the stored one.
type mailboxForm struct {
	ID              string // "" when adding
	Version         int
	Address         string
	Host            string
	Port            string
	Security        string
	Username        string
	Password        string
	Folder          string
	Team            string
	Poll            string // seconds
	DeleteProcessed bool
	Enabled         bool
	Errors          form.Errors
	Key             form.Key
	// Tested is the test button's outcome: "" not tested, else TestOK or the error.
	Tested   string
	TestedOK bool
	Problem  string // a conflict with another save, shown above the form
}

// Limits of the fields.
const (
	maxHost   = 253
	maxUser   = 320
	maxPass   = 1000
	maxFolder = 200
	maxTeam   = 100
)

func parseMailboxForm(r *http.Request) mailboxForm {
	f := mailboxForm{
		Address:  form.NormalizeEmail(r.PostFormValue("address")),
		Host:     strings.ToLower(form.Text(r, "host")),
		Port:     form.Text(r, "port"),
		Security: form.Text(r, "security"),
		Username: strings.TrimSpace(r.PostFormValue("username")),
		// The password is taken as sent (spaces and all), never cleaned or trimmed.
		Password:        r.PostFormValue("password"),
		Folder:          form.Text(r, "folder"),
		Team:            form.Text(r, "team"),
		Poll:            form.Text(r, "poll"),
		DeleteProcessed: r.PostFormValue("delete_processed") == "1",
		Enabled:         r.PostFormValue("enabled") == "1",
		Errors:          form.Errors{},
	}
	f.Version, _ = strconv.Atoi(r.PostFormValue("version"))
	return f
}

// validate fills f.Errors and returns the settings when there are none.
func (f *mailboxForm) validate(adding bool) Settings {
	form.Email(f.Errors, "address", f.Address)
	form.Required(f.Errors, "host", f.Host, "Server", maxHost)
	if f.Errors["host"] == "" && strings.ContainsAny(f.Host, " /:@?#") {
		f.Errors.Add("host", "Write the server's name only, like imap.example.com (no scheme, port or path).")
	}
	port, err := strconv.Atoi(f.Port)
	if err != nil || port < 1 || port > 65535 {
		f.Errors.Add("port", "Write a port from 1 to 65535: usually 993 for TLS, 143 for STARTTLS.")
	}
	sec := Security(f.Security)
	switch {
	case !sec.Valid():
		f.Errors.Add("security", "Choose how the connection is protected.")
	case sec == SecurityNone && f.Errors["host"] == "" && !isLoopback(f.Host):
		f.Errors.Add("security", "Without TLS the password would cross the network in the clear: allowed only for a server on this machine (localhost).")
	}
	form.Required(f.Errors, "username", f.Username, "User name", maxUser)
	switch {
	case adding && f.Password == "":
		f.Errors.Add("password", "Enter the mailbox's password.")
	case len(f.Password) > maxPass:
		f.Errors.Add("password", "The password is too long.")
	}
	if f.Folder == "" {
		f.Folder = "INBOX"
	}
	form.Required(f.Errors, "folder", f.Folder, "Folder", maxFolder)
	if f.Team != "" {
		if msg := form.Check(f.Team, maxTeam, false); msg != "" {
			f.Errors.Add("team", msg)
		}
	}
	poll, err := strconv.Atoi(f.Poll)
	if err != nil || poll < 10 || poll > 86400 {
		f.Errors.Add("poll", "Write a whole number of seconds from 10 to 86400, like 30.")
	}
	return Settings{Address: f.Address, Host: f.Host, Port: port, Security: sec, Username: f.Username, Password: f.Password,
		Folder: f.Folder, Team: f.Team, PollSecs: poll, DeleteProcessed: f.DeleteProcessed, Enabled: f.Enabled || adding}
}

// formOf is the edit form of a stored mailbox.
func formOf(m *Mailbox) mailboxForm {
	team := ""
	if m.Team != nil {
		team = *m.Team
	}
	return mailboxForm{ID: m.ID, Version: m.Version, Address: m.Address, Host: m.Host, Port: strconv.Itoa(m.Port),
		Security: string(m.Security), Username: m.Username, Folder: m.Folder, Team: team, Poll: strconv.Itoa(m.PollSecs),
		DeleteProcessed: m.DeleteProcessed, Enabled: m.Enabled, Errors: form.Errors{}}
}

// auditView is what the audit log keeps of a mailbox: never its password, only whether
// it changed.
func auditView(m *Mailbox, passwordChanged bool) map[string]string {
	team := ""
	if m.Team != nil {
		team = *m.Team
	}
	v := map[string]string{"address": m.Address, "host": m.Host, "port": strconv.Itoa(m.Port), "security": string(m.Security),
		"username": m.Username, "folder": m.Folder, "team": team, "poll_secs": strconv.Itoa(m.PollSecs),
		"delete_processed": strconv.FormatBool(m.DeleteProcessed), "enabled": strconv.FormatBool(m.Enabled)}
	if passwordChanged {
		v["password"] = "changed"
	}
	return v
}

func mailboxEntry(ctx context.Context, action audit.Action, m *Mailbox, before, after map[string]string) audit.Entry {
	by := auth.UserFrom(ctx)
	e := audit.Entry{ActorID: by.ID, ActorEmail: by.Email, Action: action, TargetType: audit.TargetMailbox,
		TargetID: m.ID, TargetLabel: m.Address, After: after}
	if before != nil {
		e.Before = before
	}
	return e
}

// securityOptions are the choices of the security field.
var securityOptions = []struct{ Value, Label string }{
	{string(SecurityTLS), "TLS (imaps, usually port 993)"},
	{string(SecurityStartTLS), "STARTTLS (usually port 143)"},
	{string(SecurityNone), "None: only for a server on this machine"},
}
