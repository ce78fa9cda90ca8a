-- The DuckDB baseline of bench/e2e, step 2: ../match.sql in DuckDB's
-- dialect, the same rules step by step. What differs is spelling only:
--   regexp_matches(.., 'g') / string_to_array  ->  regexp_extract_all / string_split, unnested;
--   (x * 100)::bigint                          ->  CAST(x * 100 AS BIGINT) (numeric rounds in both);
--   the join of a reference to an invoice "by number OR by Stripe id" is
--   written as two equi-joins: each reference row has only one of the two
--   (the other is NULL, and NULL never compares equal), so the rows are the
--   same, and DuckDB hashes equi-joins where an OR would loop over pairs.
--
-- 1. Exact reference (see ../match.sql).
CREATE TABLE refs AS
  SELECT DISTINCT payment_id, number FROM (
    SELECT payment_id, unnest(regexp_extract_all(remittance, 'INV-\d{4}-\d{6}')) AS number FROM payments
    UNION ALL
    SELECT payment_id, unnest(string_split(ref_numbers, '|')) FROM payments WHERE ref_numbers <> ''
  ) r;

CREATE TABLE ref_candidates AS
  SELECT DISTINCT h.payment_id, i.invoice_id, CAST(i.amount_open * 100 AS BIGINT) AS open_minor,
         i.currency = p.currency AND i.usage_status = 'final' AND coalesce(i.disputed_amount, 0) = 0
           AND i.amount_open > 0 AS usable
    FROM (SELECT r.payment_id, i.invoice_id FROM refs r LEFT JOIN invoices i ON i.number = r.number
          UNION ALL
          SELECT s.payment_id, i.invoice_id
            FROM payments s LEFT JOIN invoices i ON i.stripe_invoice_id = s.stripe_invoice_id
           WHERE s.stripe_invoice_id <> '') h
    JOIN payments p ON p.payment_id = h.payment_id
    LEFT JOIN invoices i ON i.invoice_id = h.invoice_id;

CREATE TABLE ref_match AS
  SELECT c.payment_id, c.invoice_id, c.open_minor AS amount_minor
    FROM ref_candidates c
   WHERE c.payment_id IN (
           SELECT c2.payment_id FROM ref_candidates c2 JOIN payments p2 ON p2.payment_id = c2.payment_id
            GROUP BY c2.payment_id, p2.amount_minor
           HAVING bool_and(c2.invoice_id IS NOT NULL AND c2.usable) AND sum(c2.open_minor) = p2.amount_minor);

-- 2. Exact amount per identified customer (see ../match.sql).
CREATE TABLE identified AS
  SELECT DISTINCT ON (p.payment_id) p.payment_id, p.amount_minor, p.currency,
         coalesce(a.customer_id, s.customer_id) AS customer_id
    FROM payments p
    LEFT JOIN customer_accounts a ON p.payer_account_fp <> '' AND a.account_fp = p.payer_account_fp
    LEFT JOIN customer_stripe s ON p.stripe_customer_id <> '' AND s.stripe_customer_id = p.stripe_customer_id
   WHERE coalesce(a.customer_id, s.customer_id) IS NOT NULL
     AND NOT EXISTS (SELECT 1 FROM ref_match m WHERE m.payment_id = p.payment_id)
   ORDER BY p.payment_id, 4;

CREATE TABLE amount_match AS
  SELECT x.payment_id, min(i.invoice_id) AS invoice_id, x.amount_minor
    FROM identified x
    JOIN invoices i ON i.customer_id = x.customer_id AND CAST(i.amount_open * 100 AS BIGINT) = x.amount_minor
                   AND i.currency = x.currency AND i.usage_status = 'final' AND coalesce(i.disputed_amount, 0) = 0
   WHERE NOT EXISTS (SELECT 1 FROM ref_match m WHERE m.invoice_id = i.invoice_id)
   GROUP BY x.payment_id, x.amount_minor
  HAVING count(*) = 1;

-- 3. Returns take back what the returned payment settled.
CREATE TABLE returned AS
  SELECT DISTINCT coalesce(nullif(r.original_payment_id, ''), p.payment_id) AS payment_id
    FROM returns r LEFT JOIN payments p ON r.original_reference <> '' AND p.bank_reference = r.original_reference;

-- One invoice is settled by one payment at most: the first payment id wins.
CREATE TABLE allocations AS
  SELECT DISTINCT ON (invoice_id) payment_id, invoice_id, amount_minor
    FROM (SELECT * FROM ref_match UNION ALL SELECT * FROM amount_match) a
   WHERE NOT EXISTS (SELECT 1 FROM returned r WHERE r.payment_id = a.payment_id)
   ORDER BY invoice_id, payment_id;
