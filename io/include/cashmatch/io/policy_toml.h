// File: cashmatch/io/policy_toml.h
//
// Loads a Policy from TOML. Keys not given keep the defaults of
// engine/policy.h. An unknown key or a value of the wrong type or range is
// an error naming the key and its line. See docs/policy.md for every key.
#pragma once

#include <string>

#include "cashmatch/engine/policy.h"
#include "cashmatch/engine/status.h"

namespace cashmatch::io {

Result<Policy> ParsePolicyToml(const std::string& name, std::string_view text);
Result<Policy> LoadPolicyFile(const std::string& path);

}  // namespace cashmatch::io
