-- +goose Up
-- Tags on tickets and full-text search over tickets (issue 13).

-- A tag is a normalised name (trimmed, lower case, NFC, at most 50 characters, no comma
-- or control character: desk.NormalizeTag), stored once; tickets point at it by id, so
-- renaming a tag is one row and merging two is moving their links.
CREATE TABLE tags (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name       text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT tags_name_unique UNIQUE (name),
    CONSTRAINT tags_name_check CHECK (
        name <> '' AND char_length(name) <= 50 AND name = lower(name) AND name = btrim(name)
        AND position(',' IN name) = 0 AND name !~ '[[:cntrl:]]')
);

CREATE TABLE ticket_tags (
    ticket_id  uuid NOT NULL,
    tag_id     bigint NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT ticket_tags_pkey PRIMARY KEY (ticket_id, tag_id),
    CONSTRAINT ticket_tags_ticket_id_tickets_id_fk FOREIGN KEY (ticket_id)
        REFERENCES tickets(id) ON DELETE CASCADE,
    CONSTRAINT ticket_tags_tag_id_tags_id_fk FOREIGN KEY (tag_id)
        REFERENCES tags(id) ON DELETE CASCADE
);
-- The queue's tag filter and the counts by tag start from the tag.
CREATE INDEX ticket_tags_tag_idx ON ticket_tags (tag_id, ticket_id);

-- Search. The 'simple' configuration (lower case, no stemming, no stop words): tickets
-- come in several languages, and what agents look for is often a name, an error code
-- or an order number that an English stemmer would mangle; a search finds the word as
-- written. Bodies are cut at 100k characters for the index (a tsvector holds at most
-- 1 MB; the desk caps messages at 20k, mail in may be longer).
ALTER TABLE ticket_messages
    ADD COLUMN search_tsv tsvector GENERATED ALWAYS AS (to_tsvector('simple'::regconfig, left(body, 100000))) STORED;
CREATE INDEX ticket_messages_search_idx ON ticket_messages USING gin (search_tsv);
-- Common words: the search reads the newest matching messages first and stops at a cap.
CREATE INDEX ticket_messages_created_idx ON ticket_messages (created_at);

ALTER TABLE tickets
    ADD COLUMN subject_tsv tsvector GENERATED ALWAYS AS (setweight(to_tsvector('simple'::regconfig, subject), 'A')) STORED;
CREATE INDEX tickets_subject_search_idx ON tickets USING gin (subject_tsv);

-- +goose Down
DROP INDEX tickets_subject_search_idx;
ALTER TABLE tickets DROP COLUMN subject_tsv;
DROP INDEX ticket_messages_created_idx;
DROP INDEX ticket_messages_search_idx;
ALTER TABLE ticket_messages DROP COLUMN search_tsv;
DROP TABLE ticket_tags;
DROP TABLE tags;
