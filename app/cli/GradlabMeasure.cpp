// `rgpb gradlab measure`: the gradient lab's measured analysis (core/analytic/GradientMeasure.h)
// of a run or checkpoint on a pair file or the run's synthetic task, written as CSV + JSON.
#include <torch/torch.h>

#include <atomic>
#include <fstream>
#include <iostream>
#include <sstream>
#include <thread>

#include "app/cli/CliArgs.h"
#include "app/cli/Commands.h"
#include "app/cli/GradlabProgress.h"
#include "app/cli/StopSignals.h"
#include "core/analytic/GradientMeasure.h"
#include "core/config/RunConfig.h"
#include "core/data/DataFormat.h"
#include "core/util/Error.h"

namespace rgpb::cli {
namespace {

const char* kMeasureOptions =
    "                            [--method dpo|ul|exmate|mle] [--beta B] [--steps K]\n"
    "                            [--max-pairs N] [--batch-size N] [--device D] [--threads N]\n\n"
    "Measures on a trained model what the paper's gradient analysis assumes (docs/gradlab.md):\n"
    "the information difference log10|f+ - f-| per pair, the gradient difference ||P+ - P-||\n"
    "(L1 and L2) at the first K response steps, and the exact per-logit gradient of the\n"
    "objective (autograd) beside the paper's approximate coefficient, with the gap.\n"
    "--data synthetic uses the run's synthetic task (its eval split); context-contrast or\n"
    "response-contrast picks that regime with the run's other settings. --data-config RUN.yaml\n"
    "measures the eval split of that run config's data (its data section and data seed), as a\n"
    "run of it would hold it out (a study measures each task so). Defaults: the method\n"
    "and beta of the run's last stage, K = 3, 200 pairs. Writes info_diff.csv, grad_diff.csv,\n"
    "grad_diff_summary.csv, decomposition.csv and summary.json into DIR and prints the summary.\n\n"
    "--format F: the pair file's format (default auto), or synthetic (as --data synthetic):\n";

std::string measureHelp() {
    return "usage: rgpb gradlab measure RUN_DIR|CHECKPOINT --data FILE|synthetic|REGIME --out DIR\n"
           "                            [--data-config RUN.yaml] [--format " +
           dataFormatList("|") + "|synthetic]\n" + kMeasureOptions + dataFormatHelp();
}

int runGradlabMeasure(const std::vector<std::string>& argv) {
    CliArgs args(argv, {"data", "data-config", "format", "method", "beta", "steps", "max-pairs",
                        "batch-size", "device", "threads", "out"});
    if (args.positional().size() != 1)
        throw Error("gradlab measure: expected one RUN_DIR or CHECKPOINT");
    auto out = args.value("out");
    if (!out)
        throw Error("gradlab measure: --out DIR is required");
    auto data = args.value("data");
    auto data_config = args.value("data-config");
    if (!data && !data_config)
        throw Error("gradlab measure: --data FILE (or 'synthetic') or --data-config is required");
    GradientMeasureRequest req;
    req.model_path = args.positional()[0];
    req.data_path = data.value_or("");
    if (data_config) {
        const RunConfig c = loadRunConfig(*data_config);
        req.data_config = c.data;
        req.data_seed = c.dataSeed();
    }
    req.format = args.value("format").value_or("auto");
    if (req.format != "synthetic")
        req.format = dataFormatName(parseDataFormat(req.format, "--format", "gradlab measure"));
    req.method = args.value("method").value_or("");
    req.beta = args.number("beta", 0.0);
    requireArgument(!args.has("beta") || req.beta > 0, "gradlab measure", "beta", "> 0", req.beta);
    req.steps = static_cast<int>(args.integer("steps", 3));
    long long max_pairs = args.integer("max-pairs", 200);
    requireArgument(max_pairs >= 0, "gradlab measure", "max-pairs", ">= 0 (0 = all)", max_pairs);
    req.max_pairs = static_cast<std::size_t>(max_pairs);
    req.batch_size = args.integer("batch-size", 16);
    req.device = args.value("device").value_or("cpu");
    int threads = static_cast<int>(args.integer("threads", 0));
    torch::set_num_threads(
        threads > 0 ? threads
                    : static_cast<int>(std::max(1u, std::thread::hardware_concurrency())));

    StopSignals stop;
    GradientMeasureResult r;
    try {
        r = measureGradients(req, gradlabProgress("gradlab measure", "pairs"), stop.flag());
    } catch (const CancelledError&) {
        std::cerr << "gradlab measure: cancelled\n";
        return stop.exitCode();
    }
    writeGradientMeasure(r, *out);
    std::ifstream summary(*out + "/summary.json");
    std::cout << summary.rdbuf();
    std::cerr << "gradlab measure: " << r.verdict << "\n"
              << "gradlab measure: wrote " << *out << "/{info_diff,grad_diff,grad_diff_summary,"
              << "decomposition}.csv and summary.json\n";
    return 0;
}

}  // namespace

Command gradlabMeasureCommand() {
    return {"measure", "measure a model's information and gradient differences on pairs",
            measureHelp(), runGradlabMeasure};
}

}  // namespace rgpb::cli
