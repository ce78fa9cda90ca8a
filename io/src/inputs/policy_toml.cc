// Policy file loader. toml++ reports syntax errors with a line and column;
// this file adds the semantic checks: every key is known, every value has
// the right type and range, and each error names its dotted key and line.
#include "cashmatch/io/policy_toml.h"

#include <toml++/toml.h>

#include <cmath>
#include <functional>

#include "cashmatch/engine/hints.h"
#include "cashmatch/io/csv.h"

namespace cashmatch::io {
namespace {

class Loader {
 public:
  Loader(std::string name, Policy* policy) : name_(std::move(name)), policy_(policy) {}

  Status Load(const toml::table& root) {
    return ForEach(root, "", [&](const std::string& key, const toml::node& v) -> Status {
      if (key == "thresholds") return Thresholds(v, key);
      if (key == "allocation") return Allocation(v, key);
      if (key == "tolerance") return Tolerances(v, key);
      if (key == "matching") return Matching(v, key);
      if (key == "limits") return Limits(v, key);
      if (key == "bai2") return Bai2(v, key);
      return Unknown(key, v);
    });
  }

 private:
  using Visitor = std::function<Status(const std::string& key, const toml::node& v)>;

  std::string Where(const std::string& key, const toml::node& v) const {
    return name_ + ":" + std::to_string(v.source().begin.line) + ": key '" + key + "'";
  }
  Status Unknown(const std::string& key, const toml::node& v) const {
    return Status::InvalidInput(Where(key, v) + ": unknown key");
  }
  Status Bad(const std::string& key, const toml::node& v, const std::string& expected) const {
    return Status::InvalidInput(Where(key, v) + ": expected " + expected);
  }

  Status ForEach(const toml::node& node, const std::string& prefix, const Visitor& visit) const {
    const toml::table* t = node.as_table();
    if (t == nullptr) return Bad(prefix, node, "a table");
    for (auto&& [k, v] : *t) {
      std::string key = prefix.empty() ? std::string(k.str()) : prefix + "." + std::string(k.str());
      CASHMATCH_RETURN_IF_ERROR(visit(key, v));
    }
    return Status::Ok();
  }

  // A fraction in [0, 1] as thousandths. Floats are rounded to the nearest
  // thousandth: scores are not money.
  Status Score(const toml::node& v, const std::string& key, int32_t* out) const {
    double d = 0;
    if (auto i = v.value_exact<int64_t>())
      d = static_cast<double>(*i);
    else if (auto f = v.value_exact<double>())
      d = *f;
    else
      return Bad(key, v, "a number between 0 and 1");
    if (!(d >= 0.0 && d <= 1.0)) return Bad(key, v, "a number between 0 and 1");
    *out = static_cast<int32_t>(std::llround(d * 1000.0));
    return Status::Ok();
  }

  // A percentage (e.g. "0.5" or 0.5 for half a percent) as parts per million.
  // Strings are parsed exactly; floats rounded to the nearest ppm.
  Status Percent(const toml::node& v, const std::string& key, int64_t* out) const {
    int64_t ppm = 0;
    if (auto s = v.value_exact<std::string>()) {
      auto r = ParseAmountMinor(*s, 4);  // 1% = 10^4 ppm
      if (!r.ok()) return Bad(key, v, "a percentage with at most 4 decimals (" + r.status().message() + ")");
      ppm = r.value();
    } else if (auto i = v.value_exact<int64_t>()) {
      ppm = *i * 10000;
    } else if (auto f = v.value_exact<double>()) {
      ppm = std::llround(*f * 10000.0);
    } else {
      return Bad(key, v, "a percentage");
    }
    if (ppm < 0 || ppm > 1000000) return Bad(key, v, "a percentage between 0 and 100");
    *out = ppm;
    return Status::Ok();
  }

  Status Thresholds(const toml::node& node, const std::string& prefix) {
    CASHMATCH_RETURN_IF_ERROR(ForEach(node, prefix, [&](const std::string& key, const toml::node& v) -> Status {
      if (key == "thresholds.auto_apply") return Score(v, key, &policy_->auto_apply_score_milli);
      if (key == "thresholds.review") return Score(v, key, &policy_->review_score_milli);
      if (key == "thresholds.payer_name") return Score(v, key, &policy_->name_similarity_min_milli);
      if (key == "thresholds.soften_paid_share") return Percent(v, key, &policy_->soften_paid_share_ppm);
      return Unknown(key, v);
    }));
    if (policy_->review_score_milli > policy_->auto_apply_score_milli) {
      return Bad(prefix, node, "review <= auto_apply");
    }
    return Status::Ok();
  }

  Status Allocation(const toml::node& node, const std::string& prefix) {
    return ForEach(node, prefix, [&](const std::string& key, const toml::node& v) -> Status {
      if (key == "allocation.allow_partial") {
        auto b = v.value_exact<bool>();
        if (!b) return Bad(key, v, "true or false");
        policy_->allow_partial = *b;
        return Status::Ok();
      }
      if (key == "allocation.fallback") {
        auto f = v.value_exact<std::string>();
        if (f && *f == "none") {
          policy_->fallback = Policy::Fallback::kNone;
        } else if (f && *f == "oldest_first") {
          policy_->fallback = Policy::Fallback::kOldestFirst;
        } else if (f && *f == "past_due_first") {
          policy_->fallback = Policy::Fallback::kPastDueFirst;
        } else {
          return Bad(key, v, "\"none\", \"oldest_first\" or \"past_due_first\"");
        }
        return Status::Ok();
      }
      return Unknown(key, v);
    });
  }

  Status OneTolerance(const toml::node& node, const std::string& prefix, Tolerance* tol) {
    return ForEach(node, prefix, [&](const std::string& key, const toml::node& v) -> Status {
      std::string leaf = key.substr(prefix.size() + 1);
      if (leaf == "percent") return Percent(v, key, &tol->percent_ppm);
      if (leaf == "absolute") {
        tol->absolute_minor.clear();
        return ForEach(v, key, [&](const std::string& ckey, const toml::node& cv) -> Status {
          std::string code = ckey.substr(key.size() + 1);
          const Currency* ccy = Currency::Find(code);
          if (ccy == nullptr) return Bad(ckey, cv, "an ISO 4217 currency code as the key");
          auto s = cv.value_exact<std::string>();
          if (!s) return Bad(ckey, cv, "an amount as a decimal string, e.g. \"25.00\"");
          auto r = ParseAmountMinor(*s, ccy->exponent());
          if (!r.ok() || r.value() < 0) return Bad(ckey, cv, "a non-negative amount in " + std::string(ccy->code()));
          tol->absolute_minor[std::string(ccy->code())] = r.value();
          return Status::Ok();
        });
      }
      return Unknown(key, v);
    });
  }

  Status Tolerances(const toml::node& node, const std::string& prefix) {
    return ForEach(node, prefix, [&](const std::string& key, const toml::node& v) -> Status {
      std::string leaf = key.substr(prefix.size() + 1);
      PaymentSource source;
      if (leaf == "default") return OneTolerance(v, key, &policy_->default_tolerance);
      if (ParsePaymentSource(leaf, &source)) {
        Tolerance& tol = policy_->source_tolerance[leaf];
        tol = policy_->default_tolerance;  // a source override starts from the default
        return OneTolerance(v, key, &tol);
      }
      return Unknown(key, v);
    });
  }

  Status Matching(const toml::node& node, const std::string& prefix) {
    return ForEach(node, prefix, [&](const std::string& key, const toml::node& v) -> Status {
      if (key == "matching.invoice_number_patterns") return Patterns(v, key, &policy_->invoice_number_patterns);
      if (key == "matching.po_number_patterns") return Patterns(v, key, &policy_->po_number_patterns);
      if (key == "matching.noise_patterns") return Patterns(v, key, &policy_->noise_patterns);
      return Unknown(key, v);
    });
  }

  // An array of RE2 patterns, each checked here so the error names the line
  // as well as the key, the pattern and RE2's reason. An empty array turns
  // that kind of hint off.
  Status Patterns(const toml::node& v, const std::string& key, std::vector<std::string>* out) const {
    const toml::array* arr = v.as_array();
    if (arr == nullptr) return Bad(key, v, "an array of regular-expression strings");
    std::vector<std::string> patterns;
    for (const toml::node& el : *arr) {
      auto s = el.value_exact<std::string>();
      if (!s || s->empty()) return Bad(key, el, "an array of non-empty strings");
      Status compiles = HintExtractor::CheckPattern(key, patterns.size(), *s);
      if (!compiles.ok()) {
        return Status::InvalidInput(name_ + ":" + std::to_string(el.source().begin.line) + ": " + compiles.message());
      }
      patterns.push_back(*s);
    }
    *out = std::move(patterns);
    return Status::Ok();
  }

  Status Limit(const toml::node& v, const std::string& key, int64_t lo, int64_t hi, int32_t* out) const {
    auto i = v.value_exact<int64_t>();
    if (!i || *i < lo || *i > hi) {
      return Bad(key, v, "an integer from " + std::to_string(lo) + " to " + std::to_string(hi));
    }
    *out = static_cast<int32_t>(*i);
    return Status::Ok();
  }

  Status Limits(const toml::node& node, const std::string& prefix) {
    return ForEach(node, prefix, [&](const std::string& key, const toml::node& v) -> Status {
      if (key == "limits.candidates_count_max") return Limit(v, key, 1, 4096, &policy_->candidates_count_max);
      if (key == "limits.set_size_max") return Limit(v, key, 1, 64, &policy_->set_size_max);
      if (key == "limits.references_count_max") return Limit(v, key, 1, 65536, &policy_->references_count_max);
      return Unknown(key, v);
    });
  }

  // [bai2]: profile = "auto" | a profile name; [bai2.profiles.<name>] adds
  // or changes a profile (docs/policy.md).
  Status Bai2(const toml::node& node, const std::string& prefix) {
    const toml::node* chosen = nullptr;
    CASHMATCH_RETURN_IF_ERROR(ForEach(node, prefix, [&](const std::string& key, const toml::node& v) -> Status {
      if (key == "bai2.profile") {
        auto name = v.value_exact<std::string>();
        if (!name || name->empty()) return Bad(key, v, "\"auto\" or a profile name");
        policy_->bai2.profile = *name;
        chosen = &v;
        return Status::Ok();
      }
      if (key == "bai2.profiles") {
        return ForEach(v, key, [&](const std::string& pkey, const toml::node& pv) -> Status {
          return BankProfile(pkey.substr(key.size() + 1), pv, pkey);
        });
      }
      return Unknown(key, v);
    }));
    if (chosen != nullptr && policy_->bai2.profile != "auto" && policy_->bai2.Find(policy_->bai2.profile) == nullptr) {
      std::string names;
      for (const BankTextProfile& p : policy_->bai2.profiles) names += (names.empty() ? "" : ", ") + p.name;
      return Bad("bai2.profile", *chosen, "\"auto\" or one of the profiles: " + names);
    }
    return Status::Ok();
  }

  // One profile: a built-in one is changed in place (its labels kept unless
  // replaced); a new one starts empty, or from `base`.
  Status BankProfile(const std::string& name, const toml::node& node, const std::string& prefix) {
    if (node.as_table() == nullptr) return Bad(prefix, node, "a table");
    BankTextProfile* profile = nullptr;
    for (BankTextProfile& p : policy_->bai2.profiles) {
      if (p.name == name) profile = &p;
    }
    if (profile == nullptr) {
      BankTextProfile fresh;
      fresh.name = name;
      if (const toml::node* base = node.as_table()->get("base")) {
        auto b = base->value_exact<std::string>();
        const BankTextProfile* from = b ? policy_->bai2.Find(*b) : nullptr;
        if (from == nullptr) return Bad(prefix + ".base", *base, "the name of a profile defined before");
        fresh = *from;
        fresh.name = name;
        fresh.detect_ids.clear();
      }
      policy_->bai2.profiles.push_back(std::move(fresh));
      profile = &policy_->bai2.profiles.back();
    }
    return ForEach(node, prefix, [&](const std::string& key, const toml::node& v) -> Status {
      const std::string leaf = key.substr(prefix.size() + 1);
      if (leaf == "base") return Status::Ok();  // read above
      if (leaf == "whole_text") {
        auto b = v.value_exact<bool>();
        if (!b) return Bad(key, v, "true or false");
        profile->whole_text = *b;
        return Status::Ok();
      }
      if (leaf == "detect_ids") {
        const toml::array* arr = v.as_array();
        if (arr == nullptr) return Bad(key, v, "an array of strings (01 sender or 02 originator ids)");
        profile->detect_ids.clear();
        for (const toml::node& el : *arr) {
          auto id = el.value_exact<std::string>();
          if (!id || id->empty()) return Bad(key, el, "an array of non-empty strings");
          profile->detect_ids.push_back(*id);
        }
        return Status::Ok();
      }
      if (leaf == "tags") {
        return ForEach(v, key, [&](const std::string& tkey, const toml::node& tv) -> Status {
          return BankTag(tkey.substr(key.size() + 1), tv, tkey, profile);
        });
      }
      return Unknown(key, v);
    });
  }

  // "LABEL" = "role": a label of upper-case words as the bank prints it,
  // without its ':' or '='.
  Status BankTag(std::string label, const toml::node& v, const std::string& key, BankTextProfile* profile) {
    auto role_name = v.value_exact<std::string>();
    BankTextRole role = BankTextRole::kIgnore;
    if (!role_name || !ParseBankTextRole(*role_name, &role)) {
      return Bad(key, v, "\"payer_name\", \"payer_id\", \"remittance\", \"structured_refs\" or \"ignore\"");
    }
    for (char& c : label) c = (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c;
    const bool ok = !label.empty() && label.front() != ' ' && label.back() != ' ' &&
                    label.find_first_of(":=") == std::string::npos && label.find("  ") == std::string::npos;
    if (!ok) return Bad(key, v, "a label of words separated by one blank, without ':' or '=', as the key");
    for (BankTextTag& t : profile->tags) {
      if (t.label == label) {
        t.role = role;
        return Status::Ok();
      }
    }
    profile->tags.push_back(BankTextTag{label, role});
    return Status::Ok();
  }

  std::string name_;
  Policy* policy_;
};

}  // namespace

Result<Policy> ParsePolicyToml(const std::string& name, std::string_view text) {
  toml::table root;
  try {
    root = toml::parse(text, name);
  } catch (const toml::parse_error& e) {
    return Status::InvalidInput(name + ":" + std::to_string(e.source().begin.line) + ":" +
                                std::to_string(e.source().begin.column) + ": " + std::string(e.description()));
  }
  Policy policy;
  Loader loader(name, &policy);
  CASHMATCH_RETURN_IF_ERROR(loader.Load(root));
  // Patterns must compile; the message names the key and the pattern.
  auto extractor = HintExtractor::Create(policy);
  if (!extractor.ok()) return extractor.status().WithContext(name);
  return policy;
}

Result<Policy> LoadPolicyFile(const std::string& path) {
  auto text = ReadFile(path);
  if (!text.ok()) return text.status();
  return ParsePolicyToml(path, text.value());
}

}  // namespace cashmatch::io
