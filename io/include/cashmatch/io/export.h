// File: cashmatch/io/export.h
//
// Events as NDJSON for downstream dunning, ERP write-back and audit (the
// schema is in README.md and docs/events.md). One object per line, keys in a
// fixed order, amounts as exact decimal strings, so that the same ledger
// always exports the same bytes.
#pragma once

#include <string>

#include "cashmatch/engine/event.h"

namespace cashmatch::io {

// Appends `s` to `out` as a JSON string literal (quotes included).
void AppendJsonString(std::string* out, std::string_view s);

// One event as one JSON line, without the trailing newline.
std::string EventToJson(const Event& e);

}  // namespace cashmatch::io
