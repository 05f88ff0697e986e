-- +goose Up
-- Issue 11, part 0: the fields every CRM has. Additive only: the seeds' columns stay.

ALTER TABLE contacts
    ADD COLUMN job_title text,
    ADD COLUMN notes     text,
    ADD COLUMN street    text,
    ADD COLUMN city      text,
    ADD COLUMN postcode  text,
    ADD COLUMN region    text,
    ADD COLUMN country   text,
    ADD CONSTRAINT contacts_builtin_sizes_check CHECK (
        length(job_title) <= 200 AND length(notes) <= 20000 AND length(street) <= 500
        AND length(city) <= 200 AND length(postcode) <= 40 AND length(region) <= 200 AND length(country) <= 200);

-- A contact's phone numbers, in the order the form lists them: the number as typed and
-- its digits alone (for search and duplicate finding).
CREATE TABLE contact_phones (
    contact_id uuid NOT NULL REFERENCES contacts(id) ON DELETE CASCADE,
    position   smallint NOT NULL,
    kind       text NOT NULL,
    number     text NOT NULL,
    digits     text NOT NULL,
    PRIMARY KEY (contact_id, position),
    CONSTRAINT contact_phones_kind_check CHECK (kind IN ('work', 'mobile', 'other')),
    CONSTRAINT contact_phones_sizes_check CHECK (
        position BETWEEN 0 AND 9 AND length(number) <= 40 AND digits ~ '^[0-9]{3,20}$')
);
CREATE INDEX contact_phones_digits_idx ON contact_phones (digits);

ALTER TABLE companies
    ADD COLUMN website      text,
    ADD COLUMN phone        text,
    ADD COLUMN phone_digits text,
    ADD COLUMN street       text,
    ADD COLUMN city         text,
    ADD COLUMN postcode     text,
    ADD COLUMN region       text,
    ADD COLUMN country      text,
    ADD COLUMN industry     text,
    ADD COLUMN size         text,
    ADD CONSTRAINT companies_size_check CHECK (
        size IN ('1-10', '11-50', '51-200', '201-500', '501-1000', '1001-5000', '5001+')),
    ADD CONSTRAINT companies_builtin_sizes_check CHECK (
        length(website) <= 2048 AND length(phone) <= 40 AND phone_digits ~ '^[0-9]{3,20}$'
        AND length(street) <= 500 AND length(city) <= 200 AND length(postcode) <= 40
        AND length(region) <= 200 AND length(country) <= 200 AND length(industry) <= 200);
CREATE INDEX companies_phone_digits_idx ON companies (phone_digits) WHERE phone_digits IS NOT NULL;

-- +goose Down
DROP INDEX companies_phone_digits_idx;
ALTER TABLE companies
    DROP CONSTRAINT companies_builtin_sizes_check,
    DROP CONSTRAINT companies_size_check,
    DROP COLUMN size, DROP COLUMN industry, DROP COLUMN country, DROP COLUMN region,
    DROP COLUMN postcode, DROP COLUMN city, DROP COLUMN street, DROP COLUMN phone_digits,
    DROP COLUMN phone, DROP COLUMN website;
DROP TABLE contact_phones;
ALTER TABLE contacts
    DROP CONSTRAINT contacts_builtin_sizes_check,
    DROP COLUMN country, DROP COLUMN region, DROP COLUMN postcode, DROP COLUMN city,
    DROP COLUMN street, DROP COLUMN notes, DROP COLUMN job_title;
