// `rgpb gradlab replay`: the gradient lab's replay (core/analytic/GradientReplay.h) of a run or
// checkpoint on a batch of pairs, written as CSV + JSON.
#include <torch/torch.h>

#include <fstream>
#include <iostream>
#include <sstream>

#include "app/cli/CliArgs.h"
#include "app/cli/Commands.h"
#include "app/cli/GenerationArgs.h"
#include "app/cli/GradlabProgress.h"
#include "app/cli/StopSignals.h"
#include "core/analytic/GradientReplay.h"
#include "core/data/DataFormat.h"
#include "core/util/Error.h"

namespace rgpb::cli {
namespace {

const char* kReplayOptions =
    "                           [--methods mle,dpo,ul,exmate] [--beta B] [--lr LR[,LR...]]\n"
    "                           [--pairs N] [--reference CKPT] [--batch-size N] [--device D]\n"
    "                           [--threads N]\n\n"
    "Replays one batch through every objective (docs/gradlab.md): the gradient g_m of each\n"
    "method's batch loss on all parameters; its norm, overall and per layer group; the cosine\n"
    "between every two methods; and per pair the first-order effect of one SGD step of each lr,\n"
    "dS ~ -lr g_m . grad S for S+ and S-, beside the actual change after taking that step on a\n"
    "copy of the model (float64), with the relative error. DPO's reference is the checkpoint\n"
    "itself (h = 0) unless --reference names one. --data synthetic uses the run's synthetic\n"
    "task (its eval split), as gradlab measure. Defaults: all four methods, beta 0.1, lr 1e-3,\n"
    "the first 16 pairs. Writes norms.csv, cosines.csv, effects.csv and summary.json into DIR\n"
    "and prints the summary.\n\n"
    "--format F: the pair file's format (default auto), or synthetic (as --data synthetic):\n";

std::string replayHelp() {
    return "usage: rgpb gradlab replay RUN_DIR|CHECKPOINT --data FILE|synthetic|REGIME --out DIR\n"
           "                           [--format " +
           dataFormatList("|") + "|synthetic]\n" + kReplayOptions + dataFormatHelp();
}

std::vector<std::string> splitList(const std::string& text) {
    std::vector<std::string> out;
    std::stringstream in(text);
    for (std::string item; std::getline(in, item, ',');)
        out.push_back(item);
    return out;
}

int runGradlabReplay(const std::vector<std::string>& argv) {
    const char* where = "gradlab replay";
    CliArgs args(argv, {"data", "format", "methods", "beta", "lr", "pairs", "reference",
                        "batch-size", "device", "threads", "out"});
    if (args.positional().size() != 1)
        throw Error("gradlab replay: expected one RUN_DIR or CHECKPOINT");
    auto out = args.value("out");
    if (!out)
        throw Error("gradlab replay: --out DIR is required");
    auto data = args.value("data");
    if (!data)
        throw Error("gradlab replay: --data FILE (or 'synthetic') is required");
    GradientReplayRequest req;
    req.model_path = args.positional()[0];
    req.data_path = *data;
    req.format = args.value("format").value_or("auto");
    if (req.format != "synthetic")
        req.format = dataFormatName(parseDataFormat(req.format, "--format", where));
    if (auto m = args.value("methods"))
        req.methods = splitList(*m);
    req.beta = args.number("beta", 0.1);
    if (auto lr = args.value("lr"))
        req.lrs = parseNumberList("lr", *lr);
    const long long pairs = args.integer("pairs", 16);
    requireArgument(pairs >= 0, where, "pairs", ">= 0 (0 = all)", pairs);
    req.max_pairs = static_cast<std::size_t>(pairs);
    req.reference_path = args.value("reference").value_or("");
    req.batch_size = args.integer("batch-size", 16);
    req.device = args.value("device").value_or("cpu");
    validateReplayRequest(req, where);  // before the model loads: bad lists fail at once
    setThreads(args);

    StopSignals stop;
    GradientReplayResult r;
    try {
        r = replayGradients(req, gradlabProgress(where, "steps"), stop.flag());
    } catch (const CancelledError&) {
        std::cerr << "gradlab replay: cancelled\n";
        return stop.exitCode();
    }
    writeGradientReplay(r, *out);
    std::ifstream summary(*out + "/summary.json");
    std::cout << summary.rdbuf();
    std::cerr << "gradlab replay: " << r.methods.size() << " methods x " << r.pairs << " pairs in "
              << r.seconds << " s; wrote " << *out
              << "/{norms,cosines,effects}.csv and summary.json\n";
    return 0;
}

}  // namespace

Command gradlabReplayCommand() {
    return {"replay",
            "replay a batch through every objective: gradient norms, cosines, first-order effects",
            replayHelp(), runGradlabReplay};
}

}  // namespace rgpb::cli
