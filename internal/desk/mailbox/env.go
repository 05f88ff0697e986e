package mailbox

import (
	"context"
	"errors"
	"strings"

	"github.com/jackc/pgx/v5"

	"rapport/internal/config"
	"rapport/internal/db"
	"rapport/internal/secret"
)

// EnvSettings are the settings of the mailbox INBOUND_IMAP_URL declares. Its address is
// the user name when that is an email address, else fallback (SMTP_FROM's address).
func EnvSettings(in *config.Inbound, fallback string) Settings {
	addr := strings.ToLower(in.User)
	if !strings.Contains(addr, "@") {
		addr = strings.ToLower(fallback)
	}
	return Settings{Address: addr, Host: in.Host, Port: in.Port, Security: Security(in.Security), Username: in.User,
		Password: in.Password, Folder: in.Folder, Team: in.Team, PollSecs: int(in.Poll.Seconds()), Enabled: true}
}

// SyncEnv makes the table's environment mailbox (from_env) what the environment says: it
// is created, changed when a setting differs, or disabled when INBOUND_IMAP_URL is unset
// (s nil). Two replicas starting together do it once.
func SyncEnv(ctx context.Context, d *db.DB, box *secret.Box, s *Settings) error {
	if s == nil {
		_, err := d.Exec(ctx, `UPDATE mailboxes SET enabled = false, version = version + 1, updated_at = now() WHERE from_env AND enabled`)
		return db.Translate(err)
	}
	rows, err := d.Query(ctx, `SELECT `+mailboxColumns+` FROM mailboxes WHERE from_env`)
	if err != nil {
		return db.Translate(err)
	}
	cur, err := pgx.CollectExactlyOneRow(rows, pgx.RowToAddrOfStructByName[Mailbox])
	if errors.Is(err, pgx.ErrNoRows) {
		_, err := Create(ctx, d, box, "", *s, true)
		if db.Unique(err, "mailboxes_from_env_idx") {
			return nil
		}
		return err
	}
	if err != nil {
		return db.Translate(err)
	}
	team := ""
	if cur.Team != nil {
		team = *cur.Team
	}
	same := cur.Address == s.Address && cur.Host == s.Host && cur.Port == s.Port && cur.Security == s.Security &&
		cur.Username == s.Username && cur.Folder == s.Folder && team == s.Team && cur.PollSecs == s.PollSecs && cur.Enabled
	if same {
		if srv, err := cur.server(box); err == nil && srv.Password == s.Password {
			return nil
		}
	}
	next := *s
	next.DeleteProcessed = cur.DeleteProcessed
	_, err = Update(ctx, d, box, cur.ID, 0, next)
	return err
}
