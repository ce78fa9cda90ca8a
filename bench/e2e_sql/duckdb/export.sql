-- The DuckDB baseline of bench/e2e, step 3: the allocations in the shape
-- `cashmatch eval --allocations` reads, as bench/e2e exports PostgreSQL's
-- (payments with no allocation as one row with an empty invoice id).
-- {out} is replaced by run.mjs.
COPY (SELECT payment_id, invoice_id, amount_minor FROM allocations
      UNION ALL
      SELECT payment_id, '', 0 FROM payments p
       WHERE NOT EXISTS (SELECT 1 FROM allocations a WHERE a.payment_id = p.payment_id)
      ORDER BY 1, 2) TO '{out}' (FORMAT csv, HEADER true);
