-- +goose Up
-- Merging duplicates (issue 11, part 3). A merge moves everything that references the
-- loser (a contact's deals and planned activities, a company's contacts) to the
-- survivor, writes the survivor's chosen values, and deletes the loser; crm_merges
-- remembers where the loser went, so its old URL redirects to the survivor (a later
-- merge of the survivor repoints the earlier rows: one hop, always). The loser's values
-- are kept here as they were, for the record (the audit log has them too).
-- Deleting rather than flagging the loser (a merged_into column) keeps every existing
-- list, picker, import match and unique index (contacts by email, companies by domain)
-- correct without a filter in each.
CREATE TABLE crm_merges (
    loser_id    uuid PRIMARY KEY,
    kind        text NOT NULL,
    survivor_id uuid NOT NULL,
    loser       jsonb NOT NULL,
    merged_by   text NOT NULL,
    merged_at   timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT crm_merges_kind_check CHECK (kind IN ('contact', 'company')),
    CONSTRAINT crm_merges_self_check CHECK (loser_id <> survivor_id)
);
CREATE INDEX crm_merges_survivor_idx ON crm_merges (survivor_id);

-- The duplicates page: companies whose domains differ only in their ending
-- (acme.com, acme.io), and the same name whatever its case (companies_name_idx).
CREATE INDEX companies_domain_label_idx ON companies (split_part(domain, '.', 1)) WHERE domain IS NOT NULL;

-- +goose Down
DROP INDEX companies_domain_label_idx;
DROP TABLE crm_merges;
