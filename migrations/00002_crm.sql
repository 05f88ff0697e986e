-- +goose Up
-- The Sales CRM part of the seed schema, item by item (docs/schema.md, "The seed contract").
-- Foreign keys carry the names drizzle-kit would give them.

CREATE TABLE companies (
    id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    name       text NOT NULL,
    domain     text,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX idx_company_domain ON companies (domain);

CREATE TABLE contacts (
    id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    company_id uuid,
    email      text NOT NULL,
    name       text,
    owner_id   text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT contacts_company_id_companies_id_fk FOREIGN KEY (company_id)
        REFERENCES companies(id) ON DELETE SET NULL,
    CONSTRAINT contacts_owner_id_user_id_fk FOREIGN KEY (owner_id)
        REFERENCES "user"(id) ON DELETE CASCADE
);
CREATE INDEX idx_contact_company ON contacts (company_id);
CREATE INDEX idx_contact_owner ON contacts (owner_id);

CREATE TABLE pipelines (
    id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    name       text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE deals (
    id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    contact_id   uuid NOT NULL,
    pipeline_id  uuid NOT NULL,
    owner_id     text NOT NULL,
    title        text NOT NULL,
    amount_cents bigint NOT NULL DEFAULT 0,
    stage        text NOT NULL DEFAULT 'lead',
    close_date   timestamptz,
    created_at   timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT deals_contact_id_contacts_id_fk FOREIGN KEY (contact_id)
        REFERENCES contacts(id) ON DELETE CASCADE,
    CONSTRAINT deals_pipeline_id_pipelines_id_fk FOREIGN KEY (pipeline_id)
        REFERENCES pipelines(id),
    CONSTRAINT deals_owner_id_user_id_fk FOREIGN KEY (owner_id)
        REFERENCES "user"(id) ON DELETE CASCADE,
    CONSTRAINT deals_stage_check CHECK (stage IN ('lead', 'qualified', 'won', 'lost'))
);
CREATE INDEX idx_deal_stage ON deals (stage);
CREATE INDEX idx_deal_contact ON deals (contact_id);

CREATE TABLE activities (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    deal_id     uuid NOT NULL,
    actor_id    text NOT NULL,
    type        text NOT NULL DEFAULT 'note',
    body        text,
    occurred_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT activities_deal_id_deals_id_fk FOREIGN KEY (deal_id)
        REFERENCES deals(id) ON DELETE CASCADE,
    CONSTRAINT activities_actor_id_user_id_fk FOREIGN KEY (actor_id)
        REFERENCES "user"(id) ON DELETE CASCADE,
    CONSTRAINT activities_type_check CHECK (type IN ('call', 'email', 'note'))
);
CREATE INDEX idx_activity_deal_time ON activities (deal_id, occurred_at);

-- +goose Down
DROP TABLE activities;
DROP TABLE deals;
DROP TABLE pipelines;
DROP TABLE contacts;
DROP TABLE companies;
