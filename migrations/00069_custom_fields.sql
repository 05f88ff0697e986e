-- +goose Up
-- Issue 11, part 2: fields an admin adds to companies, contacts and deals, and their
-- values, one row per record and field, in a typed column by the field's kind:
--   value_text    text, long_text, url, email, phone, choice (the chosen label)
--   value_num     number, money
--   value_date    date
--   value_bool    yes/no
--   value_choices multiple choice
-- Each typed column has an index led by the field, so a list filtered on a field reads
-- only that field's matching values.

CREATE TABLE custom_fields (
    id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    entity     text NOT NULL,
    kind       text NOT NULL,
    label      text NOT NULL,
    required   boolean NOT NULL DEFAULT false,
    position   integer NOT NULL DEFAULT 0,
    choices    text[] NOT NULL DEFAULT '{}',
    version    integer NOT NULL DEFAULT 1,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT custom_fields_entity_check CHECK (entity IN ('company', 'contact', 'deal')),
    CONSTRAINT custom_fields_kind_check CHECK (kind IN ('text', 'long_text', 'number', 'money', 'date',
        'bool', 'choice', 'choices', 'url', 'email', 'phone')),
    CONSTRAINT custom_fields_sizes_check CHECK (
        length(label) BETWEEN 1 AND 200 AND cardinality(choices) <= 200 AND position BETWEEN 0 AND 100000)
);
CREATE INDEX custom_fields_entity_idx ON custom_fields (entity, position, id);
-- An import maps its columns to fields by label: one label per entity, in any case.
CREATE UNIQUE INDEX custom_fields_label_unique ON custom_fields (entity, lower(label));

CREATE TABLE custom_values (
    field_id      uuid NOT NULL REFERENCES custom_fields(id) ON DELETE CASCADE,
    record_id     uuid NOT NULL,
    value_text    text,
    value_num     numeric,
    value_date    date,
    value_bool    boolean,
    value_choices text[],
    PRIMARY KEY (record_id, field_id),
    CONSTRAINT custom_values_sizes_check CHECK (length(value_text) <= 20000 AND cardinality(value_choices) <= 200)
);
-- The text index holds a value's first 200 characters, lower-cased (a long text may exceed
-- a btree entry); a filter compares them, then the whole value.
CREATE INDEX custom_values_text_idx ON custom_values (field_id, left(lower(value_text), 200)) WHERE value_text IS NOT NULL;
CREATE INDEX custom_values_num_idx ON custom_values (field_id, value_num) WHERE value_num IS NOT NULL;
CREATE INDEX custom_values_date_idx ON custom_values (field_id, value_date) WHERE value_date IS NOT NULL;
CREATE INDEX custom_values_bool_idx ON custom_values (field_id, value_bool) WHERE value_bool IS NOT NULL;
CREATE INDEX custom_values_choices_idx ON custom_values USING gin (value_choices) WHERE value_choices IS NOT NULL;
-- One table holds every field's values: without statistics over (field, value) the
-- planner multiplies a field's share by a value's share across all fields, and guesses
-- a handful of rows where half the records match.
CREATE STATISTICS custom_values_bool_stats (mcv) ON field_id, value_bool FROM custom_values;
CREATE STATISTICS custom_values_text_stats (mcv) ON field_id, value_text FROM custom_values;
CREATE STATISTICS custom_values_num_stats (mcv) ON field_id, value_num FROM custom_values;

-- +goose Down
DROP TABLE custom_values;
DROP TABLE custom_fields;
