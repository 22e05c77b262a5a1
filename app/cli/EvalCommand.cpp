// `rgpb eval`: spec.md section 3 metrics of a run's checkpoint on its own eval split or on any
// pair file, as JSON on stdout; --per-pair writes S+, S-, T+, T-, m+, m- per pair (JSONL).
#include <torch/torch.h>
#include <nlohmann/json.hpp>

#include <cmath>
#include <iostream>
#include <sstream>
#include <thread>

#include "app/cli/CliArgs.h"
#include "app/cli/Commands.h"
#include "core/data/PairDataset.h"
#include "core/run/RunStore.h"
#include "core/train/Evaluation.h"
#include "core/train/TrainingData.h"
#include "core/util/Error.h"
#include "core/util/SafeFile.h"

namespace rgpb::cli {
namespace {

int evalRun(const std::vector<std::string>& argv) {
    CliArgs args(argv, {"data", "format", "per-pair", "device", "threads", "limit", "batch-size",
                        "grad-diff-steps"});
    const auto format = args.value("format");
    const DataFormat data_format =
        parseDataFormat(format.value_or("auto"), "--format", "eval");  // before loading a model
    if (format && !args.has("data"))
        throw UsageError("--format F needs --data FILE");
    if (args.positional().size() != 1)
        throw Error("eval: expected one RUN_DIR or CHECKPOINT");
    int threads = static_cast<int>(args.integer("threads", 0));
    torch::set_num_threads(
        threads > 0 ? threads
                    : static_cast<int>(std::max(1u, std::thread::hardware_concurrency())));
    torch::Device device(args.value("device").value_or("cpu"));
    if (device.is_cuda() && !torch::cuda::is_available()) {
        throw Error("eval: --device " + device.str() + " but CUDA is not available");
    }
    LoadedRun run = loadRun(args.positional()[0], device);

    std::vector<PairText> texts;
    std::string data_name;
    bool documents = run.config.data.textSource();
    if (auto path = args.value("data")) {
        PairDataset ds = readPairDataset(*path, data_format);
        texts = std::move(ds.pairs);
        data_name = *path;
        documents = ds.format == DataFormat::Text || ds.format == DataFormat::TextJsonl;
        std::cerr << *path << ": " << ds.report.read << " pairs read, " << ds.report.skipped
                  << " skipped\n";
    } else {
        texts = loadPairTexts(run.config.data, run.config.dataSeed()).eval;
        data_name = "eval split of " + run.run_dir;
    }
    std::size_t limit = static_cast<std::size_t>(args.integer("limit", 0));
    if (limit > 0 && texts.size() > limit)
        texts.resize(limit);
    if (texts.empty())
        throw Error("eval: no pairs to evaluate");

    LengthLimits limits;
    limits.max_length = static_cast<int>(run.config.data.max_length);
    limits.max_prompt_length = static_cast<int>(run.config.data.max_prompt_length);
    std::vector<TokenizedPair> pairs = tokenizePairs(*run.tokenizer, texts, limits);

    EvaluationOptions o;
    o.documents = documents;  // text: only the positive side's metrics mean anything
    o.batch_size = args.integer("batch-size", run.config.eval.batch_size);
    o.grad_diff_steps =
        static_cast<int>(args.integer("grad-diff-steps", run.config.eval.grad_diff_steps));
    std::ostringstream per_pair;
    auto per_pair_path = args.value("per-pair");
    if (per_pair_path) {
        o.per_pair = [&](std::size_t i, const PairRecord& r) {
            nlohmann::ordered_json j;
            j["index"] = i;
            j["origin"] = texts[i].origin;
            j["S_pos"] = r.s_pos;
            j["S_neg"] = r.s_neg;
            j["T_pos"] = r.t_pos;
            j["T_neg"] = r.t_neg;
            j["m_pos"] = r.s_pos / r.t_pos;
            j["m_neg"] = r.s_neg / r.t_neg;
            per_pair << j.dump() << "\n";
        };
    }
    PairMetrics m = evaluatePairs(run.model, pairs, run.tokenizer->specials().pad, device, o);
    if (per_pair_path)
        writeFileAtomic(*per_pair_path, per_pair.str());

    nlohmann::ordered_json j;
    j["run"] = run.run_dir;
    j["checkpoint"] = run.checkpoint;
    j["data"] = data_name;
    for (const auto& [k, v] : m.named()) {
        if (std::isfinite(v))
            j[k] = v;
        else
            j[k] = nullptr;
    }
    std::cout << j.dump(2) << "\n";
    return 0;
}

const char* kEvalHelp =
    "usage: rgpb eval RUN_DIR|CHECKPOINT [--data FILE [--format F]] [--per-pair OUT.jsonl]\n"
    "                 [--limit N] [--batch-size N] [--grad-diff-steps K] [--device D]\n"
    "                 [--threads N]\n\n"
    "Prints perplexity, agility, pos_prob, logp_margin, info_diff and grad_diff as JSON.\n"
    "Without --data it uses the run's own eval split. --per-pair writes one JSON line per\n"
    "pair with S_pos, S_neg, T_pos, T_neg, m_pos, m_neg.\n\n"
    "--format F: the format of the --data file (default auto):\n";

}  // namespace

Command evalCommand() {
    return {"eval", "metrics of a run or checkpoint on its eval split or a pair file",
            kEvalHelp + dataFormatHelp(), evalRun};
}

}  // namespace rgpb::cli
