// `rgpb sample`: a run's model continues prompts (one --prompt, or a file of them); responses
// are printed, or written as JSONL with --out.
#include <torch/torch.h>
#include <nlohmann/json.hpp>

#include <iostream>
#include <sstream>

#include "app/cli/CliArgs.h"
#include "app/cli/Commands.h"
#include "app/cli/GenerationArgs.h"
#include "app/cli/StopSignals.h"
#include "core/generate/Comparison.h"
#include "core/generate/Generator.h"
#include "core/run/RunStore.h"
#include "core/train/Evaluation.h"
#include "core/util/Error.h"
#include "core/util/SafeFile.h"

namespace rgpb::cli {
namespace {

int sample(const std::vector<std::string>& argv) {
    std::vector<std::string> flags = generationFlags();
    for (const char* f : {"prompt", "prompts", "checkpoint", "out"})
        flags.emplace_back(f);
    CliArgs args(argv, flags, {kNoKvCacheSwitch});
    if (args.positional().size() != 1)
        throw Error("sample: expected one RUN_DIR or CHECKPOINT (see 'rgpb sample --help')");
    if (args.has("prompt") == args.has("prompts"))
        throw Error("sample: give either --prompt TEXT (repeatable) or --prompts FILE");
    const GenerationSettings settings = generationSettings(args);

    std::vector<std::string> prompts;
    if (args.has("prompt")) {
        for (const std::string& p : args.values("prompt"))
            prompts.push_back(unescapePromptLine(p));
    } else {
        for (PromptEntry& e : readPromptFile(*args.value("prompts")))
            prompts.push_back(std::move(e.prompt));
    }

    setThreads(args);
    const std::string device_name = args.value("device").value_or("cpu");
    torch::Device device(device_name);
    if (device.is_cuda() && !torch::cuda::is_available())
        throw Error("sample: --device " + device_name + " but CUDA is not available");
    LoadedRun run = loadRun(
        checkpointPath(args.positional()[0], args.value("checkpoint").value_or("final")), device);
    std::cerr << "sample: " << run.checkpoint << ", " << prompts.size() << " prompt(s)\n";

    Generator generator(run.model, run.tokenizer->specials(), device);
    StopSignals stop;
    ProgressLine line("sample");
    GenerationHooks hooks;
    hooks.cancel = stop.flag();
    hooks.progress = [&](const GenerationProgress& p) { line.update(p); };
    std::vector<GeneratedText> out;
    try {
        out = generator.generateText(*run.tokenizer, prompts, run.config.data.max_prompt_length,
                                     settings, hooks);
    } catch (const CancelledError&) {
        std::cerr << "sample: cancelled\n";
        return stop.exitCode();
    }

    if (auto path = args.value("out")) {
        std::ostringstream jsonl;
        for (const GeneratedText& g : out) {
            nlohmann::ordered_json j;
            j["prompt"] = g.prompt;
            j["response"] = g.response;
            j["new_tokens"] = g.new_tokens;
            j["stopped_at_eos"] = g.stopped_at_eos;
            jsonl << j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
        }
        writeFileAtomic(*path, jsonl.str());
        std::cerr << "sample: " << out.size() << " response(s) written to " << *path << "\n";
        return 0;
    }
    for (std::size_t i = 0; i < out.size(); ++i) {
        if (out.size() > 1)
            std::cout << "--- " << (i + 1) << "/" << out.size() << " ---\n";
        if (out.size() > 1 || args.has("prompts"))
            std::cout << out[i].prompt << "\n";
        std::cout << out[i].response << "\n";
    }
    return 0;
}

}  // namespace

Command sampleCommand() {
    return {"sample", "a run's model continues prompts (greedy, temperature, top-k, top-p)",
            "usage: rgpb sample RUN_DIR|CHECKPOINT (--prompt TEXT ... | --prompts FILE)\n"
            "                   [--checkpoint final|step-N] [--out FILE.jsonl] [options]\n\n"
            "Continues each prompt as training laid it out ([BOS] prompt [SEP] response [EOS])\n"
            "until EOS or --max-new-tokens. In --prompt and in plain prompt files \\n, \\t and\n"
            "\\\\ stand for a newline, a tab and a backslash. A prompts file is one prompt per\n"
            "line, or JSONL with a \"prompt\" field (detected from the first line). Responses\n"
            "are printed; --out writes JSONL {prompt, response, new_tokens, stopped_at_eos}.\n\n"
            "options:\n" +
                generationHelp(),
            sample};
}

}  // namespace rgpb::cli
