// `rgpb runs`: the runs under a folder as a table, JSON or CSV, with the columns comparing needs
// (seeds, data, per-stage lr and beta) and --where filters. The rows, filters and formats are
// core/run/RunListing.h; this file reads the arguments.
#include <iostream>

#include "app/cli/CliArgs.h"
#include "app/cli/Commands.h"
#include "core/run/RunListing.h"
#include "core/util/Error.h"

namespace rgpb::cli {
namespace {

int runs(const std::vector<std::string>& argv) {
    CliArgs args(argv, {"runs-dir", "where", "format"});
    if (!args.positional().empty())
        throw UsageError("runs: unexpected argument '" + args.positional()[0] + "'");
    const std::string format = args.value("format").value_or("table");
    if (format != "table" && format != "json" && format != "csv")
        throw UsageError("runs: --format must be table, json or csv, got '" + format + "'");
    std::vector<RunFilter> filters;
    for (const std::string& w : args.values("where"))
        filters.push_back(parseRunFilter(w));
    const std::string dir = args.value("runs-dir").value_or("runs");
    std::vector<RunRow> rows = filterRuns(listRunRows(dir), filters);
    if (format == "json") {
        std::cout << runJson(rows);
    } else if (format == "csv") {
        std::cout << runCsv(rows);
    } else if (rows.empty()) {
        std::cout << (filters.empty() ? "no runs under " : "no runs match under ") << dir << "\n";
    } else {
        std::cout << runTable(rows);
    }
    return 0;
}

const char* kRunsHelp =
    "usage: rgpb runs [--runs-dir DIR] [--where key=value]... [--format table|json|csv]\n\n"
    "Lists the runs under DIR (default runs/), newest first: run, recipe, status, seed, data\n"
    "seed, data (the synthetic regime or the data file's name), lr and beta per stage (\"0.1\"\n"
    "for one stage, \"exmate 0.5 -> dpo 0.1\" for two), steps, final eval perplexity and\n"
    "agility, and wall time. A failed or cancelled run's reason, and the problem of a run whose\n"
    "config.yaml cannot be read (its config columns stay empty), follow on the next line.\n\n"
    "  --where key=value  keep the runs that match; keys: recipe (\"mle -> dpo\", spaces\n"
    "                     optional), method (any stage's, \"sft\" = mle), status, seed,\n"
    "                     data_seed, data, beta (any stage's), name (config name or run\n"
    "                     folder). Repeat it: conditions on one key are alternatives, on\n"
    "                     different keys all must hold.\n"
    "  --format F         table (default); json: an array of objects with every column,\n"
    "                     numbers as numbers, lr/beta/methods as per-stage arrays, a metric\n"
    "                     not measured as null; csv: a header row, RFC 4180 quoting.\n";

}  // namespace

Command runsCommand() {
    return {"runs", "list and filter runs: seeds, data, per-stage lr and beta, final metrics",
            kRunsHelp, runs};
}

}  // namespace rgpb::cli
