// File: gen_eval_cmd.h
//
// The `gen` and `eval` subcommands of the cashmatch CLI, kept apart from
// cashmatch.cc so that their options and runners live beside each other:
// cashmatch.cc only registers them and dispatches.
#pragma once

#include <CLI/CLI.hpp>

#include <string>

#include "cashmatch/datasets/gen.h"

namespace cashmatch::tools {

struct GenArgs {
  datasets::GenOptions options;
  std::string profile = "typical";
  std::string first_day;
  std::string format = "mixed";
};

struct EvalArgs {
  std::string db, allocations, truth, format = "table";
};

CLI::App* AddGenCommand(CLI::App& app, GenArgs* args);
CLI::App* AddEvalCommand(CLI::App& app, EvalArgs* args);
// Exit codes as the rest of the CLI: 0 ok, 1 bad input, 2 usage, 4/5 ledger or I/O.
int RunGen(GenArgs& args, bool quiet);
int RunEval(const EvalArgs& args);

}  // namespace cashmatch::tools
