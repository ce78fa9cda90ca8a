// Parse throughput of the settlement readers on generated inputs of about
// 100 MB each (issue 3 asks for ≥ 1 GB/s per core on NDJSON and Stripe JSON
// and ≥ 300 MB/s on BAI2). The buffers are built once, outside the timing;
// each iteration parses the whole buffer into a SettlementBatch, as
// `cashmatch apply` does.
#include <benchmark/benchmark.h>

#include <string>

#include "cashmatch/io/settlement.h"

namespace {

using cashmatch::io::Fingerprinter;
using cashmatch::io::ParseOptions;
using cashmatch::io::ParseSettlement;
using cashmatch::io::SettlementFormat;

constexpr size_t kTargetBytes = 100u << 20;

const std::string& NdjsonInput() {
  static const std::string data = [] {
    std::string out;
    out.reserve(kTargetBytes + 512);
    for (size_t i = 0; out.size() < kTargetBytes; ++i) {
      std::string n = std::to_string(100000 + i % 900000);
      out += R"({"payment_id":"P-)" + std::to_string(i) + R"(","amount":")" + std::to_string(100 + i % 99999) +
             ".25\",\"currency\":\"USD\",\"value_date\":\"2026-11-24\",\"source\":\"ach\",\"payer_name\":\"ACME "
             "CORPORATION INC\","
             "\"payer_account\":\"021000021-4455667788\",\"remittance\":\"PAYMENT INV-2026-" +
             n + " THANK YOU\",\"references\":[{\"invoice_number\":\"INV-2026-" + n + "\",\"amount\":\"" +
             std::to_string(100 + i % 99999) + ".25\"}]}\n";
    }
    return out;
  }();
  return data;
}

const std::string& StripeListInput() {
  static const std::string data = [] {
    std::string out = R"({"object":"list","url":"/v1/balance_transactions","has_more":false,"data":[)";
    out.reserve(kTargetBytes + 1024);
    int64_t net = 0;
    for (size_t i = 0; out.size() < kTargetBytes; ++i) {
      std::string n = std::to_string(i);
      out +=
          R"({"id":"txn_)" + n +
          R"(","object":"balance_transaction","amount":12000,"available_on":1764115200,)"
          R"("created":1764000000,"currency":"usd","description":"Invoice INV-2026-)" +
          n +
          R"(","exchange_rate":null,"fee":378,"fee_details":[{"amount":378,"application":null,"currency":"usd",)"
          R"("description":"Stripe processing fees","type":"stripe_fee"}],"net":11622,"reporting_category":"charge",)"
          R"("source":{"id":"ch_)" +
          n + R"(","object":"charge","amount":12000,"currency":"usd","customer":"cus_)" + n + R"(","invoice":"in_)" +
          n + R"("},"status":"available","type":"charge"},)";
      net += 11622;
    }
    out += R"({"id":"txn_po","object":"balance_transaction","amount":)" + std::to_string(-net) + R"(,"fee":0,"net":)" +
           std::to_string(-net) + R"(,"currency":"usd","created":1764100000,"type":"payout","source":"po_1"}]})";
    return out;
  }();
  return data;
}

const std::string& Bai2Input() {
  static const std::string data = [] {
    std::string out =
        "01,BANKID,CUSTID,261124,0800,1,80,10,2/\n02,CUSTID,BANKID,1,261124,0800,USD,2/\n"
        "03,0123456789,USD,010,100000,,,015,100000,,/\n";
    out.reserve(kTargetBytes + 1024);
    int64_t total = 200000;
    size_t records = 3;
    for (size_t i = 0; out.size() < kTargetBytes; ++i) {
      int64_t amount = 10000 + static_cast<int64_t>(i % 99999);
      out += "16,142," + std::to_string(amount) + ",0,REF" + std::to_string(i) + ",CUST" + std::to_string(i) +
             ",ACH CREDIT ACME CORP/\n88,INV-2026-" + std::to_string(100000 + i % 900000) + " PAYMENT THANK YOU/\n";
      total += amount;
      records += 2;
    }
    out += "49," + std::to_string(total) + "," + std::to_string(records - 1) + "/\n";
    out += "98," + std::to_string(total) + ",1," + std::to_string(records + 1) + "/\n";
    out += "99," + std::to_string(total) + ",1," + std::to_string(records + 3) + "/\n";
    return out;
  }();
  return data;
}

void ParseBench(benchmark::State& state, const std::string& data, SettlementFormat format) {
  const Fingerprinter fp(std::string(32, 'k'));
  size_t records = 0;
  for (auto _ : state) {
    auto r = ParseSettlement("bench", data, format, fp, ParseOptions());
    if (!r.ok()) {
      state.SkipWithError(r.status().message().c_str());
      return;
    }
    records = r.value().batch.payments.size();
    benchmark::DoNotOptimize(r);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * data.size()));
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * records));
  state.counters["MB"] = static_cast<double>(data.size()) / (1 << 20);
}

void BM_ParseNdjson100MB(benchmark::State& s) { ParseBench(s, NdjsonInput(), SettlementFormat::kNdjson); }
void BM_ParseStripeList100MB(benchmark::State& s) { ParseBench(s, StripeListInput(), SettlementFormat::kStripeJson); }
void BM_ParseBai2_100MB(benchmark::State& s) { ParseBench(s, Bai2Input(), SettlementFormat::kBai2); }

BENCHMARK(BM_ParseNdjson100MB)->Unit(benchmark::kMillisecond)->Iterations(2);
BENCHMARK(BM_ParseStripeList100MB)->Unit(benchmark::kMillisecond)->Iterations(2);
BENCHMARK(BM_ParseBai2_100MB)->Unit(benchmark::kMillisecond)->Iterations(2);

}  // namespace
