-- The PostgreSQL baseline of bench/e2e, step 1: the book and the payments,
-- loaded with COPY from the generator's CSVs and cashmatch_flatten's into
-- the tables of schema.sql.
-- psql variable :dir is the directory holding both sets of files.
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
