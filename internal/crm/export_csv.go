package crm

import (
	"encoding/csv"
	"net/http"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"

	"rapport/internal/httpx"
)

// csvFlushEvery is how many rows are buffered before they are sent: an export of 100k
// rows streams in steps and never sits in memory whole.
const csvFlushEvery = 500

// streamCSV answers a CSV download named filename: the header, then one record per row
// as rows arrive from Postgres. A failure after the first byte can no longer change the
// status, so it aborts the connection: the client sees a broken download, never a
// truncated file that looks complete.
func (s *Service) streamCSV(w http.ResponseWriter, r *http.Request, filename string, header []string,
	rows pgx.Rows, record func(pgx.CollectableRow) ([]string, error)) {
	defer rows.Close()
	h := w.Header()
	h.Set("Content-Type", "text/csv; charset=utf-8")
	h.Set("Content-Disposition", `attachment; filename="`+filename+`"`)
	w.WriteHeader(http.StatusOK)
	rc := http.NewResponseController(w)
	cw := csv.NewWriter(w)
	abort := func(err error) {
		s.Log.ErrorContext(r.Context(), "csv export", "err", err, "file", filename)
		panic(http.ErrAbortHandler)
	}
	if err := cw.Write(header); err != nil {
		abort(err)
	}
	n := 0
	for rows.Next() {
		rec, err := record(rows)
		if err != nil {
			abort(err)
		}
		for i := range rec {
			rec[i] = csvCell(rec[i])
		}
		if err := cw.Write(rec); err != nil {
			abort(err)
		}
		if n++; n%csvFlushEvery == 0 {
			cw.Flush()
			_ = rc.Flush()
		}
	}
	if err := rows.Err(); err != nil {
		abort(err)
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		abort(err)
	}
}

// csvCell guards a value against formula injection (httpx.CSVCell, shared with the
// desk's export).
func csvCell(v string) string { return httpx.CSVCell(v) }

func csvTime(t time.Time) string { return t.UTC().Format(time.RFC3339) }

func csvOptTime(t *time.Time) string {
	if t == nil {
		return ""
	}
	return csvTime(*t)
}

func csvInt(n int64) string { return strconv.FormatInt(n, 10) }

func csvOptInt(n *int) string {
	if n == nil {
		return ""
	}
	return strconv.Itoa(*n)
}
