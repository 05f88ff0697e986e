-- +goose Up
-- The notifications people expect (issue 17), each one a user can turn off on their
-- account page: a customer's receipt when a ticket of theirs is opened, an agent's email
-- when a ticket is assigned to them, and the team's email of a new unassigned ticket.
-- A receipt is an automatic answer: the outbox marks it (Auto-Submitted: auto-replied,
-- RFC 3834) so the recipient's autoresponder does not answer it.
ALTER TABLE "user"
    ADD COLUMN notify_receipt boolean NOT NULL DEFAULT true,
    ADD COLUMN notify_assigned boolean NOT NULL DEFAULT true,
    ADD COLUMN notify_new_tickets boolean NOT NULL DEFAULT true;
ALTER TABLE mail_outbox ADD COLUMN auto_submitted boolean NOT NULL DEFAULT false;

-- +goose Down
ALTER TABLE mail_outbox DROP COLUMN auto_submitted;
ALTER TABLE "user" DROP COLUMN notify_new_tickets, DROP COLUMN notify_assigned, DROP COLUMN notify_receipt;
