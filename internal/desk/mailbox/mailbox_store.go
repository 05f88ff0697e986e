package mailbox

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"

	"rapport/internal/db"
	"rapport/internal/secret"
)

// Mailbox is a support mailbox as stored. The password stays sealed here: only a poll
// (and the test button) opens it.
type Mailbox struct {
	ID              string     `db:"id"`
	Address         string     `db:"address"`
	Host            string     `db:"host"`
	Port            int        `db:"port"`
	Security        Security   `db:"security"`
	Username        string     `db:"username"`
	PasswordSealed  []byte     `db:"password_sealed"`
	Folder          string     `db:"folder"`
	Team            *string    `db:"team"`
	PollSecs        int        `db:"poll_secs"`
	DeleteProcessed bool       `db:"delete_processed"`
	Enabled         bool       `db:"enabled"`
	FromEnv         bool       `db:"from_env"`
	UIDValidity     *int64     `db:"uidvalidity"`
	LastPollAt      *time.Time `db:"last_poll_at"`
	LastError       *string    `db:"last_error"`
	Version         int        `db:"version"`
	CreatedAt       time.Time  `db:"created_at"`
}

// Interval is how often the mailbox is polled.
func (m *Mailbox) Interval() time.Duration { return time.Duration(m.PollSecs) * time.Second }

const mailboxColumns = `id, address, host, port, security, username, password_sealed, folder, team, poll_secs,
    delete_processed, enabled, from_env, uidvalidity, last_poll_at, last_error, version, created_at`

// purpose binds a sealed password to its mailbox's row (internal/secret).
func purpose(id string) string { return "mailbox:" + id }

// open unseals the mailbox's password.
func (m *Mailbox) server(box *secret.Box) (Server, error) {
	s := Server{Host: m.Host, Port: m.Port, Security: m.Security, User: m.Username, Folder: m.Folder}
	if box == nil {
		return s, errors.New("SECRET_KEY is not set, so the mailbox password cannot be read")
	}
	pw, err := box.Open(m.PasswordSealed, purpose(m.ID))
	if err != nil {
		return s, errors.New("the stored password cannot be opened (was SECRET_KEY changed?): enter it again")
	}
	s.Password = string(pw)
	return s, nil
}

// Mailboxes lists every mailbox, by address.
func Mailboxes(ctx context.Context, q db.Querier) ([]Mailbox, error) {
	rows, err := q.Query(ctx, `SELECT `+mailboxColumns+` FROM mailboxes ORDER BY address, id`)
	if err != nil {
		return nil, db.Translate(err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowToStructByName[Mailbox])
	return out, db.Translate(err)
}

// ByID loads mailbox id; db.ErrNotFound when there is none.
func ByID(ctx context.Context, q db.Querier, id string) (*Mailbox, error) {
	rows, err := q.Query(ctx, `SELECT `+mailboxColumns+` FROM mailboxes WHERE id = $1`, id)
	if err != nil {
		return nil, db.Translate(err)
	}
	m, err := pgx.CollectExactlyOneRow(rows, pgx.RowToAddrOfStructByName[Mailbox])
	return m, db.Translate(err)
}

// lockSQL claims an enabled mailbox for one poll. FOR NO KEY UPDATE, not FOR UPDATE:
// recording a message (its foreign key) takes a KEY SHARE lock on this row from another
// transaction, which must not wait for the poll that runs it. SKIP LOCKED: a second
// poller (another replica) finds nothing and leaves the mailbox to the first.
const lockSQL = `SELECT ` + mailboxColumns + ` FROM mailboxes WHERE id = $1 AND enabled FOR NO KEY UPDATE SKIP LOCKED`

// lock claims mailbox id in tx for a poll; db.ErrNotFound when it is being polled,
// disabled or gone.
func lock(ctx context.Context, tx pgx.Tx, id string) (*Mailbox, error) {
	rows, err := tx.Query(ctx, lockSQL, id)
	if err != nil {
		return nil, db.Translate(err)
	}
	m, err := pgx.CollectExactlyOneRow(rows, pgx.RowToAddrOfStructByName[Mailbox])
	return m, db.Translate(err)
}

// Settings are what an admin (or the environment) sets on a mailbox.
type Settings struct {
	Address         string
	Host            string
	Port            int
	Security        Security
	Username        string
	Password        string // "" on an edit keeps the stored one
	Folder          string
	Team            string // "" for none
	PollSecs        int
	DeleteProcessed bool
	Enabled         bool
}

// ErrDuplicate means another mailbox already reads that account's folder.
var ErrDuplicate = errors.New("mailbox already connected")

func nullable(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

const insertSQL = `
INSERT INTO mailboxes (id, address, host, port, security, username, password_sealed, folder, team, poll_secs,
    delete_processed, enabled, from_env)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
RETURNING ` + mailboxColumns

// Create stores a new mailbox as id ("" for a new one) with its password sealed.
func Create(ctx context.Context, q db.Querier, box *secret.Box, id string, s Settings, fromEnv bool) (*Mailbox, error) {
	if box == nil {
		return nil, errors.New("SECRET_KEY is not set: a mailbox password cannot be stored")
	}
	if id == "" {
		id = db.NewUUID()
	}
	rows, err := q.Query(ctx, insertSQL, id, s.Address, s.Host, s.Port, s.Security, s.Username,
		box.Seal([]byte(s.Password), purpose(id)), s.Folder, nullable(s.Team), s.PollSecs, s.DeleteProcessed, s.Enabled, fromEnv)
	if err == nil {
		var m *Mailbox
		m, err = pgx.CollectExactlyOneRow(rows, pgx.RowToAddrOfStructByName[Mailbox])
		if err == nil {
			return m, nil
		}
	}
	if db.Unique(err, "mailboxes_account_idx") {
		return nil, ErrDuplicate
	}
	return nil, db.Translate(err)
}

// updateSQL changes a mailbox at the version the form was loaded at ($13); a NULL
// password keeps the sealed one.
const updateSQL = `
UPDATE mailboxes SET address = $2, host = $3, port = $4, security = $5, username = $6,
    password_sealed = coalesce($7, password_sealed), folder = $8, team = $9, poll_secs = $10,
    delete_processed = $11, enabled = $12,
    uidvalidity = CASE WHEN lower(host) = lower($3) AND username = $6 AND folder = $8 THEN uidvalidity END,
    last_error = NULL, version = version + 1, updated_at = now()
WHERE id = $1 AND ($13 = 0 OR version = $13)
RETURNING ` + mailboxColumns

// ErrStale means the mailbox changed since the form was loaded: nothing was saved.
var ErrStale = errors.New("mailbox changed since it was loaded")

// Update changes mailbox id as s says, at version (0: any).
func Update(ctx context.Context, q db.Querier, box *secret.Box, id string, version int, s Settings) (*Mailbox, error) {
	var sealed []byte
	if s.Password != "" {
		if box == nil {
			return nil, errors.New("SECRET_KEY is not set: a mailbox password cannot be stored")
		}
		sealed = box.Seal([]byte(s.Password), purpose(id))
	}
	rows, err := q.Query(ctx, updateSQL, id, s.Address, s.Host, s.Port, s.Security, s.Username, sealed,
		s.Folder, nullable(s.Team), s.PollSecs, s.DeleteProcessed, s.Enabled, version)
	var m *Mailbox
	if err == nil {
		m, err = pgx.CollectExactlyOneRow(rows, pgx.RowToAddrOfStructByName[Mailbox])
	}
	switch {
	case db.Unique(err, "mailboxes_account_idx"):
		return nil, ErrDuplicate
	case errors.Is(err, pgx.ErrNoRows):
		if _, err := ByID(ctx, q, id); err != nil {
			return nil, err
		}
		return nil, ErrStale
	}
	return m, db.Translate(err)
}
