package server

import (
	"context"
	"net/http"

	"github.com/jackc/pgx/v5"

	"rapport/internal/auth"
	"rapport/internal/crm"
	"rapport/internal/db"
	"rapport/internal/desk"
	"rapport/internal/httpx"
	"rapport/internal/mail"
	"rapport/internal/seed"
)

// The first run's checklist on /admin (issue 14): what a new workspace still needs, each
// item ticking itself off from the data, and gone once every item is done.

// checkItem is one line of the checklist.
type checkItem struct {
	Title string
	Hint  string
	Link  string // where to do it ("" for none)
	Done  bool
}

// checklist is the admin page's checklist; All when every item is done.
type checklist struct {
	Items []checkItem
	All   bool
	// Mail: the server sends real email (SMTP is configured), so a test mail is offered.
	Mail bool
}

// testMailSubject marks the test email, so that its delivery ticks the item.
const testMailSubject = "Rapport test email"

// checklistSQL reads every item's state in one statement: each is an index probe or a
// one-row read.
const checklistSQL = `
SELECT EXISTS (SELECT 1 FROM "user" WHERE role IN ('sales', 'agent')),
       EXISTS (SELECT 1 FROM contacts),
       EXISTS (SELECT 1 FROM audit_log WHERE action IN ('sla.create', 'sla.update')),
       EXISTS (SELECT 1 FROM mail_outbox WHERE subject = '` + testMailSubject + `' AND sent_at IS NOT NULL),
       EXISTS (SELECT 1 FROM mailboxes WHERE enabled)`

// loadChecklist is the checklist as the admin u sees it.
func loadChecklist(ctx context.Context, q db.Querier, u *auth.User, smtp bool) (checklist, error) {
	var staff, contacts, sla, mailed, mailbox bool
	if err := q.QueryRow(ctx, checklistSQL).Scan(&staff, &contacts, &sla, &mailed, &mailbox); err != nil {
		return checklist{}, db.Translate(err)
	}
	c := checklist{Mail: smtp, Items: []checkItem{
		{Title: "Invite your staff", Hint: "Add sales reps and support agents; each gets an email to choose a password.", Link: "/admin/users/new", Done: staff},
		{Title: "Connect a support mailbox", Hint: "Mail to your support address becomes tickets, and customers answer replies from their mail client.", Link: "/admin/mailboxes/new", Done: mailbox},
		{Title: "Import your contacts", Hint: "Upload a CSV of contacts or companies (Pipedrive and HubSpot exports work as they are); ticket history from Zendesk or FreeScout goes in under Import tickets.", Link: "/crm/import", Done: contacts},
		{Title: "Adjust the SLA targets", Hint: "Rapport starts with 30 minutes to answer urgent tickets and 8 hours for low ones; make them yours.", Link: "/admin/sla", Done: sla},
		{Title: "Turn on two-step sign-in for yourself", Hint: "An admin's account is the one to protect first.", Link: "/account/two-step", Done: u.TwoStep},
	}}
	if smtp {
		c.Items = append(c.Items, checkItem{Title: "Check that email goes out", Hint: "Send yourself a test email with the button below; this ticks once the mail server accepts it.", Done: mailed})
	}
	c.All = true
	for _, it := range c.Items {
		c.All = c.All && it.Done
	}
	return c, nil
}

// adminHome lists what an admin manages, under the first run's checklist until it is done.
func (s *Server) adminHome(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	c, err := loadChecklist(ctx, s.db, auth.UserFrom(ctx), s.cfg.SMTP.Enabled())
	if err != nil {
		s.pages.Fail(w, r, err)
		return
	}
	s.pages.Render(w, r, http.StatusOK, "Admin", adminPage(c))
}

// testMailSend queues a test email to the signed-in admin (POST /admin/test-email).
func (s *Server) testMailSend(w http.ResponseWriter, r *http.Request) {
	if !s.pages.ParseForm(w, r) {
		return
	}
	u := auth.UserFrom(r.Context())
	m := mail.Message{To: u.Email, Subject: testMailSubject,
		Body: "Hello " + u.Name + ",\n\nThis is Rapport's test email: your server can send mail, so notifications, invitations and password resets will reach people.\n"}
	if err := mail.Enqueue(r.Context(), s.db, m); err != nil {
		s.pages.Fail(w, r, err)
		return
	}
	s.pages.Flash(w, r, "success", "A test email is on its way to "+u.Email+". The checklist ticks once the mail server accepts it.")
	httpx.Redirect(w, r, "/admin")
}

// provision makes a new workspace's defaults in the first run's transaction: a sales
// pipeline when there is none (so a rep can create a deal at once), a Support team, and
// an SLA policy for each priority that has none; it says what it made.
func provision(ctx context.Context, tx pgx.Tx, _ *auth.User) ([]string, error) {
	var made []string
	var pipelines int
	if err := tx.QueryRow(ctx, `SELECT count(*) FROM pipelines`).Scan(&pipelines); err != nil {
		return nil, db.Translate(err)
	}
	if pipelines == 0 {
		if _, err := crm.CreatePipeline(ctx, tx, "Sales pipeline"); err != nil {
			return nil, err
		}
		made = append(made, "pipeline Sales pipeline")
	}
	if err := desk.CreateTeam(ctx, tx, "Support"); err != nil {
		return nil, err
	}
	made = append(made, "team Support")
	n, err := seed.EnsureSLAPolicies(ctx, tx)
	if err != nil {
		return nil, err
	}
	if n > 0 {
		made = append(made, "SLA policies for every priority")
	}
	return made, nil
}
