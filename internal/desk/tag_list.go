package desk

import (
	"context"
	"net/http"

	"github.com/jackc/pgx/v5"

	"rapport/internal/db"
)

// tagCount is a tag with how many tickets carry it.
type tagCount struct {
	ID      int64  `db:"id"`
	Name    string `db:"name"`
	Tickets int    `db:"tickets"`
}

// maxTagsListed bounds the tags pages: the most used first.
const maxTagsListed = 500

// The counts read ticket_tags_tag_idx alone (an index-only scan per tag's range).
const tagCountsSQL = `
SELECT g.id, g.name, (SELECT count(*) FROM ticket_tags tt WHERE tt.tag_id = g.id) AS tickets
FROM tags g
ORDER BY tickets DESC, g.name
LIMIT $1`

func listTagCounts(ctx context.Context, q db.Querier) ([]tagCount, error) {
	rows, err := q.Query(ctx, tagCountsSQL, maxTagsListed)
	if err != nil {
		return nil, db.Translate(err)
	}
	list, err := pgx.CollectRows(rows, pgx.RowToStructByName[tagCount])
	return list, db.Translate(err)
}

// TagList shows the tags with their ticket counts, each linking to the queue filtered
// by it (GET /desk/tags). One statement.
func (s *Service) TagList(w http.ResponseWriter, r *http.Request) {
	list, err := listTagCounts(r.Context(), s.DB)
	if err != nil {
		s.Pages.Fail(w, r, err)
		return
	}
	s.Pages.Render(w, r, http.StatusOK, "Tags", tagsPage(list, maxTagsListed))
}
