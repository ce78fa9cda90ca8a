// The DuckDB baseline of bench/e2e: the tables of ../schema.sql, filled
// and matched as ../load.sql and ../match.sql do (here in DuckDB's
// dialect: load.sql, match.sql), on an in-memory DuckDB through its native
// library as npm's @duckdb/node-api ships it (installed by
// `tools/install-deps --bench` under build/duckdb; DUCKDB_PREFIX names
// another npm prefix holding it).
//
// Usage: node run.mjs PORTFOLIO_DIR ALLOCATIONS_CSV
//   PORTFOLIO_DIR: the generator's customers.csv and invoices.csv, and
//   cashmatch_flatten's files in PORTFOLIO_DIR/flat.
// Writes the allocations in the shape `cashmatch eval --allocations` reads
// and prints on stdout, as one JSON line, the wall seconds of each step:
//   {"open_s":..,"load_s":..,"match_s":..,"export_s":..,"duckdb":"v1.x"}
// open: instance and connection; load: the tables created and filled by
// COPY from the CSVs; match: the match SQL; export: the allocations written.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const [dir, out] = process.argv.slice(2);
if (!dir || !out) {
  console.error('usage: node run.mjs PORTFOLIO_DIR ALLOCATIONS_CSV');
  process.exit(2);
}
const prefix = resolve(process.env.DUCKDB_PREFIX || join(here, '../../../build/duckdb'));
const require = createRequire(join(prefix, 'package.json'));
const { DuckDBInstance } = require('@duckdb/node-api');

// SQL string literals: a path is quoted, its quotes doubled.
const literal = (path) => resolve(path).replaceAll("'", "''");
const sql = (name, vars) => {
  let text = readFileSync(join(here, name), 'utf8');
  for (const [key, value] of Object.entries(vars)) text = text.replaceAll(`{${key}}`, literal(value));
  return text;
};

const seconds = (start) => Number(process.hrtime.bigint() - start) / 1e9;
let start = process.hrtime.bigint();
const instance = await DuckDBInstance.create(':memory:');
const connection = await instance.connect();
const times = { open_s: seconds(start) };
const steps = [
  ['load_s', sql('../schema.sql', {}) + sql('load.sql', { dir })],
  ['match_s', sql('match.sql', {})],
  ['export_s', sql('export.sql', { out })],
];
for (const [name, text] of steps) {
  start = process.hrtime.bigint();
  await connection.run(text);
  times[name] = seconds(start);
}
const version = await connection.runAndReadAll('SELECT version()');
times.duckdb = String(version.getRows()[0][0]);
connection.closeSync();
instance.closeSync();
console.log(JSON.stringify(times));
