// Internal: the per-format parsers behind ParseSettlement (settlement.h).
// Each follows the contract written at the top of settlement.h.
#pragma once

#include "cashmatch/io/settlement.h"

namespace cashmatch::io {

Result<ParsedSettlement> ParseNdjsonSettlement(const std::string& name, std::string_view data,
                                               const Fingerprinter& fp, const ParseOptions& options);
// bai2.cc
Result<ParsedSettlement> ParseBai2(const std::string& name, std::string_view data, const Fingerprinter& fp,
                                   const ParseOptions& options);
// camt.cc
Result<ParsedSettlement> ParseCamt(const std::string& name, std::string_view data, const Fingerprinter& fp,
                                   const ParseOptions& options);

// mt940.cc
Result<ParsedSettlement> ParseMt940(const std::string& name, std::string_view data, const Fingerprinter& fp,
                                    const ParseOptions& options);
// nacha.cc
Result<ParsedSettlement> ParseNacha(const std::string& name, std::string_view data, const Fingerprinter& fp,
                                    const ParseOptions& options);
// stripe_csv.cc
Result<ParsedSettlement> ParseStripeCsv(const std::string& name, std::string_view data, const Fingerprinter& fp,
                                        const ParseOptions& options);
// stripe_json.cc
Result<ParsedSettlement> ParseStripeJson(const std::string& name, std::string_view data, const Fingerprinter& fp,
                                         const ParseOptions& options);

}  // namespace cashmatch::io
