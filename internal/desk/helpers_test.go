package desk

import (
	"context"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"rapport/internal/auth"
	"rapport/internal/live"
	"rapport/internal/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// fixture is a desk on its own database, with a customer, two agents and the four
// default policies.
type fixture struct {
	t        *testing.T
	d        *testenv.Database
	s        *Service
	customer *auth.User
	other    *auth.User // another customer
	agent    *auth.User
	agent2   *auth.User
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	d := testenv.NewDB(t)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	f := &fixture{t: t, d: d, s: &Service{DB: d.DB, Log: log, Live: live.New(d.DirectURL(), log, EventsChannel)}}
	t.Cleanup(f.s.Live.Close)
	f.customer = f.user(auth.RoleCustomer, "carol@example.com", "")
	f.other = f.user(auth.RoleCustomer, "dev@example.com", "")
	f.agent = f.user(auth.RoleAgent, "jordan@example.com", "Tier 1")
	f.agent2 = f.user(auth.RoleAgent, "morgan@example.com", "Billing")
	f.exec(`INSERT INTO sla_policies (name, priority, first_response_mins, resolve_mins) VALUES
		('Standard – Low', 'low', 480, 2880), ('Standard – Normal', 'normal', 240, 1440),
		('Standard – High', 'high', 60, 480), ('Standard – Urgent', 'urgent', 30, 240)`)
	return f
}

// user makes an established account: its address is verified, as the CRM link needs.
func (f *fixture) user(role auth.Role, email, team string) *auth.User {
	f.t.Helper()
	ctx := context.Background()
	var u *auth.User
	err := f.d.DB.InTx(ctx, func(tx pgx.Tx) error {
		var err error
		u, err = auth.CreateUser(ctx, tx, auth.NewUser{Name: "User " + email, Email: email, Role: role, Team: team, EmailVerified: true})
		return err
	})
	if err != nil {
		f.t.Fatal(err)
	}
	return u
}

func (f *fixture) exec(sql string, args ...any) {
	f.t.Helper()
	if _, err := f.d.DB.Exec(context.Background(), sql, args...); err != nil {
		f.t.Fatalf("%s: %v", sql, err)
	}
}

// ticket files a ticket as the fixture's customer.
func (f *fixture) ticket(subject, body string) string {
	f.t.Helper()
	id, err := CreateTicket(context.Background(), f.d.DB, f.customer, "", subject, body)
	if err != nil {
		f.t.Fatal(err)
	}
	return id
}

// facts is the stored row of a ticket, SLA facts and derived deadlines included.
type facts struct {
	Status             Status     `db:"status"`
	Priority           Priority   `db:"priority"`
	Version            int        `db:"version"`
	AssigneeID         *string    `db:"assignee_id"`
	Team               *string    `db:"team"`
	PolicyName         *string    `db:"policy_name"`
	CreatedAt          time.Time  `db:"created_at"`
	FirstResponseMins  *int       `db:"sla_first_response_mins"`
	ResolveMins        *int       `db:"sla_resolve_mins"`
	FirstResponseDueAt *time.Time `db:"first_response_due_at"`
	ResolveDueAt       *time.Time `db:"resolve_due_at"`
	FirstResponseAt    *time.Time `db:"first_response_at"`
	SolvedAt           *time.Time `db:"solved_at"`
	PausedSince        *time.Time `db:"paused_since"`
	PausedSecs         int        `db:"paused_secs"`
	NextDueAt          *time.Time `db:"next_due"`
	Now                time.Time  `db:"now"`
}

func (f *fixture) facts(id string) facts {
	f.t.Helper()
	rows, err := f.d.DB.Query(context.Background(), `
		SELECT t.status, t.priority, t.version, t.assignee_id, t.team, p.name AS policy_name, t.created_at,
		       t.sla_first_response_mins, t.sla_resolve_mins, t.first_response_due_at, t.resolve_due_at,
		       t.first_response_at, t.solved_at, t.paused_since, t.paused_secs,
		       nullif(t.next_due_at, 'infinity') AS next_due, now() AS now
		FROM tickets t LEFT JOIN sla_policies p ON p.id = t.sla_policy_id WHERE t.id = $1`, id)
	if err != nil {
		f.t.Fatal(err)
	}
	x, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[facts])
	if err != nil {
		f.t.Fatal(err)
	}
	return x
}

func (x facts) input() ClockInput {
	return clockFacts{x.CreatedAt, x.Status, x.FirstResponseMins, x.ResolveMins, x.FirstResponseAt,
		x.SolvedAt, x.PausedSince, x.PausedSecs}.input()
}

// update submits the desk's form as actor against the ticket's current version; form
// is a ticketForm or a *ticketForm (to read its errors after).
func (f *fixture) update(actor *auth.User, id string, form any) error {
	f.t.Helper()
	p, ok := form.(*ticketForm)
	if !ok {
		v := form.(ticketForm)
		p = &v
	}
	if p.Errors == nil {
		p.Errors = map[string]string{}
	}
	p.Version = f.facts(id).Version
	ctx := context.Background()
	return f.d.DB.InTx(ctx, func(tx pgx.Tx) error { return updateTicket(ctx, tx, f.s.BaseURL, actor, id, p) })
}

// reply adds requester's reply to ticket id, in a transaction as the handler does.
func (f *fixture) reply(requester *auth.User, id, body string) error {
	f.t.Helper()
	ctx := context.Background()
	return f.d.DB.InTx(ctx, func(tx pgx.Tx) error { return RequesterReply(ctx, tx, requester, "", id, body) })
}

// age makes everything that happened to a ticket so far happen d earlier: its creation,
// messages, status history and clock facts. The store then runs on now() as usual, so
// a change made next sees d more time gone by. The logs are append-only, so their
// triggers are lifted for the moment (the database is this test's own).
func (f *fixture) age(id string, d time.Duration) {
	f.t.Helper()
	ctx := context.Background()
	err := f.d.DB.InTx(ctx, func(tx pgx.Tx) error {
		for _, sql := range []string{
			`ALTER TABLE ticket_status_changes DISABLE TRIGGER ticket_status_changes_append_only`,
			`ALTER TABLE ticket_messages DISABLE TRIGGER ticket_messages_append_only`,
			`UPDATE ticket_status_changes SET created_at = created_at - make_interval(secs => $2) WHERE ticket_id = $1`,
			`UPDATE ticket_messages SET created_at = created_at - make_interval(secs => $2) WHERE ticket_id = $1`,
			// Setting paused_secs makes tickets_sla derive the deadlines again.
			`UPDATE tickets SET created_at = created_at - make_interval(secs => $2),
			        updated_at = updated_at - make_interval(secs => $2),
			        first_response_at = first_response_at - make_interval(secs => $2),
			        solved_at = solved_at - make_interval(secs => $2),
			        paused_since = paused_since - make_interval(secs => $2),
			        paused_secs = paused_secs
			 WHERE id = $1`,
			`ALTER TABLE ticket_messages ENABLE TRIGGER ticket_messages_append_only`,
			`ALTER TABLE ticket_status_changes ENABLE TRIGGER ticket_status_changes_append_only`,
		} {
			var args []any
			if !strings.HasPrefix(sql, "ALTER") {
				args = []any{id, d.Seconds()}
			}
			if _, err := tx.Exec(ctx, sql, args...); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		f.t.Fatal(err)
	}
}

func (f *fixture) count(sql string, args ...any) int {
	f.t.Helper()
	var n int
	if err := f.d.DB.QueryRow(context.Background(), sql, args...).Scan(&n); err != nil {
		f.t.Fatalf("%s: %v", sql, err)
	}
	return n
}
