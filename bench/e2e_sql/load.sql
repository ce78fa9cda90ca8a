-- The PostgreSQL baseline of bench/e2e, step 1: the book and the payments,
-- loaded with COPY from the generator's CSVs and cashmatch_flatten's.
-- psql variable :dir is the directory holding both sets of files.
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

\set customers_csv :dir '/customers.csv'
\set invoices_csv :dir '/invoices.csv'
\set accounts_csv :dir '/flat/customer_accounts.csv'
\set stripe_csv :dir '/flat/customer_stripe.csv'
\set payments_csv :dir '/flat/payments.csv'
\set returns_csv :dir '/flat/returns.csv'
COPY customers FROM :'customers_csv' (FORMAT csv, HEADER true);
COPY invoices FROM :'invoices_csv' (FORMAT csv, HEADER true);
COPY customer_accounts FROM :'accounts_csv' (FORMAT csv, HEADER true);
COPY customer_stripe FROM :'stripe_csv' (FORMAT csv, HEADER true);
COPY payments FROM :'payments_csv' (FORMAT csv, HEADER true);
COPY returns FROM :'returns_csv' (FORMAT csv, HEADER true);

CREATE INDEX ON invoices (number);
CREATE INDEX ON invoices (stripe_invoice_id);
CREATE INDEX ON invoices (customer_id, ((amount_open * 100)::bigint));
CREATE INDEX ON customer_accounts (account_fp);
CREATE INDEX ON customer_stripe (stripe_customer_id);
CREATE INDEX ON payments (bank_reference);
ANALYZE;
