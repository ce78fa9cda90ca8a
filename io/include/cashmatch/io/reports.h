// File: cashmatch/io/reports.h
//
// The reports an AR team uses (`cashmatch report …`), each written as a
// table, JSON (an array of objects) or CSV.
//
// Tables are for people: aligned columns no wider than kTableWidthMax,
// amounts with thousands separators, long fields cut with "…", control
// characters shown escaped, customer names beside their ids. Some columns
// (signals, batch ids) appear only in JSON and CSV, which always carry every
// field whole. JSON is shaped like `export`: amounts as exact decimal
// strings, counts and scores as numbers, signals as arrays, null for none. They stream: rows are written
// as the ledger is scanned, grouped through the ledger's customer-prefixed
// indexes, so memory does not grow with the ledger (dso/cei keep one entry
// per invoice settled inside the period, nothing more).
#pragma once

#include <cstdio>
#include <string>
#include <string_view>

#include "cashmatch/engine/date.h"
#include "cashmatch/io/ledger.h"

namespace cashmatch::io {

enum class ReportFormat { kTable, kJson, kCsv };
bool ParseReportFormat(std::string_view text, ReportFormat* out);

// Table formatting, exposed for tests.
inline constexpr size_t kTableWidthMax = 120;
// "-1234567.50" -> "-1,234,567.50": groups of three in the integer part.
std::string GroupThousands(std::string_view amount);
// Control characters made visible: newline as \n, carriage return as \r,
// tab as \t, any other (and DEL) as \xNN; everything else as it was.
std::string EscapeControls(std::string_view text);
// Cut to at most `width` characters (UTF-8 code points), the last one "…"
// when anything was cut.
std::string Truncate(std::string_view text, size_t width);
// The display width of UTF-8 text: its code points.
size_t DisplayWidth(std::string_view text);

// Counts and totals per currency.
Status ReportSummary(const Ledger& ledger, ReportFormat format, std::FILE* out);

// Open amount per bucket of days past due at `as_of` (current, 1–30,
// 31–60, 61–90, 90+), per customer and currency, then per currency overall
// (customer "ALL").
Status ReportAging(const Ledger& ledger, Date as_of, ReportFormat format, std::FILE* out);

// Cash on account (unapplied) per customer and currency, then overall.
Status ReportUnapplied(const Ledger& ledger, ReportFormat format, std::FILE* out);

// The review queue: every exception, per currency highest amount first,
// with its reason, detail and signals.
Status ReportExceptions(const Ledger& ledger, ReportFormat format, std::FILE* out);

// The audit trail of one invoice, payment or customer: its current state,
// then every event that touched it with batch, rule, score and signals.
Status ReportTrail(const Ledger& ledger, Subject subject, const std::string& id, ReportFormat format, std::FILE* out);

// Days sales outstanding and collection effectiveness over [from, to], per
// currency. With AR(t) = open amount at the end of day t of invoices issued
// on or before t (today's open amount plus what was settled by payments
// valued after t):
//   DSO = AR(to) / sales * days,  sales = total of invoices issued in [from, to],
//         days = to - from + 1
//   CEI = (AR(from-1) + sales - AR(to)) / (AR(from-1) + sales - current AR(to)) * 100,
//         current AR(to) = the part of AR(to) not yet due at `to`.
Status ReportDsoCei(const Ledger& ledger, Date from, Date to, ReportFormat format, std::FILE* out);

}  // namespace cashmatch::io
