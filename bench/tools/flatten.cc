// cashmatch_flatten: the settlement files of a generated portfolio as flat
// CSV tables, for the PostgreSQL baseline of bench/e2e (what a team would
// load into a database before writing SQL). Reads the files with the same
// parsers as `cashmatch apply`, so both sides see the same payments.
//
// Usage: cashmatch_flatten PORTFOLIO_DIR OUT_DIR
// Writes, each with a header row (RFC 4180 quoting):
//   payments.csv          payment_id,amount_minor,currency,value_date,payer_name,
//                         payer_account_fp,bank_reference,remittance,ref_numbers,
//                         stripe_customer_id,stripe_invoice_id
//   returns.csv           return_id,original_payment_id,original_reference,amount_minor
//   customer_accounts.csv customer_id,account_fp
//   customer_stripe.csv   customer_id,stripe_customer_id
// Account numbers are fingerprinted with one fixed key on both sides, so
// the SQL can join them without ever seeing them.
#include <fmt/format.h>

#include <cstdio>
#include <fstream>
#include <iterator>
#include <string>

#include "cashmatch/engine/date.h"
#include "cashmatch/io/book_csv.h"
#include "cashmatch/io/settlement.h"

namespace cm = cashmatch;
namespace cmio = cashmatch::io;

namespace {

bool Slurp(const std::string& path, std::string* out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  out->assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  return true;
}

// One CSV field, quoted when it needs to be.
void Field(std::string* row, std::string_view v, bool last = false) {
  if (v.find_first_of(",\"\r\n") == std::string_view::npos) {
    row->append(v);
  } else {
    row->push_back('"');
    for (char c : v) {
      if (c == '"') row->push_back('"');
      row->push_back(c);
    }
    row->push_back('"');
  }
  row->push_back(last ? '\n' : ',');
}

int Die(const std::string& message) {
  std::fprintf(stderr, "cashmatch_flatten: %s\n", message.c_str());
  return 1;
}

void WritePayment(std::string* row, const cm::Payment& p) {
  Field(row, p.payment_id);
  Field(row, std::to_string(p.amount_minor));
  Field(row, p.currency->code());
  Field(row, cm::FormatIsoDate(p.value_date));
  Field(row, p.payer_name);
  Field(row, p.payer_account_fp);
  Field(row, p.bank_reference);
  Field(row, p.remittance);
  std::string refs;
  for (const cm::RemittanceRef& r : p.references) refs += (refs.empty() ? "" : "|") + r.invoice_number;
  Field(row, refs);
  Field(row, p.stripe_customer_id);
  Field(row, p.stripe_invoice_id, true);
}

void WriteReturn(std::string* row, const cm::Reversal& r) {
  Field(row, r.reversal_id);
  Field(row, r.original_payment_id);
  Field(row, r.original_reference);
  Field(row, std::to_string(r.amount_minor), true);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: cashmatch_flatten PORTFOLIO_DIR OUT_DIR\n");
    return 2;
  }
  const std::string in = argv[1], out = argv[2];
  const cmio::Fingerprinter fp("cashmatch-bench-baseline-key");
  std::ofstream payments(out + "/payments.csv", std::ios::binary), returns(out + "/returns.csv", std::ios::binary);
  payments << "payment_id,amount_minor,currency,value_date,payer_name,payer_account_fp,bank_reference,remittance,"
              "ref_numbers,stripe_customer_id,stripe_invoice_id\n";
  returns << "return_id,original_payment_id,original_reference,amount_minor\n";
  std::ifstream list(in + "/files.txt");
  if (!list) return Die(in + "/files.txt: cannot open");
  std::string name, data, row;
  while (std::getline(list, name)) {
    if (!Slurp(in + "/" + name, &data)) return Die(name + ": cannot read");
    auto parsed = cmio::ParseSettlement(name, data, cmio::SettlementFormat::kAuto, fp, cmio::ParseOptions());
    if (!parsed.ok()) return Die(parsed.status().message());
    row.clear();
    for (const cm::Payment& p : parsed.value().batch.payments) WritePayment(&row, p);
    payments << row;
    row.clear();
    for (const cm::Reversal& r : parsed.value().batch.reversals) WriteReturn(&row, r);
    returns << row;
  }
  if (!Slurp(in + "/customers.csv", &data)) return Die("customers.csv: cannot read");
  std::vector<std::string> warnings;
  auto customers = cmio::ParseCustomersCsv("customers.csv", data, fp, &warnings);
  if (!customers.ok()) return Die(customers.status().message());
  std::ofstream accounts(out + "/customer_accounts.csv", std::ios::binary);
  std::ofstream stripe(out + "/customer_stripe.csv", std::ios::binary);
  accounts << "customer_id,account_fp\n";
  stripe << "customer_id,stripe_customer_id\n";
  for (const cm::Customer& c : customers.value()) {
    for (const std::string& f : c.bank_account_fps) accounts << c.customer_id << ',' << f << '\n';
    for (const std::string& s : c.stripe_customer_ids) stripe << c.customer_id << ',' << s << '\n';
  }
  payments.flush();
  returns.flush();
  accounts.flush();
  stripe.flush();
  if (!payments || !returns || !accounts || !stripe) return Die(out + ": write failed");
  return 0;
}
