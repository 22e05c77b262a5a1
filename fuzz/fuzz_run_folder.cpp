// A run folder as `rgpb runs`, `rgpb show` and the workbench read it (core/run/RunStore.h,
// RunListing.h), e.g. in a folder shared with others: the input split at NUL bytes into
// summary.json, metrics.jsonl, eval_pairs.csv and run.json (missing parts: files left out).
#include <array>

#include "core/run/RunListing.h"
#include "core/run/RunStore.h"
#include "fuzz/FuzzSupport.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    rgpb::fuzz::clearTempDir();
    std::string_view rest = rgpb::fuzz::asText(data, size);
    const std::array<const char*, 4> files = {"summary.json", "metrics.jsonl", "eval_pairs.csv",
                                              "run.json"};
    for (std::size_t i = 0; i < files.size() && (i == 0 || !rest.empty()); ++i) {
        const auto [part, after] = rgpb::fuzz::splitAtNul(rest);
        rgpb::fuzz::writeInput(std::string("runs/run-1/") + files[i], part);
        rest = after;
    }
    const std::string runs = rgpb::fuzz::tempPath("runs");
    const std::string run = runs + "/run-1";
    rgpb::fuzz::expectClean([&] { rgpb::readSummary(run); });
    rgpb::fuzz::expectClean([&] { rgpb::readMetrics(run); });
    rgpb::fuzz::expectClean([&] { rgpb::readEvalPairs(run); });
    rgpb::fuzz::expectClean([&] { rgpb::readRunColor(run); });
    rgpb::fuzz::expectClean([&] {
        const std::vector<rgpb::RunRow> rows = rgpb::listRunRows(runs);
        (void)rgpb::runTable(rows);
        (void)rgpb::runJson(rows);
        (void)rgpb::runCsv(rows);
    });
    return 0;
}
