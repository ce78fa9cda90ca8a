#include "cashmatch/io/reports.h"

#include <cassert>
#include <map>
#include <unordered_map>
#include <vector>

#include "cashmatch/engine/money.h"
#include "cashmatch/io/export.h"

namespace cashmatch::io {
namespace {

struct Column {
  const char* name;
  int width;          // table format; negative: left-aligned
  bool json_number;   // emitted unquoted in JSON
};

// Writes rows as they come, in one of the three formats.
class RowWriter {
 public:
  RowWriter(ReportFormat format, std::FILE* out, std::vector<Column> columns)
      : format_(format), out_(out), columns_(std::move(columns)) {
    if (format_ == ReportFormat::kJson) {
      std::fputs("[", out_);
    } else {
      std::vector<std::string> names;
      for (const Column& c : columns_) names.emplace_back(c.name);
      Line(names);
    }
  }

  void Row(const std::vector<std::string>& cells) {
    assert(cells.size() == columns_.size());
    if (format_ != ReportFormat::kJson) {
      Line(cells);
      return;
    }
    std::string obj = rows_ == 0 ? "\n{" : ",\n{";
    for (size_t i = 0; i < cells.size(); ++i) {
      if (i > 0) obj.push_back(',');
      AppendJsonString(&obj, columns_[i].name);
      obj.push_back(':');
      if (columns_[i].json_number) {
        obj += cells[i].empty() ? "null" : cells[i];
      } else {
        AppendJsonString(&obj, cells[i]);
      }
    }
    obj.push_back('}');
    std::fputs(obj.c_str(), out_);
    ++rows_;
  }

  void Finish() {
    if (format_ == ReportFormat::kJson) std::fputs(rows_ == 0 ? "]\n" : "\n]\n", out_);
  }

 private:
  void Line(const std::vector<std::string>& cells) {
    std::string line;
    for (size_t i = 0; i < cells.size(); ++i) {
      if (format_ == ReportFormat::kCsv) {
        if (i > 0) line.push_back(',');
        line += CsvField(cells[i]);
        continue;
      }
      if (i > 0) line.push_back(' ');
      int w = columns_[i].width;
      size_t width = static_cast<size_t>(w < 0 ? -w : w);
      std::string pad(cells[i].size() < width ? width - cells[i].size() : 0, ' ');
      line += w < 0 ? cells[i] + pad : pad + cells[i];
    }
    while (format_ == ReportFormat::kTable && !line.empty() && line.back() == ' ') line.pop_back();
    line.push_back('\n');
    std::fputs(line.c_str(), out_);
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

std::string Amount(int64_t minor, const Currency* c) { return FormatAmountMinor(minor, c->exponent()); }
std::string Amount(int64_t minor, const std::string& code) { return Amount(minor, Currency::Find(code)); }

std::string JoinSignals(const std::vector<std::string>& signals) {
  std::string out;
  for (const auto& s : signals) {
    if (!out.empty()) out.push_back(';');
    out += s;
  }
  return out;
}

// Thousandths as text ("0.950"), or "" when not scored.
std::string Score(int32_t milli) { return milli < 0 ? std::string() : FormatAmountMinor(milli, 3); }

}  // namespace

bool ParseReportFormat(std::string_view text, ReportFormat* out) {
  if (text == "table") *out = ReportFormat::kTable;
  else if (text == "json") *out = ReportFormat::kJson;
  else if (text == "csv") *out = ReportFormat::kCsv;
  else return false;
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
  if (!unfinished.empty()) std::fprintf(stderr, "warning: %s; apply and release refuse the ledger until it is run again\n", unfinished.c_str());
  RowWriter w(format, out,
              {{"currency", -8, false}, {"payments", 8, true}, {"received", 14, false}, {"applied", 14, false},
               {"unapplied", 12, false}, {"held", 12, false}, {"exceptions", 10, true}, {"in_review", 14, false},
               {"open_invoices", 13, true}, {"open_amount", 14, false}});
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

void WriteAging(RowWriter& w, const std::string& customer, const std::map<std::string, AgingRow>& rows) {
  for (const auto& [code, r] : rows) {
    std::vector<std::string> cells = {customer, code};
    for (int b = 0; b < kBuckets; ++b) cells.push_back(Amount(r.bucket[b], code));
    cells.push_back(Amount(r.total, code));
    cells.push_back(std::to_string(r.invoices));
    w.Row(cells);
  }
}

}  // namespace

Status ReportAging(const Ledger& ledger, Date as_of, ReportFormat format, std::FILE* out) {
  if (format == ReportFormat::kTable) std::fprintf(out, "aging as of %s (days past due)\n", FormatIsoDate(as_of).c_str());
  std::vector<Column> cols = {{"customer_id", -16, false}, {"currency", -8, false}};
  for (const char* b : kBucketNames) cols.push_back({b, 13, false});
  cols.push_back({"total", 14, false});
  cols.push_back({"invoices", 8, true});
  RowWriter w(format, out, cols);
  std::string customer;
  std::map<std::string, AgingRow> current;  // this customer's currencies
  std::map<std::string, AgingRow> overall;
  Status s = ledger.ForEachInvoiceByCustomer([&](const Invoice& inv) {
    if (inv.customer_id != customer) {
      WriteAging(w, customer, current);
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
  WriteAging(w, customer, current);
  WriteAging(w, "ALL", overall);
  w.Finish();
  return Status::Ok();
}

Status ReportUnapplied(const Ledger& ledger, ReportFormat format, std::FILE* out) {
  RowWriter w(format, out, {{"customer_id", -16, false}, {"currency", -8, false}, {"unapplied", 14, false},
                            {"payments", 8, true}});
  struct Acc {
    int64_t amount = 0;
    uint64_t payments = 0;
  };
  std::string customer;
  std::map<std::string, Acc> current, overall;
  auto flush = [&](const std::string& who, const std::map<std::string, Acc>& rows) {
    for (const auto& [code, a] : rows) {
      if (a.amount != 0) w.Row({who, code, Amount(a.amount, code), std::to_string(a.payments)});
    }
  };
  Status s = ledger.ForEachPaymentByCustomer([&](const PaymentRecord& p) {
    if (p.customer_id != customer) {
      flush(customer, current);
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
  flush(customer, current);
  flush("ALL", overall);
  w.Finish();
  return Status::Ok();
}

Status ReportExceptions(const Ledger& ledger, ReportFormat format, std::FILE* out) {
  RowWriter w(format, out,
              {{"currency", -8, false}, {"amount", 14, false}, {"payment_id", -16, false}, {"customer_id", -12, false},
               {"reason", -18, false}, {"detail", -50, false}, {"signals", -1, false}, {"seq", 6, true},
               {"batch_id", -1, false}});
  Status s = ledger.ForEachException([&](const Event& e) {
    w.Row({std::string(e.currency->code()), Amount(e.amount_minor, e.currency), e.payment_id, e.customer_id,
           ExceptionReasonName(e.reason), e.detail, JoinSignals(e.signals), std::to_string(e.seq), e.batch_id});
    return true;
  });
  if (!s.ok()) return s;
  w.Finish();
  return Status::Ok();
}

namespace {

// The subject's current state as one line (table format only).
Status DescribeSubject(const Ledger& ledger, Subject subject, const std::string& id, std::FILE* out) {
  auto missing = [&](const char* what) { return Status::NotFound("no " + std::string(what) + " '" + id + "' in the ledger"); };
  if (subject == Subject::kInvoice) {
    auto r = ledger.GetInvoice(id);
    if (!r.ok()) return r.status();
    if (!r.value()) return missing("invoice");
    const Invoice& i = *r.value();
    std::fprintf(out, "invoice %s %s customer %s: total %s %s, open %s, disputed %s, due %s, %s%s\n", i.invoice_id.c_str(),
                 i.number.c_str(), i.customer_id.c_str(), Amount(i.amount_total_minor, i.currency).c_str(),
                 std::string(i.currency->code()).c_str(), Amount(i.amount_open_minor, i.currency).c_str(),
                 Amount(i.disputed_minor, i.currency).c_str(), FormatIsoDate(i.due_date).c_str(),
                 BillingModelName(i.billing_model),
                 i.usage_status == UsageStatus::kReconciling ? " (usage reconciling)" : "");
  } else if (subject == Subject::kPayment) {
    auto r = ledger.GetPayment(id);
    if (!r.ok()) return r.status();
    if (!r.value()) return missing("payment");
    const PaymentRecord& p = *r.value();
    std::fprintf(out, "payment %s from %s %s: %s %s valued %s via %s, %s (applied %s, unapplied %s, held %s, in review %s)\n",
                 p.payment_id.c_str(), p.payer_name.c_str(), p.payer_account_mask.c_str(),
                 Amount(p.amount_minor, p.currency).c_str(), std::string(p.currency->code()).c_str(),
                 FormatIsoDate(p.value_date).c_str(), PaymentSourceName(p.source), PaymentStatusName(p.status),
                 Amount(p.applied_minor, p.currency).c_str(), Amount(p.unapplied_minor, p.currency).c_str(),
                 Amount(p.held_minor, p.currency).c_str(), Amount(p.exception_minor, p.currency).c_str());
  } else {
    auto r = ledger.GetCustomer(id);
    if (!r.ok()) return r.status();
    if (!r.value()) return missing("customer");
    const Customer& c = *r.value();
    std::fprintf(out, "customer %s %s%s%s, %zu bank accounts on file (fingerprinted)\n", c.customer_id.c_str(),
                 c.name.c_str(), c.parent_id.empty() ? "" : ", parent ", c.parent_id.c_str(),
                 c.bank_account_fps.size());
  }
  return Status::Ok();
}

}  // namespace

Status ReportTrail(const Ledger& ledger, Subject subject, const std::string& id, ReportFormat format,
                   std::FILE* out) {
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
              {{"seq", 6, true}, {"type", -16, false}, {"payment_id", -14, false}, {"invoice_id", -10, false},
               {"customer_id", -12, false}, {"amount", 14, false}, {"currency", -8, false}, {"rule", -16, false},
               {"score", 5, true}, {"action", -7, false}, {"reason", -17, false}, {"signals", -1, false},
               {"detail", -1, false}, {"batch_id", -1, false}});
  Status s = ledger.ForEachEventOf(subject, id, [&](const Event& e) {
    w.Row({std::to_string(e.seq), EventTypeName(e.type), e.payment_id, e.invoice_id, e.customer_id,
           Amount(e.amount_minor, e.currency), std::string(e.currency->code()), e.rule, Score(e.score_milli),
           SuppressionActionName(e.action), ExceptionReasonName(e.reason), JoinSignals(e.signals), e.detail,
           e.batch_id});
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
        failed = p.ok() ? Status::LedgerCorrupt("event " + std::to_string(e.seq) + " names unknown payment") : p.status();
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
    std::fprintf(out, "period %s..%s (%lld days); DSO = AR(end) / sales * days; CEI = (AR(begin) + sales - AR(end)) / (AR(begin) + sales - current AR(end)) * 100\n",
                 FormatIsoDate(from).c_str(), FormatIsoDate(to).c_str(), static_cast<long long>(days));
  }
  RowWriter w(format, out,
              {{"currency", -8, false}, {"ar_begin", 14, false}, {"sales", 14, false}, {"ar_end", 14, false},
               {"ar_end_current", 14, false}, {"dso_days", 8, true}, {"cei_percent", 11, true}});
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
