#include "cashmatch/io/reports.h"

#include <cassert>
#include <map>
#include <unordered_map>
#include <vector>

#include "cashmatch/engine/money.h"
#include "cashmatch/io/export.h"

namespace cashmatch::io {
namespace {

// How a column's cells are written in JSON (and shown in tables).
enum class Kind {
  kText,    // JSON string, null when empty
  kAmount,  // JSON string (exact decimal); tables group thousands
  kNumber,  // JSON number as written, null when empty
  kList,    // JSON array, null when empty; CSV joins with ';'
};

struct Column {
  const char* name;  // JSON key and CSV header
  int width;         // table: negative left-aligned, 0 not in the table
  Kind kind = Kind::kText;
  const char* label = nullptr;  // table header, when narrower than `name`
};

// One cell: text, or a list (signals).
struct Cell {
  Cell(std::string t) : text(std::move(t)) {}               // NOLINT: implicit by design
  Cell(const char* t) : text(t) {}                          // NOLINT
  Cell(std::vector<std::string> l) : list(std::move(l)) {}  // NOLINT
  std::string text;
  std::vector<std::string> list;
};

std::string JoinList(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& s : items) {
    if (!out.empty()) out.push_back(';');
    out += s;
  }
  return out;
}

// Writes rows as they come, in one of the three formats.
class RowWriter {
 public:
  RowWriter(ReportFormat format, std::FILE* out, std::vector<Column> columns)
      : format_(format), out_(out), columns_(std::move(columns)) {
    if (format_ == ReportFormat::kJson) {
      std::fputs("[", out_);
      return;
    }
    std::vector<Cell> names;
    size_t table_width = 0;
    for (const Column& c : columns_) {
      const bool labelled = format_ == ReportFormat::kTable && c.label != nullptr;
      names.emplace_back(labelled ? c.label : c.name);
      if (c.width != 0) table_width += static_cast<size_t>(c.width < 0 ? -c.width : c.width) + 1;
    }
    // Every table fits a 120-column terminal: the widths are chosen so.
    assert(table_width <= kTableWidthMax + 1);
    Line(names, /*header=*/true);
  }

  void Row(const std::vector<Cell>& cells) {
    assert(cells.size() == columns_.size());
    if (format_ != ReportFormat::kJson) {
      Line(cells, /*header=*/false);
      return;
    }
    std::string obj = rows_ == 0 ? "\n{" : ",\n{";
    for (size_t i = 0; i < cells.size(); ++i) {
      if (i > 0) obj.push_back(',');
      AppendJsonString(&obj, columns_[i].name);
      obj.push_back(':');
      JsonValue(columns_[i].kind, cells[i], &obj);
    }
    obj.push_back('}');
    std::fputs(obj.c_str(), out_);
    ++rows_;
  }

  void Finish() {
    if (format_ == ReportFormat::kJson) std::fputs(rows_ == 0 ? "]\n" : "\n]\n", out_);
  }

 private:
  static void JsonValue(Kind kind, const Cell& cell, std::string* out) {
    if (kind == Kind::kList) {
      if (cell.list.empty()) {
        out->append("null");
        return;
      }
      out->push_back('[');
      for (size_t k = 0; k < cell.list.size(); ++k) {
        if (k > 0) out->push_back(',');
        AppendJsonString(out, cell.list[k]);
      }
      out->push_back(']');
    } else if (cell.text.empty()) {
      out->append("null");
    } else if (kind == Kind::kNumber) {
      out->append(cell.text);
    } else {
      AppendJsonString(out, cell.text);
    }
  }

  void Line(const std::vector<Cell>& cells, bool header) {
    std::string line;
    for (size_t i = 0; i < cells.size(); ++i) {
      const Column& col = columns_[i];
      const std::string& text = col.kind == Kind::kList ? JoinList(cells[i].list) : cells[i].text;
      if (format_ == ReportFormat::kCsv) {
        if (i > 0) line.push_back(',');
        line += CsvField(text);
        continue;
      }
      if (col.width == 0) continue;
      if (!line.empty()) line.push_back(' ');
      line += TableCell(col, text, header);
    }
    while (format_ == ReportFormat::kTable && !line.empty() && line.back() == ' ') line.pop_back();
    line.push_back('\n');
    std::fputs(line.c_str(), out_);
  }

  // Escaped, cut to the column (numbers are never cut: a wide one pushes
  // the row instead of lying) and padded.
  static std::string TableCell(const Column& col, const std::string& text, bool header) {
    const size_t width = static_cast<size_t>(col.width < 0 ? -col.width : col.width);
    const bool numeric = !header && (col.kind == Kind::kAmount || col.kind == Kind::kNumber);
    std::string cell = header || col.kind != Kind::kAmount ? EscapeControls(text) : GroupThousands(text);
    if (!numeric) cell = Truncate(cell, width);
    const size_t shown = DisplayWidth(cell);
    std::string pad(shown < width ? width - shown : 0, ' ');
    return col.width < 0 ? cell + pad : pad + cell;
  }

  static std::string CsvField(const std::string& s) {
    if (s.find_first_of(",\"\n\r") == std::string::npos) return s;
    std::string q = "\"";
    for (char c : s) {
      if (c == '"') q.push_back('"');
      q.push_back(c);
    }
    q.push_back('"');
    return q;
  }

  ReportFormat format_;
  std::FILE* out_;
  std::vector<Column> columns_;
  size_t rows_ = 0;
};

// Customer names for the ids a report shows, looked up once each. Bounded:
// when full it starts over, so a long review queue cannot grow it forever.
class CustomerNames {
 public:
  explicit CustomerNames(const Ledger& ledger) : ledger_(ledger) {}
  // "" for no id, an unknown customer, or one the ledger cannot read (the
  // report goes on: a name is a convenience beside the id).
  const std::string& Get(const std::string& customer_id) {
    static const std::string kNone;
    if (customer_id.empty()) return kNone;
    auto it = names_.find(customer_id);
    if (it != names_.end()) return it->second;
    if (names_.size() >= kEntriesCountMax) names_.clear();
    auto c = ledger_.GetCustomer(customer_id);
    std::string name = c.ok() && c.value().has_value() ? c.value()->name : std::string();
    return names_.emplace(customer_id, std::move(name)).first->second;
  }

 private:
  static constexpr size_t kEntriesCountMax = 1 << 16;
  const Ledger& ledger_;
  std::unordered_map<std::string, std::string> names_;
};

std::string Amount(int64_t minor, const Currency* c) { return FormatAmountMinor(minor, c->exponent()); }
std::string Amount(int64_t minor, const std::string& code) { return Amount(minor, Currency::Find(code)); }

// Thousandths as text ("0.950"), or "" when not scored.
std::string Score(int32_t milli) { return milli < 0 ? std::string() : FormatAmountMinor(milli, 3); }

}  // namespace

std::string GroupThousands(std::string_view amount) {
  const size_t sign = !amount.empty() && amount[0] == '-' ? 1 : 0;
  size_t int_end = amount.find('.');
  if (int_end == std::string_view::npos) int_end = amount.size();
  std::string out(amount.substr(0, sign));
  for (size_t i = sign; i < int_end; ++i) {
    if (i > sign && (int_end - i) % 3 == 0) out.push_back(',');
    out.push_back(amount[i]);
  }
  out.append(amount.substr(int_end));
  return out;
}

std::string EscapeControls(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    if (c == '\n') {
      out.append("\\n");
    } else if (c == '\r') {
      out.append("\\r");
    } else if (c == '\t') {
      out.append("\\t");
    } else if (c < 0x20 || c == 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof(buf), "\\x%02x", c);
      out.append(buf);
    } else {
      out.push_back(ch);
    }
  }
  return out;
}

namespace {
bool IsContinuationByte(char c) { return (static_cast<unsigned char>(c) & 0xC0) == 0x80; }
}  // namespace

size_t DisplayWidth(std::string_view text) {
  size_t n = 0;
  for (char c : text) n += IsContinuationByte(c) ? 0 : 1;
  return n;
}

std::string Truncate(std::string_view text, size_t width) {
  if (DisplayWidth(text) <= width) return std::string(text);
  if (width == 0) return {};
  // Keep width - 1 code points, then the ellipsis.
  size_t kept = 0;
  size_t end = 0;
  while (end < text.size()) {
    if (!IsContinuationByte(text[end])) {
      if (kept == width - 1) break;
      ++kept;
    }
    ++end;
  }
  return std::string(text.substr(0, end)) + "\xE2\x80\xA6";
}

bool ParseReportFormat(std::string_view text, ReportFormat* out) {
  if (text == "table")
    *out = ReportFormat::kTable;
  else if (text == "json")
    *out = ReportFormat::kJson;
  else if (text == "csv")
    *out = ReportFormat::kCsv;
  else
    return false;
  return true;
}

Status ReportSummary(const Ledger& ledger, ReportFormat format, std::FILE* out) {
  auto sum = ledger.Summarize();
  if (!sum.ok()) return sum.status();
  const LedgerSummary& s = sum.value();
  if (format == ReportFormat::kTable) {
    std::fprintf(out, "%llu customers, %llu invoices, %llu batches, %llu events\n",
                 static_cast<unsigned long long>(s.customers_count), static_cast<unsigned long long>(s.invoices_count),
                 static_cast<unsigned long long>(s.batches_count), static_cast<unsigned long long>(s.events_count));
  }
  const std::string unfinished = ledger.UnfinishedLoad();
  if (!unfinished.empty())
    std::fprintf(stderr, "warning: %s; apply and release refuse the ledger until it is run again\n",
                 unfinished.c_str());
  RowWriter w(format, out,
              {{"currency", -3, Kind::kText, "cur"},
               {"payments", 8, Kind::kNumber},
               {"received", 14, Kind::kAmount},
               {"applied", 14, Kind::kAmount},
               {"unapplied", 13, Kind::kAmount},
               {"held", 12, Kind::kAmount},
               {"exceptions", 10, Kind::kNumber},
               {"in_review", 13, Kind::kAmount},
               {"open_invoices", 8, Kind::kNumber, "open_inv"},
               {"open_amount", 14, Kind::kAmount}});
  for (const auto& [code, c] : s.by_currency) {
    w.Row({code, std::to_string(c.payments_count), Amount(c.received_minor, code), Amount(c.applied_minor, code),
           Amount(c.unapplied_minor, code), Amount(c.held_minor, code), std::to_string(c.exceptions_count),
           Amount(c.exceptions_minor, code), std::to_string(c.open_invoices_count), Amount(c.open_minor, code)});
  }
  w.Finish();
  return Status::Ok();
}

namespace {

constexpr int kBuckets = 5;
constexpr const char* kBucketNames[kBuckets] = {"current", "1-30", "31-60", "61-90", "90+"};

int BucketOf(Date as_of, Date due) {
  int32_t late = as_of.days - due.days;
  if (late <= 0) return 0;
  if (late <= 30) return 1;
  if (late <= 60) return 2;
  if (late <= 90) return 3;
  return 4;
}

struct AgingRow {
  int64_t bucket[kBuckets] = {0, 0, 0, 0, 0};
  int64_t total = 0;
  uint64_t invoices = 0;
};

void WriteAging(RowWriter& w, const std::string& customer, const std::string& name,
                const std::map<std::string, AgingRow>& rows) {
  for (const auto& [code, r] : rows) {
    std::vector<Cell> cells = {customer, name, code};
    for (int b = 0; b < kBuckets; ++b) cells.push_back(Amount(r.bucket[b], code));
    cells.push_back(Amount(r.total, code));
    cells.push_back(std::to_string(r.invoices));
    w.Row(cells);
  }
}

}  // namespace

Status ReportAging(const Ledger& ledger, Date as_of, ReportFormat format, std::FILE* out) {
  if (format == ReportFormat::kTable)
    std::fprintf(out, "aging as of %s (days past due)\n", FormatIsoDate(as_of).c_str());
  std::vector<Column> cols = {
      {"customer_id", -12}, {"customer_name", -16, Kind::kText, "name"}, {"currency", -3, Kind::kText, "cur"}};
  for (const char* b : kBucketNames) cols.push_back({b, 12, Kind::kAmount});
  cols.push_back({"total", 13, Kind::kAmount});
  cols.push_back({"invoices", 5, Kind::kNumber, "inv"});
  RowWriter w(format, out, cols);
  CustomerNames names(ledger);
  std::string customer;
  std::map<std::string, AgingRow> current;  // this customer's currencies
  std::map<std::string, AgingRow> overall;
  Status s = ledger.ForEachInvoiceByCustomer([&](const Invoice& inv) {
    if (inv.customer_id != customer) {
      WriteAging(w, customer, names.Get(customer), current);
      current.clear();
      customer = inv.customer_id;
    }
    if (!inv.is_open()) return true;
    int b = BucketOf(as_of, inv.due_date);
    for (AgingRow* r : {&current[std::string(inv.currency->code())], &overall[std::string(inv.currency->code())]}) {
      r->bucket[b] += inv.amount_open_minor;
      r->total += inv.amount_open_minor;
      ++r->invoices;
    }
    return true;
  });
  if (!s.ok()) return s;
  WriteAging(w, customer, names.Get(customer), current);
  WriteAging(w, "ALL", "", overall);
  w.Finish();
  return Status::Ok();
}

Status ReportUnapplied(const Ledger& ledger, ReportFormat format, std::FILE* out) {
  RowWriter w(format, out,
              {{"customer_id", -16},
               {"customer_name", -30, Kind::kText, "name"},
               {"currency", -8},
               {"unapplied", 14, Kind::kAmount},
               {"payments", 8, Kind::kNumber}});
  CustomerNames names(ledger);
  struct Acc {
    int64_t amount = 0;
    uint64_t payments = 0;
  };
  std::string customer;
  std::map<std::string, Acc> current, overall;
  auto flush = [&](const std::string& who, const std::string& name, const std::map<std::string, Acc>& rows) {
    for (const auto& [code, a] : rows) {
      if (a.amount != 0) w.Row({who, name, code, Amount(a.amount, code), std::to_string(a.payments)});
    }
  };
  Status s = ledger.ForEachPaymentByCustomer([&](const PaymentRecord& p) {
    if (p.customer_id != customer) {
      flush(customer, names.Get(customer), current);
      current.clear();
      customer = p.customer_id;
    }
    if (p.unapplied_minor == 0) return true;
    for (Acc* a : {&current[std::string(p.currency->code())], &overall[std::string(p.currency->code())]}) {
      a->amount += p.unapplied_minor;
      ++a->payments;
    }
    return true;
  });
  if (!s.ok()) return s;
  flush(customer, names.Get(customer), current);
  flush("ALL", "", overall);
  w.Finish();
  return Status::Ok();
}

Status ReportExceptions(const Ledger& ledger, ReportFormat format, std::FILE* out) {
  RowWriter w(format, out,
              {{"currency", -3, Kind::kText, "cur"},
               {"amount", 14, Kind::kAmount},
               {"payment_id", -16},
               {"customer_id", -12},
               {"customer_name", -16, Kind::kText, "name"},
               {"reason", -18},
               {"detail", -31},
               {"signals", 0, Kind::kList},
               {"seq", 0, Kind::kNumber},
               {"batch_id", 0}});
  CustomerNames names(ledger);
  Status s = ledger.ForEachException([&](const Event& e) {
    w.Row({std::string(e.currency->code()), Amount(e.amount_minor, e.currency), e.payment_id, e.customer_id,
           names.Get(e.customer_id), ExceptionReasonName(e.reason), e.detail, e.signals, std::to_string(e.seq),
           e.batch_id});
    return true;
  });
  if (!s.ok()) return s;
  w.Finish();
  return Status::Ok();
}

namespace {

// The subject's current state as one line (table format only).
Status DescribeSubject(const Ledger& ledger, Subject subject, const std::string& id, std::FILE* out) {
  auto missing = [&](const char* what) {
    return Status::NotFound("no " + std::string(what) + " '" + id + "' in the ledger");
  };
  if (subject == Subject::kInvoice) {
    auto r = ledger.GetInvoice(id);
    if (!r.ok()) return r.status();
    if (!r.value()) return missing("invoice");
    const Invoice& i = *r.value();
    CustomerNames names(ledger);
    std::fprintf(out, "invoice %s %s customer %s %s: total %s %s, open %s, disputed %s, due %s, %s%s\n",
                 EscapeControls(i.invoice_id).c_str(), EscapeControls(i.number).c_str(),
                 EscapeControls(i.customer_id).c_str(), EscapeControls(names.Get(i.customer_id)).c_str(),
                 Amount(i.amount_total_minor, i.currency).c_str(), std::string(i.currency->code()).c_str(),
                 Amount(i.amount_open_minor, i.currency).c_str(), Amount(i.disputed_minor, i.currency).c_str(),
                 FormatIsoDate(i.due_date).c_str(), BillingModelName(i.billing_model),
                 i.usage_status == UsageStatus::kReconciling ? " (usage reconciling)" : "");
  } else if (subject == Subject::kPayment) {
    auto r = ledger.GetPayment(id);
    if (!r.ok()) return r.status();
    if (!r.value()) return missing("payment");
    const PaymentRecord& p = *r.value();
    std::fprintf(
        out, "payment %s from %s %s: %s %s valued %s via %s, %s (applied %s, unapplied %s, held %s, in review %s)\n",
        EscapeControls(p.payment_id).c_str(), EscapeControls(p.payer_name).c_str(), p.payer_account_mask.c_str(),
        Amount(p.amount_minor, p.currency).c_str(), std::string(p.currency->code()).c_str(),
        FormatIsoDate(p.value_date).c_str(), PaymentSourceName(p.source), PaymentStatusName(p.status),
        Amount(p.applied_minor, p.currency).c_str(), Amount(p.unapplied_minor, p.currency).c_str(),
        Amount(p.held_minor, p.currency).c_str(), Amount(p.exception_minor, p.currency).c_str());
  } else {
    auto r = ledger.GetCustomer(id);
    if (!r.ok()) return r.status();
    if (!r.value()) return missing("customer");
    const Customer& c = *r.value();
    std::fprintf(out, "customer %s %s%s%s, %zu bank accounts on file (fingerprinted)\n",
                 EscapeControls(c.customer_id).c_str(), EscapeControls(c.name).c_str(),
                 c.parent_id.empty() ? "" : ", parent ", EscapeControls(c.parent_id).c_str(),
                 c.bank_account_fps.size());
  }
  return Status::Ok();
}

}  // namespace

Status ReportTrail(const Ledger& ledger, Subject subject, const std::string& id, ReportFormat format, std::FILE* out) {
  // The subject must exist; its state line is printed in table format.
  std::FILE* state_out = format == ReportFormat::kTable ? out : nullptr;
  if (state_out == nullptr) {
    state_out = std::fopen("/dev/null", "w");
    if (state_out == nullptr) return Status::IOError("cannot open /dev/null");
  }
  Status exists = DescribeSubject(ledger, subject, id, state_out);
  if (state_out != out) std::fclose(state_out);
  if (!exists.ok()) return exists;
  RowWriter w(format, out,
              {{"seq", 6, Kind::kNumber},
               {"type", -16},
               {"payment_id", -14},
               {"invoice_id", -10},
               {"customer_id", 0},
               {"amount", 14, Kind::kAmount},
               {"currency", -3, Kind::kText, "cur"},
               {"rule", -16},
               {"score", 5, Kind::kNumber},
               {"action", -7},
               {"reason", -17},
               {"signals", 0, Kind::kList},
               {"detail", 0},
               {"batch_id", 0}});
  Status s = ledger.ForEachEventOf(subject, id, [&](const Event& e) {
    w.Row({std::to_string(e.seq), EventTypeName(e.type), e.payment_id, e.invoice_id, e.customer_id,
           Amount(e.amount_minor, e.currency), std::string(e.currency->code()), e.rule, Score(e.score_milli),
           SuppressionActionName(e.action), ExceptionReasonName(e.reason), e.signals, e.detail, e.batch_id});
    return true;
  });
  if (!s.ok()) return s;
  w.Finish();
  return Status::Ok();
}

namespace {

// Per invoice: what payments valued after `from - 1` and after `to` settled
// (applied + written off - reversed).
struct SettledAfter {
  int64_t after_begin = 0;
  int64_t after_end = 0;
};

struct PeriodTotals {
  MoneySum begin_ar, end_ar, end_current_ar, sales;
};

// Rounded half up to tenths: numerator / denominator * scale, in tenths.
std::string Tenths(const MoneySum::Wide& num, const MoneySum::Wide& den, int64_t scale) {
  if (den <= 0) return "";
  MoneySum::Wide t = (num * scale * 10 * 2 + den) / (den * 2);
  bool neg = t < 0;
  MoneySum::Wide mag = neg ? MoneySum::Wide(-t) : t;
  std::string digits = mag.str();
  if (digits.size() < 2) digits.insert(0, 2 - digits.size(), '0');
  return (neg ? "-" : "") + digits.substr(0, digits.size() - 1) + "." + digits.substr(digits.size() - 1);
}

}  // namespace

Status ReportDsoCei(const Ledger& ledger, Date from, Date to, ReportFormat format, std::FILE* out) {
  if (to < from) return Status::InvalidInput("--to " + FormatIsoDate(to) + " is before --from " + FormatIsoDate(from));
  const Date begin{from.days - 1};
  // Pass 1: settlements by payments valued after the period's start.
  std::unordered_map<std::string, SettledAfter> settled;
  std::string last_payment;
  Date last_value_date;
  Status failed;
  Status s = ledger.ForEachEvent(0, [&](const Event& e) {
    int sign = e.type == EventType::kReversed ? -1 : 1;
    const bool reopens = e.type == EventType::kReversed && e.from == CashBucket::kApplied;
    if (e.invoice_id.empty() || (e.type != EventType::kApplied && e.type != EventType::kWrittenOff && !reopens)) {
      return true;
    }
    if (e.payment_id != last_payment) {
      auto p = ledger.GetPayment(e.payment_id);
      if (!p.ok() || !p.value()) {
        failed =
            p.ok() ? Status::LedgerCorrupt("event " + std::to_string(e.seq) + " names unknown payment") : p.status();
        return false;
      }
      last_payment = e.payment_id;
      last_value_date = p.value()->value_date;
    }
    if (last_value_date <= begin) return true;
    SettledAfter& a = settled[e.invoice_id];
    a.after_begin += sign * e.amount_minor;
    if (to < last_value_date) a.after_end += sign * e.amount_minor;
    return true;
  });
  if (!s.ok()) return s;
  if (!failed.ok()) return failed;
  // Pass 2: every invoice, rolled back to the period's two ends.
  std::map<std::string, PeriodTotals> totals;
  s = ledger.ForEachInvoiceByCustomer([&](const Invoice& inv) {
    auto it = settled.find(inv.invoice_id);
    SettledAfter a = it == settled.end() ? SettledAfter() : it->second;
    PeriodTotals& t = totals[std::string(inv.currency->code())];
    if (inv.issue_date <= begin) t.begin_ar.Add(inv.amount_open_minor + a.after_begin);
    if (inv.issue_date <= to) {
      t.end_ar.Add(inv.amount_open_minor + a.after_end);
      if (to <= inv.due_date) t.end_current_ar.Add(inv.amount_open_minor + a.after_end);
    }
    if (from <= inv.issue_date && inv.issue_date <= to) t.sales.Add(inv.amount_total_minor);
    return true;
  });
  if (!s.ok()) return s;
  const int64_t days = to.days - from.days + 1;
  if (format == ReportFormat::kTable) {
    std::fprintf(out,
                 "period %s..%s (%lld days); DSO = AR(end) / sales * days; CEI = (AR(begin) + sales - AR(end)) / "
                 "(AR(begin) + sales - current AR(end)) * 100\n",
                 FormatIsoDate(from).c_str(), FormatIsoDate(to).c_str(), static_cast<long long>(days));
  }
  RowWriter w(format, out,
              {{"currency", -8},
               {"ar_begin", 14, Kind::kAmount},
               {"sales", 14, Kind::kAmount},
               {"ar_end", 14, Kind::kAmount},
               {"ar_end_current", 14, Kind::kAmount},
               {"dso_days", 8, Kind::kNumber},
               {"cei_percent", 11, Kind::kNumber}});
  for (const auto& [code, t] : totals) {
    int exp = Currency::Find(code)->exponent();
    MoneySum::Wide collectible = t.begin_ar.wide() + t.sales.wide() - t.end_current_ar.wide();
    MoneySum::Wide collected = t.begin_ar.wide() + t.sales.wide() - t.end_ar.wide();
    w.Row({code, t.begin_ar.Format(exp), t.sales.Format(exp), t.end_ar.Format(exp), t.end_current_ar.Format(exp),
           Tenths(t.end_ar.wide(), t.sales.wide(), days), Tenths(collected, collectible, 100)});
  }
  w.Finish();
  return Status::Ok();
}

}  // namespace cashmatch::io
