-- The DuckDB baseline of bench/e2e, step 1: the tables of ../schema.sql
-- (run.mjs creates them first) filled from the same CSVs as ../load.sql.
-- {dir} is replaced by run.mjs with the directory holding the generator's
-- and cashmatch_flatten's files.
-- No indexes: DuckDB joins by hashing and would not use them (PostgreSQL's
-- indexes are part of its load because its plans do).
COPY customers FROM '{dir}/customers.csv' (FORMAT csv, HEADER true);
COPY invoices FROM '{dir}/invoices.csv' (FORMAT csv, HEADER true);
COPY customer_accounts FROM '{dir}/flat/customer_accounts.csv' (FORMAT csv, HEADER true);
COPY customer_stripe FROM '{dir}/flat/customer_stripe.csv' (FORMAT csv, HEADER true);
COPY payments FROM '{dir}/flat/payments.csv' (FORMAT csv, HEADER true);
COPY returns FROM '{dir}/flat/returns.csv' (FORMAT csv, HEADER true);
