#include "cashmatch/io/export.h"

#include <cassert>
#include <cstdio>

#include "cashmatch/engine/money.h"

namespace cashmatch::io {

void AppendJsonString(std::string* out, std::string_view s) {
  out->push_back('"');
  for (char ch : s) {
    unsigned char c = static_cast<unsigned char>(ch);
    switch (c) {
      case '"': out->append("\\\""); break;
      case '\\': out->append("\\\\"); break;
      case '\n': out->append("\\n"); break;
      case '\r': out->append("\\r"); break;
      case '\t': out->append("\\t"); break;
      default:
        if (c < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof(buf), "\\u%04x", c);
          out->append(buf);
        } else {
          out->push_back(ch);
        }
    }
  }
  out->push_back('"');
}

namespace {

void Key(std::string* out, const char* key) {
  out->push_back(',');
  out->push_back('"');
  out->append(key);
  out->append("\":");
}

void StringOrNull(std::string* out, const char* key, const std::string& value) {
  Key(out, key);
  if (value.empty()) {
    out->append("null");
  } else {
    AppendJsonString(out, value);
  }
}

}  // namespace

std::string EventToJson(const Event& e) {
  assert(e.currency != nullptr);
  std::string out = "{\"seq\":" + std::to_string(e.seq);
  Key(&out, "type");
  AppendJsonString(&out, EventTypeName(e.type));
  StringOrNull(&out, "batch_id", e.batch_id);
  StringOrNull(&out, "payment_id", e.payment_id);
  StringOrNull(&out, "invoice_id", e.invoice_id);
  StringOrNull(&out, "customer_id", e.customer_id);
  Key(&out, "amount");
  AppendJsonString(&out, FormatAmountMinor(e.amount_minor, e.currency->exponent()));
  Key(&out, "currency");
  AppendJsonString(&out, e.currency->code());
  if (!e.rule.empty()) {
    Key(&out, "rule");
    AppendJsonString(&out, e.rule);
  }
  if (e.score_milli >= 0) {
    // Thousandths as a decimal number, written from the integer: "0.950".
    Key(&out, "score");
    out.append(FormatAmountMinor(e.score_milli, 3));
  }
  if (e.action != SuppressionAction::kNone) {
    Key(&out, "action");
    AppendJsonString(&out, SuppressionActionName(e.action));
  }
  if (e.reason != ExceptionReason::kNone) {
    Key(&out, "reason");
    AppendJsonString(&out, ExceptionReasonName(e.reason));
  }
  if (e.from != CashBucket::kNone) {
    Key(&out, "from");
    AppendJsonString(&out, CashBucketName(e.from));
  }
  if (!e.signals.empty()) {
    Key(&out, "signals");
    out.push_back('[');
    for (size_t i = 0; i < e.signals.size(); ++i) {
      if (i > 0) out.push_back(',');
      AppendJsonString(&out, e.signals[i]);
    }
    out.push_back(']');
  }
  if (!e.detail.empty()) {
    Key(&out, "detail");
    AppendJsonString(&out, e.detail);
  }
  out.push_back('}');
  return out;
}

}  // namespace cashmatch::io
