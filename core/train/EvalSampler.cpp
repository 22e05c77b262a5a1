#include "core/train/EvalSampler.h"

#include <torch/torch.h>

#include <set>

#include "core/data/SyntheticTask.h"
#include "core/generate/Generator.h"
#include "core/util/Error.h"

namespace rgpb {

EvalSampler::EvalSampler(const RunConfig& config, const std::vector<PairText>& eval_pairs)
    : max_new_tokens_(config.eval.sample_max_new_tokens),
      max_prompt_tokens_(config.data.max_prompt_length) {
    std::set<std::string> seen;
    for (const PairText& p : eval_pairs) {
        if (static_cast<int64_t>(pairs_.size()) >= config.eval.samples)
            break;
        if (seen.insert(p.prompt_pos).second)
            pairs_.push_back(p);
    }
}

SamplesReport EvalSampler::sample(const LanguageModel& model, const Tokenizer& tokenizer,
                                  const torch::Device& device, int64_t step, int stage,
                                  const RunControl* control) const {
    SamplesReport report;
    report.step = step;
    report.stage = stage;
    if (pairs_.empty())
        return report;
    GenerationSettings s;
    s.max_new_tokens = max_new_tokens_;
    s.temperature = 0.0;
    s.use_kv_cache = true;
    s.batch_size = static_cast<int64_t>(pairs_.size());
    GenerationHooks hooks;
    hooks.progress = [control](const GenerationProgress&) {
        if (control != nullptr && control->cancelRequested())
            throw CancelledError();
    };
    std::vector<std::string> prompts;
    for (const PairText& p : pairs_)
        prompts.push_back(p.prompt_pos);
    Generator generator(model, tokenizer.specials(), device);
    const auto out = generator.generateText(tokenizer, prompts, max_prompt_tokens_, s, hooks);
    for (std::size_t i = 0; i < out.size(); ++i) {
        GenerationSample g;
        g.prompt = out[i].prompt;
        g.response = out[i].response;
        const PairText& pair = pairs_[i];
        if (!pair.reference.empty() || syntheticAnswer(pair.prompt_pos))
            g.correct = isCorrectResponse(pair, out[i].response);
        report.samples.push_back(std::move(g));
    }
    return report;
}

}  // namespace rgpb
