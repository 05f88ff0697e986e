package attach

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/jackc/pgx/v5"

	"rapport/internal/db"
)

// chunkSize is one attachment_chunks row: big enough that a 10 MB file is 40 rows,
// small enough that a chunk in flight (twice its size as a hex literal on the simple
// protocol) stays far below the upload limits.
const chunkSize = 256 << 10

// Postgres keeps attachments' bytes in attachment_chunks.
var Postgres Store = pgStore{}

type pgStore struct{}

const putChunkSQL = `INSERT INTO attachment_chunks (attachment_id, seq, data) VALUES ($1, $2, $3)`

func (pgStore) Put(ctx context.Context, q db.Querier, id string, r io.Reader, limit int64) (int64, error) {
	buf := make([]byte, chunkSize)
	var size int64
	for seq := 0; ; seq++ {
		n, err := io.ReadFull(r, buf)
		if n > 0 {
			size += int64(n)
			if size > limit {
				return size, fmt.Errorf("%w: over %d bytes", ErrTooLarge, limit)
			}
			if _, err := q.Exec(ctx, putChunkSQL, id, seq, buf[:n]); err != nil {
				return size, db.Translate(err)
			}
		}
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return size, nil
		}
		if err != nil {
			return size, fmt.Errorf("read attachment: %w", err)
		}
	}
}

const getChunkSQL = `SELECT data FROM attachment_chunks WHERE attachment_id = $1 AND seq = $2`

// Open reads one chunk a statement as the reader is read, so a slow download holds no
// connection between chunks and memory stays one chunk.
func (pgStore) Open(ctx context.Context, q db.Querier, id string) (io.ReadCloser, error) {
	return &chunkReader{ctx: ctx, q: q, id: id}, nil
}

const deleteChunksSQL = `DELETE FROM attachment_chunks WHERE attachment_id = $1`

func (pgStore) Delete(ctx context.Context, q db.Querier, id string) error {
	_, err := q.Exec(ctx, deleteChunksSQL, id)
	return db.Translate(err)
}

type chunkReader struct {
	ctx  context.Context
	q    db.Querier
	id   string
	seq  int
	buf  []byte
	done bool
}

func (c *chunkReader) Read(p []byte) (int, error) {
	for len(c.buf) == 0 {
		if c.done {
			return 0, io.EOF
		}
		err := c.q.QueryRow(c.ctx, getChunkSQL, c.id, c.seq).Scan(&c.buf)
		if errors.Is(err, pgx.ErrNoRows) {
			c.done = true
			continue
		}
		if err != nil {
			return 0, db.Translate(err)
		}
		c.seq++
	}
	n := copy(p, c.buf)
	c.buf = c.buf[n:]
	return n, nil
}

func (c *chunkReader) Close() error { return nil }
