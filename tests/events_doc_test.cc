// docs/events.md against the code: every rule, exception reason,
// suppression action and signal key the page names is one the engine can
// emit (checked against the name tables: RuleName, ReversalKindName,
// ExceptionReasonName, SuppressionActionName, KnownSignalKeys), and every
// example event parses as JSON with the keys `export` writes, in its order.
// The page is read from the source tree (CASHMATCH_EVENTS_DOC).
#include <gtest/gtest.h>
#include "../io/src/readers/simdjson_release.h"

#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "cashmatch/engine/domain.h"
#include "cashmatch/engine/event.h"
#include "cashmatch/engine/signals.h"

namespace cashmatch {
namespace {

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Every name a table gives for the values 0..255 (past the last value the
// tables answer "unknown").
template <typename E, typename F>
std::set<std::string> NamesOf(F name) {
  std::set<std::string> out;
  for (int i = 0; i < 256; ++i) {
    const std::string n = name(static_cast<E>(i));
    if (!n.empty() && n != "unknown") out.insert(n);
  }
  return out;
}

std::set<std::string> Rules() {
  std::set<std::string> r = NamesOf<Rule>([](Rule x) { return RuleName(x); });
  for (const std::string& k : NamesOf<ReversalKind>([](ReversalKind x) { return ReversalKindName(x); })) r.insert(k);
  return r;
}

std::set<std::string> Reasons() {
  return NamesOf<ExceptionReason>([](ExceptionReason x) { return ExceptionReasonName(x); });
}

std::set<std::string> Actions() {
  return NamesOf<SuppressionAction>([](SuppressionAction x) { return SuppressionActionName(x); });
}

std::set<std::string> Types() {
  return NamesOf<EventType>([](EventType x) { return EventTypeName(x); });
}

class EventsDoc : public ::testing::Test {
 protected:
  void SetUp() override {
    doc_ = ReadFile(CASHMATCH_EVENTS_DOC);
    ASSERT_FALSE(doc_.empty()) << CASHMATCH_EVENTS_DOC;
  }
  std::vector<std::string> Matches(const std::string& pattern) const {
    std::vector<std::string> out;
    const std::regex re(pattern);
    for (auto it = std::sregex_iterator(doc_.begin(), doc_.end(), re); it != std::sregex_iterator(); ++it) {
      out.push_back((*it)[1].str());
    }
    return out;
  }
  std::string doc_;
};

// "rule `x`", "Rule `x`" and "(rule `x`, …)": each a rule the code has.
TEST_F(EventsDoc, EveryRuleNamedInTheProseIsOneTheCodeEmits) {
  const std::set<std::string> rules = Rules();
  std::vector<std::string> named = Matches(R"([Rr]ule `([a-z_]+)`)");
  // "Rule `a` (...), `b` or `c`": the names listed after it too.
  for (const std::string& list : Matches(R"([Rr]ule\s+(`[a-z_]+`[^.]*?)(?:\.|;|\n\n))")) {
    const std::regex word("`([a-z_]+)`");
    for (auto it = std::sregex_iterator(list.begin(), list.end(), word); it != std::sregex_iterator(); ++it) {
      named.push_back((*it)[1].str());
    }
  }
  ASSERT_FALSE(named.empty());
  for (const std::string& r : named) EXPECT_TRUE(rules.count(r)) << "docs/events.md names rule '" << r << "'";
}

// The reasons table: one row per reason the code has, and no other.
TEST_F(EventsDoc, TheReasonsTableListsExactlyTheExceptionReasons) {
  std::set<std::string> rows;
  for (const std::string& r : Matches(R"(\n\| ([a-z_]+) \| )")) rows.insert(r);
  const std::set<std::string> reasons = Reasons();
  for (const std::string& r : reasons) EXPECT_TRUE(rows.count(r)) << "reason '" << r << "' is not documented";
  // The header rows and the common keys' rows.
  const std::set<std::string> other_rows = {"key",        "signal",      "seq",    "type",     "batch_id", "payment_id",
                                            "invoice_id", "customer_id", "amount", "currency", "rule",     "score",
                                            "action",     "reason",      "from",   "signals",  "detail"};
  for (const std::string& r : rows) {
    EXPECT_TRUE(reasons.count(r) || other_rows.count(r)) << "docs/events.md has a row for '" << r << "'";
  }
}

// Backticked `key=value` signals: each key is one the engine writes.
TEST_F(EventsDoc, EverySignalKeyNamedIsOneTheEngineWrites) {
  std::vector<std::string> keys = Matches(R"(`([a-z_]+)=)");
  ASSERT_FALSE(keys.empty());
  for (const std::string& k : keys) EXPECT_TRUE(IsKnownSignalKey(k)) << "docs/events.md names signal key '" << k << "'";
}

// The suppression actions named on the action row are the code's.
TEST_F(EventsDoc, TheSuppressionActionsAreTheCodes) {
  std::vector<std::string> row = Matches(R"(\| action \|[^\n]*\| ([^|\n]*) \|\n)");
  ASSERT_EQ(row.size(), 1u);
  std::set<std::string> named;
  const std::regex word("`([a-z_]+)`");
  for (auto it = std::sregex_iterator(row[0].begin(), row[0].end(), word); it != std::sregex_iterator(); ++it) {
    named.insert((*it)[1].str());
  }
  EXPECT_EQ(named, Actions());
}

// Checks one exported event object: the keys `export` writes, in its
// order, the required ones present, each name one the code has.
void CheckEvent(const std::string& line, const std::string& where) {
  SCOPED_TRACE(where + ": " + line);
  static const std::vector<std::string> kOrder = {"seq",         "type",   "batch_id", "payment_id", "invoice_id",
                                                  "customer_id", "amount", "currency", "rule",       "score",
                                                  "action",      "reason", "from",     "signals",    "detail"};
  static const std::set<std::string> kRequired = {"seq",        "type",        "batch_id", "payment_id",
                                                  "invoice_id", "customer_id", "amount",   "currency"};
  simdjson::dom::parser parser;
  simdjson::dom::object obj;
  ASSERT_EQ(parser.parse(line).get(obj), simdjson::SUCCESS) << "not JSON";
  size_t at = 0;
  std::set<std::string> seen;
  for (auto field : obj) {
    const std::string key(field.key);
    while (at < kOrder.size() && kOrder[at] != key) ++at;
    ASSERT_LT(at, kOrder.size()) << "key '" << key << "' unknown or out of export's order";
    seen.insert(key);
    std::string_view text;
    if (key == "type") {
      ASSERT_EQ(field.value.get(text), simdjson::SUCCESS);
      EXPECT_TRUE(Types().count(std::string(text))) << text;
    } else if (key == "rule") {
      ASSERT_EQ(field.value.get(text), simdjson::SUCCESS);
      EXPECT_TRUE(Rules().count(std::string(text))) << "rule " << text;
    } else if (key == "reason") {
      ASSERT_EQ(field.value.get(text), simdjson::SUCCESS);
      EXPECT_TRUE(Reasons().count(std::string(text))) << "reason " << text;
    } else if (key == "action") {
      ASSERT_EQ(field.value.get(text), simdjson::SUCCESS);
      EXPECT_TRUE(Actions().count(std::string(text))) << "action " << text;
    } else if (key == "amount") {
      ASSERT_EQ(field.value.get(text), simdjson::SUCCESS) << "amount is a string";
    } else if (key == "signals") {
      simdjson::dom::array signals;
      ASSERT_EQ(field.value.get(signals), simdjson::SUCCESS);
      for (auto s : signals) {
        ASSERT_EQ(s.get(text), simdjson::SUCCESS);
        const size_t eq = text.find('=');
        ASSERT_NE(eq, std::string_view::npos) << text;
        EXPECT_TRUE(IsKnownSignalKey(text.substr(0, eq))) << "signal " << text;
      }
    }
  }
  for (const std::string& k : kRequired) EXPECT_TRUE(seen.count(k)) << "missing " << k;
}

TEST_F(EventsDoc, EveryExampleEventParsesWithTheKeysExportWrites) {
  std::istringstream in(doc_);
  std::string line;
  size_t examples = 0;
  for (size_t n = 1; std::getline(in, line); ++n) {
    if (line.rfind("{\"seq\"", 0) != 0) continue;
    ++examples;
    CheckEvent(line, "docs/events.md:" + std::to_string(n));
  }
  EXPECT_GE(examples, 10u);
}

// The golden export of the sample portfolio, as the CLI writes it, passes
// the same check: the tables above are what the code really emits.
TEST_F(EventsDoc, TheGoldenExportUsesOnlyTheTablesNames) {
  std::ifstream in(std::string(CASHMATCH_CORPUS_DIR) + "/../golden/sample_export.ndjson");
  std::string line;
  size_t n = 0;
  while (std::getline(in, line)) CheckEvent(line, "sample_export.ndjson:" + std::to_string(++n));
  EXPECT_GT(n, 0u);
}

}  // namespace
}  // namespace cashmatch
