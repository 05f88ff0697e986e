package mailbox

import (
	"context"
	"io"

	"github.com/jackc/pgx/v5"

	"rapport/internal/db"
)

// rawChunk is the size of one piece of a stored original (inbound_message_raw): the
// simple protocol sends a bytea as hex inside the statement's text, so each statement
// costs about three times its piece in memory, on both sides.
const rawChunk = 1 << 20

// storeRaw keeps the original of inbound message id, in pieces, in tx.
func storeRaw(ctx context.Context, tx pgx.Tx, id int64, raw []byte) error {
	for seq := 0; len(raw) > 0 || seq == 0; seq++ {
		n := min(len(raw), rawChunk)
		if _, err := tx.Exec(ctx, `INSERT INTO inbound_message_raw (inbound_id, seq, data) VALUES ($1, $2, $3)`, id, seq, raw[:n]); err != nil {
			return db.Translate(err)
		}
		raw = raw[n:]
	}
	return nil
}

// writeRaw copies the original of inbound message id to w, a piece at a time (one
// statement per piece, keyed by the primary key: the viewer never holds it whole).
func writeRaw(ctx context.Context, q db.Querier, id int64, w io.Writer) error {
	for seq := 0; ; seq++ {
		var data []byte
		err := q.QueryRow(ctx, `SELECT data FROM inbound_message_raw WHERE inbound_id = $1 AND seq = $2`, id, seq).Scan(&data)
		if err == pgx.ErrNoRows {
			return nil
		}
		if err != nil {
			return db.Translate(err)
		}
		if _, err := w.Write(data); err != nil {
			return err
		}
	}
}
