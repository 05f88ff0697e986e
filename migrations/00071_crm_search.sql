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
CREATE FUNCTION rapport_search_fold(t text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
    RETURN lower(public.unaccent('public.unaccent'::regdictionary, t));

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
    setweight(to_tsvector('simple'::regconfig, rapport_search_words(email)), 'B')) STORED;
ALTER TABLE deals ADD COLUMN search_tsv tsvector GENERATED ALWAYS AS (
    setweight(to_tsvector('simple'::regconfig, rapport_search_words(title)), 'A')) STORED;

CREATE INDEX companies_search_tsv_idx ON companies USING gin (search_tsv);
CREATE INDEX contacts_search_tsv_idx ON contacts USING gin (search_tsv);
CREATE INDEX deals_search_tsv_idx ON deals USING gin (search_tsv);

-- The typo fallback (no word matched): trigram similarity of the folded name, and the
-- duplicates page's "similar name" (internal/crm duplicate_list.go).
CREATE INDEX companies_name_fold_trgm_idx ON companies USING gin (rapport_search_fold(name) gin_trgm_ops);
CREATE INDEX contacts_name_fold_trgm_idx ON contacts USING gin (rapport_search_fold(coalesce(name, '')) gin_trgm_ops);
CREATE INDEX deals_title_fold_trgm_idx ON deals USING gin (rapport_search_fold(title) gin_trgm_ops);

-- +goose Down
DROP INDEX deals_title_fold_trgm_idx;
DROP INDEX contacts_name_fold_trgm_idx;
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
