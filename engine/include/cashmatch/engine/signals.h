// File: cashmatch/engine/signals.h
//
// The keys of the "key=value" signals the engine writes on events (the
// facts behind a decision, docs/events.md). One table, so the docs can be
// checked against what the code emits (tests/events_doc_test.cc); a new
// signal key is added here.
#pragma once

#include <string_view>
#include <vector>

namespace cashmatch {

// Every signal key the engine can emit, sorted.
const std::vector<std::string_view>& KnownSignalKeys();

// Whether `key` (the text before '=') is one of them.
bool IsKnownSignalKey(std::string_view key);

}  // namespace cashmatch
