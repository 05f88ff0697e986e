package desk

import (
	"context"
	"encoding/csv"
	"net/http"
	"time"

	"rapport/internal/auth"
	"rapport/internal/db"
	"rapport/internal/httpx"
)

// exportBatch is how many tickets one statement of the export reads: the queue's
// statement, keyset page after keyset page, and one statement for the batch's tags.
const exportBatch = 1000

const exportExtrasSQL = `
SELECT t.id, r.email AS requester_email,
       coalesce((SELECT string_agg(g.name, ' ' ORDER BY g.name) FROM ticket_tags tt JOIN tags g ON g.id = tt.tag_id
                 WHERE tt.ticket_id = t.id), '') AS tags
FROM tickets t JOIN "user" r ON r.id = t.requester_id
WHERE t.id = ANY($1::uuid[])`

// exportExtras is, by ticket id, the requester's email and the tags (space-separated).
func exportExtras(ctx context.Context, q db.Querier, ids []string) (map[string][2]string, error) {
	rows, err := q.Query(ctx, exportExtrasSQL, ids)
	if err != nil {
		return nil, db.Translate(err)
	}
	defer rows.Close()
	out := make(map[string][2]string, len(ids))
	for rows.Next() {
		var id, email, tags string
		if err := rows.Scan(&id, &email, &tags); err != nil {
			return nil, db.Translate(err)
		}
		out[id] = [2]string{email, tags}
	}
	return out, db.Translate(rows.Err())
}

var exportHeader = []string{"id", "ref", "subject", "status", "priority", "team", "requester", "requester_email",
	"assignee", "tags", "created_at", "updated_at", "solved_at", "next_due_at"}

func csvTime(t time.Time) string { return t.UTC().Format(time.RFC3339) }

func csvOptTime(t *time.Time) string {
	if t == nil {
		return ""
	}
	return csvTime(*t)
}

// TicketExport downloads the queue's view and filters as CSV (GET /desk/tickets.csv,
// the queue's query string): every matching ticket in the queue's order, streamed in
// keyset batches of exportBatch (two statements a batch: the tickets, their tags and
// requester emails), cells guarded against formula injection (httpx.CSVCell). A failure
// after the first byte aborts the connection: a broken download, never a truncated file
// that looks complete.
func (s *Service) TicketExport(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	me := auth.UserFrom(ctx)
	f, _, ok := parseQueueQuery(r.URL.Query(), me.ID, myTeam(me))
	if !ok {
		s.Pages.Error(w, r, http.StatusBadRequest)
		return
	}
	f.After, f.Limit = nil, exportBatch
	// The first batch before the header: an error there is still an error page.
	rows, more, err := listQueue(ctx, s.DB, f)
	var extras map[string][2]string
	if err == nil {
		extras, err = exportExtras(ctx, s.DB, queueIDs(rows))
	}
	if err != nil {
		s.Pages.Fail(w, r, err)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/csv; charset=utf-8")
	h.Set("Content-Disposition", `attachment; filename="tickets-`+string(f.Status)+`.csv"`)
	w.WriteHeader(http.StatusOK)
	rc := http.NewResponseController(w)
	cw := csv.NewWriter(w)
	abort := func(err error) {
		s.Log.ErrorContext(ctx, "csv export", "err", err, "file", "tickets.csv")
		panic(http.ErrAbortHandler)
	}
	write := func(rec []string) {
		for i := range rec {
			rec[i] = httpx.CSVCell(rec[i])
		}
		if err := cw.Write(rec); err != nil {
			abort(err)
		}
	}
	write(append([]string(nil), exportHeader...))
	for {
		for _, t := range rows {
			x := extras[t.ID]
			write([]string{t.ID, ShortRef(t.ID), t.Subject, string(t.Status), string(t.Priority), deref(t.Team),
				t.RequesterName, x[0], deref(t.AssigneeName), x[1], csvTime(t.CreatedAt), csvTime(t.UpdatedAt),
				csvOptTime(t.SolvedAt), csvOptTime(t.NextDue)})
		}
		cw.Flush()
		if err := cw.Error(); err != nil {
			abort(err)
		}
		_ = rc.Flush()
		if !more || len(rows) == 0 {
			return
		}
		last := rows[len(rows)-1]
		f.After = &queueCursor{Rank: last.PriorityRank, Due: last.NextDue, At: last.UpdatedAt, ID: last.ID}
		if rows, more, err = listQueue(ctx, s.DB, f); err != nil {
			abort(err)
		}
		if extras, err = exportExtras(ctx, s.DB, queueIDs(rows)); err != nil {
			abort(err)
		}
	}
}

func queueIDs(rows []queueRow) []string {
	ids := make([]string, len(rows))
	for i, r := range rows {
		ids[i] = r.ID
	}
	return ids
}
