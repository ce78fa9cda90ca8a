-- The tables of the SQL baselines of bench/e2e (PostgreSQL and DuckDB
-- read the same statements): the book as the generator writes it and the
-- settlement files as cashmatch_flatten writes them. Filled by load.sql
-- (PostgreSQL) and duckdb/load.sql.
CREATE TABLE customers (customer_id text PRIMARY KEY, name text, aliases text, bank_accounts text,
                        stripe_customer_ids text, parent_id text, tier text);
CREATE TABLE invoices (invoice_id text PRIMARY KEY, number text, customer_id text, currency text,
                       amount_total numeric, amount_open numeric, issue_date date, due_date date,
                       po_number text, billing_model text, usage_status text, disputed_amount numeric,
                       stripe_invoice_id text);
CREATE TABLE customer_accounts (customer_id text, account_fp text);
CREATE TABLE customer_stripe (customer_id text, stripe_customer_id text);
CREATE TABLE payments (payment_id text PRIMARY KEY, amount_minor bigint, currency text, value_date date,
                       payer_name text, payer_account_fp text, bank_reference text, remittance text,
                       ref_numbers text, stripe_customer_id text, stripe_invoice_id text);
CREATE TABLE returns (return_id text, original_payment_id text, original_reference text, amount_minor bigint);
