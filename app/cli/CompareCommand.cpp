// `rgpb compare`: two runs answer the same prompts; writes a comparison set directory
// (core/generate/Comparison.h) for judging.
#include <iostream>

#include "app/cli/CliArgs.h"
#include "app/cli/Commands.h"
#include "app/cli/GenerationArgs.h"
#include "app/cli/StopSignals.h"
#include "core/generate/Comparison.h"
#include "core/util/Error.h"

namespace rgpb::cli {
namespace {

int compare(const std::vector<std::string>& argv) {
    std::vector<std::string> flags = generationFlags();
    for (const char* f : {"prompts", "count", "out", "checkpoint-a", "checkpoint-b"})
        flags.emplace_back(f);
    CliArgs args(argv, flags, {kNoKvCacheSwitch, "eval-split", "synthetic"});
    if (args.positional().size() != 2)
        throw Error("compare: expected two runs, RUN_A RUN_B (see 'rgpb compare --help')");
    const int sources = (args.has("prompts") ? 1 : 0) + (args.has("eval-split") ? 1 : 0) +
                        (args.has("synthetic") ? 1 : 0);
    if (sources != 1)
        throw Error("compare: give exactly one of --prompts FILE, --eval-split, --synthetic");
    if (!args.has("out"))
        throw Error("compare: --out DIR is required (the comparison set is written there)");

    ComparisonRequest r;
    r.run_a = args.positional()[0];
    r.run_b = args.positional()[1];
    r.checkpoint_a = args.value("checkpoint-a").value_or("final");
    r.checkpoint_b = args.value("checkpoint-b").value_or("final");
    if (args.has("prompts")) {
        r.prompts = ComparisonPrompts::File;
        r.prompts_file = *args.value("prompts");
    } else {
        r.prompts =
            args.has("eval-split") ? ComparisonPrompts::EvalSplit : ComparisonPrompts::Synthetic;
    }
    r.count = args.integer("count", r.count);
    if (r.count <= 0)
        throw Error("option --count expects a whole number > 0, got " + std::to_string(r.count));
    r.generation = generationSettings(args);
    r.out_dir = *args.value("out");
    r.device = args.value("device").value_or("cpu");
    setThreads(args);

    StopSignals stop;
    ProgressLine lines[2] = {ProgressLine("compare: model A"), ProgressLine("compare: model B")};
    int last_model = -1;
    auto progress = [&](const ComparisonProgress& p) {
        const bool first = p.model != last_model;
        last_model = p.model;
        lines[p.model].update(p.generation,
                              first || p.generation.prompts_done == p.generation.prompts_total);
    };
    try {
        ComparisonSet set = runComparison(r, progress, stop.flag());
        std::cerr << "compare: " << set.items.size() << " prompts, " << set.models[0].name << " vs "
                  << set.models[1].name << "\n";
    } catch (const CancelledError&) {
        std::cerr << "compare: cancelled (nothing written)\n";
        return stop.exitCode();
    }
    std::cout << r.out_dir << "\n";
    return 0;
}

}  // namespace

Command compareCommand() {
    return {"compare", "two runs answer the same prompts: a comparison set for judging",
            "usage: rgpb compare RUN_A RUN_B (--prompts FILE | --eval-split | --synthetic)\n"
            "                    --out DIR [--count N] [--checkpoint-a final|step-N]\n"
            "                    [--checkpoint-b final|step-N] [options]\n\n"
            "Prompts: --prompts FILE (one per line or JSONL with \"prompt\" and optional\n"
            "\"reference\"), --eval-split (the eval split of RUN_A's data, deduplicated), or\n"
            "--synthetic (fresh synthetic-task prompts seeded by --seed). --count N uses the\n"
            "first N (20). Writes DIR/comparison.json (models, generation settings, prompt\n"
            "source, time) and DIR/items.jsonl ({index, prompt, responses: [A, B],\n"
            "new_tokens: [A, B], reference}); reference is the synthetic task's known answer\n"
            "or null. See README (Generation) for the format.\n\n"
            "options:\n" +
                generationHelp(),
            compare};
}

}  // namespace rgpb::cli
