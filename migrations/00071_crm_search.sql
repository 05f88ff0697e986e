-- +goose Up
-- Global search (issue 11): one box across companies, contacts and deals. Each table
-- gets a generated tsvector of its searchable text, folded (accents and case do not
-- matter) and split into words at every character that is not a letter or a digit (so
-- "jane.doe@acme.com" is the words jane, doe, acme, com, and "acm" finds it by
-- prefix), with a GIN index; and a trigram index over the folded name, for the typo
-- fallback. unaccent and pg_trgm are trusted extensions (a database owner may create
-- them; Neon has both).
CREATE EXTENSION IF NOT EXISTS unaccent SCHEMA public;
CREATE EXTENSION IF NOT EXISTS pg_trgm;

-- The folding: lower case without accents. unaccent() is only STABLE (it reads its
-- dictionary by name through search_path); naming the dictionary and the function by
-- schema makes this wrapper safe to declare IMMUTABLE, as generated columns require.
-- ASCII text (most names, every ordinary email) has no accents: it skips unaccent, which
-- costs several microseconds a row (a 50k-contact import computes it 50k times).
CREATE FUNCTION rapport_search_fold(t text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
    RETURN CASE WHEN octet_length(t) = char_length(t) THEN lower(t)
                ELSE lower(public.unaccent('public.unaccent'::regdictionary, t)) END;

-- The words of a value: folded, every run of characters that are not letters or
-- digits made one space. The query is split by the same function (internal/crm
-- search_query.go), so the two always agree.
CREATE FUNCTION rapport_search_words(t text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
    RETURN btrim(regexp_replace(rapport_search_fold(t), '[^[:alnum:]]+', ' ', 'g'));

-- Weights: A the name or title, B the email or domain.
ALTER TABLE companies ADD COLUMN search_tsv tsvector GENERATED ALWAYS AS (
    setweight(to_tsvector('simple'::regconfig, rapport_search_words(name)), 'A') ||
    setweight(to_tsvector('simple'::regconfig, rapport_search_words(coalesce(domain, ''))), 'B')) STORED;
ALTER TABLE contacts ADD COLUMN search_tsv tsvector GENERATED ALWAYS AS (
    setweight(to_tsvector('simple'::regconfig, rapport_search_words(coalesce(name, ''))), 'A') ||
    -- An email is ASCII but for rare international ones: lower() splits it as the
    -- query's folding does, at a fraction of unaccent's cost per row (imports of 50k
    -- contacts run within a request's time limit).
    setweight(to_tsvector('simple'::regconfig, btrim(regexp_replace(lower(email), '[^[:alnum:]]+', ' ', 'g'))), 'B')) STORED;
ALTER TABLE deals ADD COLUMN search_tsv tsvector GENERATED ALWAYS AS (
    setweight(to_tsvector('simple'::regconfig, rapport_search_words(title)), 'A')) STORED;

CREATE INDEX companies_search_tsv_idx ON companies USING gin (search_tsv);
-- A bulk insert (an import of 50k contacts) appends to the index's pending list, which
-- a larger limit than the 4 MB default lets autovacuum merge later instead of the
-- import's own request (measured: the 50k import ran out of its 10 s with the default).
CREATE INDEX contacts_search_tsv_idx ON contacts USING gin (search_tsv) WITH (gin_pending_list_limit = 32768);
CREATE INDEX deals_search_tsv_idx ON deals USING gin (search_tsv);

-- The typo fallback (no word matched): trigram similarity of the folded name.
CREATE INDEX companies_name_fold_trgm_idx ON companies USING gin (rapport_search_fold(name) gin_trgm_ops);
-- Contacts' typo fallback reads 00006's contacts_search_idx (trigrams of name and email,
-- by word similarity): one trigram index fewer to keep up on every contact insert.
CREATE INDEX deals_title_fold_trgm_idx ON deals USING gin (rapport_search_fold(title) gin_trgm_ops);

-- +goose Down
DROP INDEX deals_title_fold_trgm_idx;
DROP INDEX companies_name_fold_trgm_idx;
DROP INDEX deals_search_tsv_idx;
DROP INDEX contacts_search_tsv_idx;
DROP INDEX companies_search_tsv_idx;
ALTER TABLE deals DROP COLUMN search_tsv;
ALTER TABLE contacts DROP COLUMN search_tsv;
ALTER TABLE companies DROP COLUMN search_tsv;
DROP FUNCTION rapport_search_words(text);
DROP FUNCTION rapport_search_fold(text);
DROP EXTENSION IF EXISTS unaccent;
