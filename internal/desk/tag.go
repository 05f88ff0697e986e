package desk

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
	"golang.org/x/text/unicode/norm"

	"rapport/internal/db"
)

// MaxTagLen is the longest tag name, in characters.
const MaxTagLen = 50

// Tag is a tag as pages list it.
type Tag struct {
	ID   int64  `db:"id" json:"id"`
	Name string `db:"name" json:"name"`
}

// TagNameError is a tag name that cannot be one: its message is for the person.
type TagNameError struct{ Message string }

func (e *TagNameError) Error() string { return e.Message }

// NormalizeTag is name as it is stored: trimmed, inner runs of white space made one
// space, lower case, NFC. A name that is empty, longer than MaxTagLen, holds a comma, a
// control or invisible formatting character, or is not valid text is a *TagNameError.
func NormalizeTag(name string) (string, error) {
	if !utf8.ValidString(name) {
		return "", &TagNameError{"A tag must be plain text: this one has characters that are not valid text."}
	}
	// The length first (on the raw value): a 10 KB name is refused without more work.
	if n := utf8.RuneCountInString(name); n > 4*MaxTagLen {
		return "", &TagNameError{"A tag is at most " + strconv.Itoa(MaxTagLen) + " characters (this has " + strconv.Itoa(n) + ")."}
	}
	for _, r := range name {
		if unicode.IsControl(r) || unicode.Is(unicode.Cf, r) {
			return "", &TagNameError{"A tag cannot contain control or invisible formatting characters (tabs and line breaks included)."}
		}
	}
	name = strings.Join(strings.Fields(name), " ")
	name = norm.NFC.String(strings.ToLower(name))
	switch n := utf8.RuneCountInString(name); {
	case n == 0:
		return "", &TagNameError{"Type a tag name."}
	case n > MaxTagLen:
		return "", &TagNameError{"A tag is at most " + strconv.Itoa(MaxTagLen) + " characters (this has " + strconv.Itoa(n) + ")."}
	}
	if strings.ContainsRune(name, ',') {
		return "", &TagNameError{"A tag cannot contain a comma: add one tag at a time."}
	}
	return name, nil
}

// ParseTagList reads a comma-separated list of tags (a macro's tags, the ticket form's
// "Add tags"): each normalised, repeats dropped, empty items skipped; the first bad one,
// or more than maxTagsAtOnce, is a *TagNameError.
func ParseTagList(list string) ([]string, error) {
	var names []string
	for _, n := range strings.Split(list, ",") {
		if strings.TrimSpace(n) != "" {
			names = append(names, n)
		}
	}
	names, err := normalizeTags(names)
	if err != nil {
		return nil, err
	}
	if len(names) > maxTagsAtOnce {
		return nil, errTooManyTags
	}
	return names, nil
}

// normalizeTags normalises every name, dropping repeats; the first bad one is an error.
func normalizeTags(names []string) ([]string, error) {
	out := make([]string, 0, len(names))
	for _, n := range names {
		t, err := NormalizeTag(n)
		if err != nil {
			return nil, err
		}
		if !containsString(out, t) {
			out = append(out, t)
		}
	}
	return out, nil
}

func containsString(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// maxTagsAtOnce bounds one AddTags or RemoveTags call.
const maxTagsAtOnce = 50

var errTooManyTags = &TagNameError{"At most " + strconv.Itoa(maxTagsAtOnce) + " tags at once."}

// The tags are made when missing (DO UPDATE so that a name another transaction just
// created still returns its id), then linked to each ticket; links already there stay.
const addTagsSQL = `
WITH g AS (
    INSERT INTO tags (name) SELECT DISTINCT unnest($2::text[])
    ON CONFLICT (name) DO UPDATE SET name = EXCLUDED.name
    RETURNING id, name
), l AS (
    INSERT INTO ticket_tags (ticket_id, tag_id)
    SELECT t, g.id FROM unnest($1::uuid[]) t, g
    ON CONFLICT DO NOTHING
    RETURNING ticket_id, tag_id
)
SELECT l.ticket_id, g.name FROM l JOIN g ON g.id = l.tag_id ORDER BY l.ticket_id, g.name`

// AddTags tags ticket ticketID with names (normalised; see NormalizeTag), creating the
// tags that do not exist yet. It returns the names newly on the ticket (not those it
// already had). A bad name is a *TagNameError and nothing is written. It does not check
// the ticket's status or the caller's right: callers do (macros, merges, bulk actions).
func AddTags(ctx context.Context, tx pgx.Tx, ticketID string, names []string) ([]string, error) {
	res, err := addTags(ctx, tx, []string{ticketID}, names)
	if err != nil {
		return nil, err
	}
	return res[ticketID], nil
}

// addTags tags every ticket of ids with names in one statement and returns, by ticket,
// the names newly added.
func addTags(ctx context.Context, tx pgx.Tx, ids, names []string) (map[string][]string, error) {
	names, err := normalizeTags(names)
	if err != nil {
		return nil, err
	}
	if len(names) > maxTagsAtOnce {
		return nil, errTooManyTags
	}
	out := map[string][]string{}
	if len(names) == 0 || len(ids) == 0 {
		return out, nil
	}
	rows, err := tx.Query(ctx, addTagsSQL, ids, names)
	if err != nil {
		return nil, db.Translate(err)
	}
	defer rows.Close()
	for rows.Next() {
		var id, name string
		if err := rows.Scan(&id, &name); err != nil {
			return nil, db.Translate(err)
		}
		out[id] = append(out[id], name)
	}
	return out, db.Translate(rows.Err())
}

const removeTagsSQL = `
DELETE FROM ticket_tags tt USING tags g
WHERE g.id = tt.tag_id AND tt.ticket_id = ANY($1::uuid[]) AND g.name = ANY($2::text[])
RETURNING tt.ticket_id, g.name`

// RemoveTags takes names (normalised) off ticket ticketID and returns those it had. The
// tags themselves stay (an admin merges or renames them); a bad name is a
// *TagNameError.
func RemoveTags(ctx context.Context, tx pgx.Tx, ticketID string, names []string) ([]string, error) {
	res, err := removeTags(ctx, tx, []string{ticketID}, names)
	if err != nil {
		return nil, err
	}
	return res[ticketID], nil
}

func removeTags(ctx context.Context, tx pgx.Tx, ids, names []string) (map[string][]string, error) {
	names, err := normalizeTags(names)
	if err != nil {
		return nil, err
	}
	if len(names) > maxTagsAtOnce {
		return nil, errTooManyTags
	}
	out := map[string][]string{}
	if len(names) == 0 || len(ids) == 0 {
		return out, nil
	}
	rows, err := tx.Query(ctx, removeTagsSQL, ids, names)
	if err != nil {
		return nil, db.Translate(err)
	}
	defer rows.Close()
	for rows.Next() {
		var id, name string
		if err := rows.Scan(&id, &name); err != nil {
			return nil, db.Translate(err)
		}
		out[id] = append(out[id], name)
	}
	return out, db.Translate(rows.Err())
}

// ticketTagsSQL is a ticket's tags by name, as a JSON array (for the ticket page's
// statement, and the export's batches by id).
const ticketTagsSQL = `coalesce((SELECT json_agg(json_build_object('id', g.id, 'name', g.name) ORDER BY g.name)
    FROM ticket_tags tt JOIN tags g ON g.id = tt.tag_id WHERE tt.ticket_id = t.id), '[]')`

// isTagNameError reports whether err is a bad tag name, and its message.
func isTagNameError(err error) (string, bool) {
	var te *TagNameError
	if errors.As(err, &te) {
		return te.Message, true
	}
	return "", false
}
