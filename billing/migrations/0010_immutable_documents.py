"""Finalized invoices, their lines and credit notes are immutable in the database too: PostgreSQL
triggers refuse what the models' guards cannot see (raw SQL, another program). Each row is compared
as JSON minus the columns allowed to change, so a column added later is frozen by default.

SQLite (the embedded profile) has no triggers here: Django empties its tables with DELETE between
transactional tests, which triggers would refuse. The models' and querysets' guards hold there
(billing.models.invoicing, credit_notes)."""

from django.db import migrations

# What a finalized invoice may still change: its payment life (Invoice.MUTABLE_AFTER_FINALIZATION),
# and the references Django nulls when a subscription or user is deleted (on_delete=SET_NULL).
INVOICE_MUTABLE = [
    "status", "amount_paid", "amount_credited", "balance_applied", "paid_at", "voided_at", "uncollectible_at",
    "pdf_file", "issued_notified_at", "overdue_notified_at", "payment_attempts", "last_payment_attempt_at",
    "last_payment_error", "payment_references", "updated_at", "subscription_id", "created_by_id",
]  # fmt: skip
CREDIT_NOTE_MUTABLE = ["pdf_file", "notified_at", "created_by_id"]

POSTGRESQL = """
CREATE OR REPLACE FUNCTION billing_refuse(message text) RETURNS void AS $$
BEGIN
    RAISE EXCEPTION USING MESSAGE = message, ERRCODE = 'integrity_constraint_violation';
END $$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION billing_invoice_frozen() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        IF OLD.status <> 'draft' THEN
            PERFORM billing_refuse('invoice_finalized: invoice ' || OLD.number || ' cannot be deleted');
        END IF;
        RETURN OLD;
    END IF;
    IF OLD.status <> 'draft' AND (
        NEW.status = 'draft'
        OR (to_jsonb(NEW) - '{mutable}'::text[]) IS DISTINCT FROM (to_jsonb(OLD) - '{mutable}'::text[])
    ) THEN
        PERFORM billing_refuse('invoice_finalized: invoice ' || OLD.number || ' cannot be edited');
    END IF;
    RETURN NEW;
END $$ LANGUAGE plpgsql;

CREATE TRIGGER billing_invoice_frozen BEFORE UPDATE OR DELETE ON billing_invoice
    FOR EACH ROW EXECUTE FUNCTION billing_invoice_frozen();

CREATE OR REPLACE FUNCTION billing_invoiceline_frozen() RETURNS trigger AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') AND EXISTS (
        SELECT 1 FROM billing_invoice WHERE id = OLD.invoice_id AND status <> 'draft'
    ) THEN
        PERFORM billing_refuse('invoice_finalized: the lines of a finalized invoice cannot change');
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') AND EXISTS (
        SELECT 1 FROM billing_invoice WHERE id = NEW.invoice_id AND status <> 'draft'
    ) THEN
        PERFORM billing_refuse('invoice_finalized: the lines of a finalized invoice cannot change');
    END IF;
    RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
END $$ LANGUAGE plpgsql;

CREATE TRIGGER billing_invoiceline_frozen BEFORE INSERT OR UPDATE OR DELETE ON billing_invoiceline
    FOR EACH ROW EXECUTE FUNCTION billing_invoiceline_frozen();

CREATE OR REPLACE FUNCTION billing_creditnote_frozen() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        PERFORM billing_refuse('credit_note_issued: credit note ' || OLD.number || ' cannot be deleted');
    ELSIF (to_jsonb(NEW) - '{note_mutable}'::text[]) IS DISTINCT FROM (to_jsonb(OLD) - '{note_mutable}'::text[]) THEN
        PERFORM billing_refuse('credit_note_issued: credit note ' || OLD.number || ' cannot be edited');
    END IF;
    RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
END $$ LANGUAGE plpgsql;

CREATE TRIGGER billing_creditnote_frozen BEFORE UPDATE OR DELETE ON billing_creditnote
    FOR EACH ROW EXECUTE FUNCTION billing_creditnote_frozen();

CREATE OR REPLACE FUNCTION billing_creditnoteline_frozen() RETURNS trigger AS $$
BEGIN
    PERFORM billing_refuse('credit_note_issued: the lines of a credit note cannot change');
    RETURN NULL;
END $$ LANGUAGE plpgsql;

CREATE TRIGGER billing_creditnoteline_frozen BEFORE UPDATE OR DELETE ON billing_creditnoteline
    FOR EACH ROW EXECUTE FUNCTION billing_creditnoteline_frozen();
"""

POSTGRESQL_DROP = """
DROP TRIGGER IF EXISTS billing_creditnoteline_frozen ON billing_creditnoteline;
DROP TRIGGER IF EXISTS billing_creditnote_frozen ON billing_creditnote;
DROP TRIGGER IF EXISTS billing_invoiceline_frozen ON billing_invoiceline;
DROP TRIGGER IF EXISTS billing_invoice_frozen ON billing_invoice;
DROP FUNCTION IF EXISTS billing_creditnoteline_frozen();
DROP FUNCTION IF EXISTS billing_creditnote_frozen();
DROP FUNCTION IF EXISTS billing_invoiceline_frozen();
DROP FUNCTION IF EXISTS billing_invoice_frozen();
DROP FUNCTION IF EXISTS billing_refuse(text);
"""


def create(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(
            POSTGRESQL.replace("{mutable}", "{" + ",".join(INVOICE_MUTABLE) + "}").replace(
                "{note_mutable}", "{" + ",".join(CREDIT_NOTE_MUTABLE) + "}"
            )
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(POSTGRESQL_DROP)


class Migration(migrations.Migration):
    dependencies = [("billing", "0009_numbering_last_date")]

    operations = [migrations.RunPython(create, drop)]
