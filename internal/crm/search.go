package crm

import (
	"context"
	"strconv"
	"strings"
	"unicode"

	"github.com/jackc/pgx/v5"
	"golang.org/x/text/unicode/norm"

	"rapport/internal/db"
)

// Global search (issue 11, part 1): companies, contacts and deals in one statement.
//
// The query is split into words by the database's own rapport_search_words (migration
// 00071), the function that built each row's search_tsv, so "acm" finds "Acme" (every
// word of two letters or more is a prefix), "jane.doe@acme.com" finds the contact, and
// accents and case never matter. Every word must match (AND).
//
// Fast on common words: each group reads its GIN index once and takes at most
// searchCandidates matching rows (LIMIT over the bitmap scan, in the table's order),
// then ranks only those (name or title first, a name that starts with the query
// first of all). A word matching 30k deals therefore costs a bitmap and 200 heap rows,
// not a sort of 30k. The price: on such a word the best of 200 arbitrary matches is
// shown, with "refine your search" (the page says so when a group is full).
//
// Typos: when no group has a word match, each falls back to trigram similarity of the
// folded name (pg_trgm's % operator, its GIN index; contacts: word similarity to name and
// email, on 00006's contacts_search_idx), for queries of searchTypoMin
// characters or more. The fallback's scans are gated by a one-time filter: they run
// only when the words found nothing. Ranking compares lower() on the row's side
// (folding costs ~7 µs a row; only the hits shown are folded, for "why it matched").

// searchCandidates bounds the rows each group ranks.
const searchCandidates = 200

// searchTypoMin is the shortest query (in characters) the typo fallback tries: a
// shorter one shares a trigram or two with too many names to be a useful guess, and
// would recheck thousands of rows.
const searchTypoMin = 5

// SearchMaxQuery is the longest query searched, in characters.
const SearchMaxQuery = 200

// searchSQL: $1 the query, $2 rows per group (one more than shown, to know there are
// more), $3 whether the viewer may read deals, $4 which groups (” all; company,
// contact or deal: only that one, for the pickers).
var searchSQL = `
WITH q AS (
    SELECT to_tsquery('simple'::regconfig,
               string_agg(quote_literal(w) || CASE WHEN length(w) >= 2 THEN ':*' ELSE '' END, ' & ')) AS tsq,
           lower($1) AS low, rapport_search_fold($1) AS fold,
           replace(replace(replace(lower($1), '\', '\\'), '%', '\%'), '_', '\_') || '%' AS low_prefix,
           replace(replace(replace(rapport_search_fold($1), '\', '\\'), '%', '\%'), '_', '\_') || '%' AS fold_prefix
    FROM (SELECT w FROM regexp_split_to_table(rapport_search_words($1), ' ') w WHERE w <> '' LIMIT 8) ws
),
co AS (
    SELECT c.id, c.name, c.domain, c.search_tsv
    FROM companies c
    WHERE $4 IN ('', 'company') AND c.search_tsv @@ (SELECT tsq FROM q)
    LIMIT ` + strconv.Itoa(searchCandidates) + `
),
ct AS (
    SELECT c.id, c.name, c.email, c.company_id, c.search_tsv
    FROM contacts c
    WHERE $4 IN ('', 'contact') AND c.search_tsv @@ (SELECT tsq FROM q)
    LIMIT ` + strconv.Itoa(searchCandidates) + `
),
dl AS (
    SELECT d.id, d.title, d.contact_id, d.stage, d.search_tsv
    FROM deals d
    WHERE $3::boolean AND $4 IN ('', 'deal') AND d.search_tsv @@ (SELECT tsq FROM q)
    LIMIT ` + strconv.Itoa(searchCandidates) + `
),
typo AS (
    SELECT NOT EXISTS (SELECT FROM co) AND NOT EXISTS (SELECT FROM ct) AND NOT EXISTS (SELECT FROM dl)
           AND length(fold) >= ` + strconv.Itoa(searchTypoMin) + ` AS try, fold
    FROM q
),
co_typo AS (
    SELECT c.id, c.name, c.domain, c.search_tsv
    FROM companies c
    WHERE $4 IN ('', 'company') AND (SELECT try FROM typo)
      AND rapport_search_fold(c.name) % (SELECT fold FROM typo)
    ORDER BY similarity(rapport_search_fold(c.name), (SELECT fold FROM typo)) DESC, c.id
    LIMIT $2
),
ct_typo AS (
    SELECT c.id, c.name, c.email, c.company_id, c.search_tsv
    FROM contacts c
    WHERE $4 IN ('', 'contact') AND (SELECT try FROM typo)
      AND (SELECT fold FROM typo) <% (coalesce(c.name, '') || ' ' || c.email)
    ORDER BY word_similarity((SELECT fold FROM typo), coalesce(c.name, '') || ' ' || c.email) DESC, c.id
    LIMIT $2
),
dl_typo AS (
    SELECT d.id, d.title, d.contact_id, d.stage, d.search_tsv
    FROM deals d
    WHERE $3::boolean AND $4 IN ('', 'deal') AND (SELECT try FROM typo)
      AND rapport_search_fold(d.title) % (SELECT fold FROM typo)
    ORDER BY similarity(rapport_search_fold(d.title), (SELECT fold FROM typo)) DESC, d.id
    LIMIT $2
)
(SELECT 'company' AS kind, y.id::text AS id, y.name AS title, coalesce(y.domain, '') AS detail,
        CASE WHEN y.typo THEN 'similar name'
             WHEN to_tsvector('simple'::regconfig, rapport_search_words(y.name)) @@ q.tsq THEN 'name'
             WHEN to_tsvector('simple'::regconfig, rapport_search_words(coalesce(y.domain, ''))) @@ q.tsq THEN 'domain'
             ELSE 'name and domain' END AS field,
        ''::text AS extra
 FROM (SELECT x.*, (lower(x.name) IN (q.low, q.fold)) AS exact,
              (lower(x.name) LIKE q.low_prefix OR lower(x.name) LIKE q.fold_prefix) AS starts,
              ts_rank(x.search_tsv, q.tsq) AS rank
       FROM (SELECT *, false AS typo FROM co UNION ALL SELECT *, true FROM co_typo) x, q
       ORDER BY exact DESC, starts DESC, rank DESC, lower(x.name), x.id
       LIMIT $2) y, q
 ORDER BY y.exact DESC, y.starts DESC, y.rank DESC, lower(y.name), y.id)
UNION ALL
(SELECT 'contact', y.id::text, coalesce(nullif(y.name, ''), y.email), y.email,
        CASE WHEN y.typo THEN 'similar name'
             WHEN to_tsvector('simple'::regconfig, rapport_search_words(coalesce(y.name, ''))) @@ q.tsq THEN 'name'
             WHEN to_tsvector('simple'::regconfig, rapport_search_words(y.email)) @@ q.tsq THEN 'email'
             ELSE 'name and email' END,
        coalesce((SELECT co.name FROM companies co WHERE co.id = y.company_id), '')
 FROM (SELECT x.*, (lower(coalesce(x.name, '')) IN (q.low, q.fold)) AS exact,
              (lower(coalesce(x.name, '')) LIKE q.low_prefix OR lower(coalesce(x.name, '')) LIKE q.fold_prefix
               OR lower(x.email) LIKE q.low_prefix) AS starts,
              ts_rank(x.search_tsv, q.tsq) AS rank
       FROM (SELECT *, false AS typo FROM ct UNION ALL SELECT *, true FROM ct_typo) x, q
       ORDER BY exact DESC, starts DESC, rank DESC, lower(coalesce(x.name, x.email)), x.id
       LIMIT $2) y, q
 ORDER BY y.exact DESC, y.starts DESC, y.rank DESC, lower(coalesce(y.name, y.email)), y.id)
UNION ALL
(SELECT 'deal', y.id::text, y.title,
        coalesce((SELECT coalesce(nullif(c.name, ''), c.email) FROM contacts c WHERE c.id = y.contact_id), ''),
        CASE WHEN y.typo THEN 'similar title' ELSE 'title' END,
        y.stage
 FROM (SELECT x.*, (lower(x.title) IN (q.low, q.fold)) AS exact,
              (lower(x.title) LIKE q.low_prefix OR lower(x.title) LIKE q.fold_prefix) AS starts,
              ts_rank(x.search_tsv, q.tsq) AS rank
       FROM (SELECT *, false AS typo FROM dl UNION ALL SELECT *, true FROM dl_typo) x, q
       ORDER BY exact DESC, starts DESC, rank DESC, lower(x.title), x.id
       LIMIT $2) y
 ORDER BY y.exact DESC, y.starts DESC, y.rank DESC, lower(y.title), y.id)`

// SearchHit is one result of the global search.
type SearchHit struct {
	Kind   string `db:"kind"` // company, contact, deal (or ticket, from the desk's hook)
	ID     string `db:"id"`
	Title  string `db:"title"`  // the name or title
	Detail string `db:"detail"` // domain, email, or the deal's contact
	// Field says why it matched: name, domain, email, title, "name and email", or
	// "similar name" (the typo fallback); the snippet is the field's value.
	Field string `db:"field"`
	Extra string `db:"extra"` // a contact's company, a deal's stage
}

// Snippet is the value of the field that matched.
func (h SearchHit) Snippet() string {
	switch h.Field {
	case "domain", "email", "message": // a ticket's hit: the matching text of its thread
		return h.Detail
	case "name and domain", "name and email":
		return h.Title + " · " + h.Detail
	}
	return h.Title
}

// SearchOptions say what a search covers.
type SearchOptions struct {
	Deals bool   // the viewer may read deals (sales and admins)
	Only  string // "" every group; "company", "contact" or "deal" for one (the pickers)
	Limit int    // rows per group
}

// Search runs the global search: up to o.Limit hits per group, best first, grouped in
// the order companies, contacts, deals. Every rep reads every CRM record, so nothing
// is scoped by owner; deals only for viewers who may read them (agents may not).
func Search(ctx context.Context, q db.Querier, query string, o SearchOptions) ([]SearchHit, error) {
	if strings.TrimSpace(query) == "" {
		return nil, nil
	}
	rows, err := q.Query(ctx, searchSQL, query, o.Limit, o.Deals, o.Only)
	if err != nil {
		return nil, db.Translate(err)
	}
	hits, err := pgx.CollectRows(rows, pgx.RowToStructByName[SearchHit])
	return hits, db.Translate(err)
}

// searchFold is rapport_search_fold in Go, for marking the matched words in a snippet:
// lower case without combining marks. (Only the marking uses it; matching is the
// database's.)
func searchFold(s string) string {
	var b strings.Builder
	for _, r := range norm.NFD.String(s) {
		if unicode.Is(unicode.Mn, r) {
			continue
		}
		b.WriteRune(unicode.ToLower(r))
	}
	return b.String()
}

// searchWords are the query's words as searchFold sees them.
func searchWords(q string) []string {
	return strings.FieldsFunc(searchFold(q), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsNumber(r) })
}

// snippetPart is a piece of a snippet; Mark says it starts with a query word.
type snippetPart struct {
	Text string
	Mark bool
}

// markSnippet splits s into runs of word and non-word characters and marks the words
// that start with one of the query's words.
func markSnippet(s string, words []string) []snippetPart {
	var parts []snippetPart
	isWord := func(r rune) bool { return unicode.IsLetter(r) || unicode.IsNumber(r) }
	rs := []rune(s)
	for i := 0; i < len(rs); {
		j := i
		w := isWord(rs[i])
		for j < len(rs) && isWord(rs[j]) == w {
			j++
		}
		text := string(rs[i:j])
		mark := false
		if w {
			f := searchFold(text)
			for _, q := range words {
				if strings.HasPrefix(f, q) {
					mark = true
					break
				}
			}
		}
		if n := len(parts); n > 0 && !mark && !parts[n-1].Mark {
			parts[n-1].Text += text
		} else {
			parts = append(parts, snippetPart{Text: text, Mark: mark})
		}
		i = j
	}
	return parts
}
