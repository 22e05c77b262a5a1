#include "core/train/Evaluation.h"

#include <torch/torch.h>

#include <filesystem>

#include "core/metrics/BatchMetrics.h"
#include "core/model/HfImport.h"
#include "core/model/Safetensors.h"
#include "core/tokenizer/TokenizerFactory.h"
#include "core/train/Checkpoint.h"
#include "core/train/PairForward.h"
#include "core/util/Error.h"

namespace fs = std::filesystem;

namespace rgpb {

PairMetrics evaluatePairs(GptNeoX& model, const std::vector<TokenizedPair>& pairs, int32_t pad_id,
                          const torch::Device& device, const EvaluationOptions& o) {
    torch::NoGradGuard no_grad;
    const bool was_training = model->is_training();
    model->eval();
    PairMetricsAccumulator acc(o.beta, o.grad_diff_steps);
    const std::size_t bs = static_cast<std::size_t>(std::max<int64_t>(1, o.batch_size));
    for (std::size_t start = 0; start < pairs.size(); start += bs) {
        if (o.control && o.control->cancelRequested()) {
            model->train(was_training);
            throw CancelledError();
        }
        std::vector<std::size_t> idx;
        for (std::size_t i = start; i < std::min(pairs.size(), start + bs); ++i)
            idx.push_back(i);
        PairForward f = forwardPairs(model, collatePairs(pairs, idx, pad_id), device);
        if (o.reference.defined()) {
            torch::Tensor rows = o.reference.slice(0, static_cast<int64_t>(start),
                                                   static_cast<int64_t>(start + idx.size()));
            f.logprobs.ref_pos_sum = rows.select(1, 0).to(device);
            f.logprobs.ref_neg_sum = rows.select(1, 1).to(device);
        }
        PairMetricsAccumulator batch_acc(o.beta, o.grad_diff_steps);
        addPairRecords(batch_acc, f.logprobs);
        addGradDiff(batch_acc, f.pos_logits, f.pos_mask, f.neg_logits, f.neg_mask,
                    o.grad_diff_steps);
        if (o.per_pair) {
            for (std::size_t i = 0; i < idx.size(); ++i)
                o.per_pair(idx[i], batch_acc.pairs()[i]);
        }
        acc.merge(batch_acc);
    }
    model->train(was_training);
    return acc.result();
}

ModelConfig modelConfigFor(const RunConfig& config, int64_t vocab_size) {
    const ModelSection& m = config.model;
    if (!m.from.empty()) {
        ModelConfig c = readHfConfig(m.from);
        if (vocab_size > c.vocab_size) {
            throw InputError(m.from + "/config.json (vocab_size)",
                             "is " + std::to_string(c.vocab_size) + " but the tokenizer has " +
                                 std::to_string(vocab_size) + " tokens");
        }
        if (c.max_positions < config.data.max_length) {
            if (c.learned_positions) {
                throw InputError(m.from + "/config.json (n_positions)",
                                 "is " + std::to_string(c.max_positions) +
                                     ", shorter than data.max_length " +
                                     std::to_string(config.data.max_length) +
                                     " (learned position embeddings cannot be extended)");
            }
            c.max_positions = config.data.max_length;  // rotary tables extend to any length
        }
        return c;
    }
    ModelConfig c = ModelConfig::named(m.size, vocab_size);
    if (m.architecture == "gpt2")
        c.makeGpt2();
    if (m.hidden_size)
        c.hidden_size = m.hidden_size;
    if (m.num_layers)
        c.num_layers = m.num_layers;
    if (m.num_heads)
        c.num_heads = m.num_heads;
    if (m.intermediate_size)
        c.intermediate_size = m.intermediate_size;
    if (m.max_positions)
        c.max_positions = m.max_positions;
    if (m.rotary_pct >= 0)
        c.rotary_pct = m.rotary_pct;
    if (m.parallel_residual >= 0)
        c.parallel_residual = m.parallel_residual == 1;
    c.max_positions = std::max(c.max_positions, config.data.max_length);
    c.validate();
    return c;
}

LoadedRun loadRun(const std::string& path, const torch::Device& device) {
    LoadedRun r;
    fs::path p(path);
    if (fs::exists(p / "model.safetensors") && fs::exists(p / "state.json")) {
        r.checkpoint = p.string();
        r.run_dir = p.parent_path().parent_path().string();
    } else if (fs::exists(p / "config.yaml")) {
        r.run_dir = p.string();
        r.checkpoint = latestCheckpoint(r.run_dir);
        if (r.checkpoint.empty())
            throw InputError(path, "the run has no checkpoint yet");
    } else {
        throw InputError(path,
                         "not a run folder (config.yaml) or a checkpoint folder (model.safetensors "
                         "+ state.json)");
    }
    r.config = loadRunConfig((fs::path(r.run_dir) / "config.yaml").string());
    r.tokenizer = loadTokenizer((fs::path(r.run_dir) / "tokenizer").string());
    r.model = GptNeoX(modelConfigFor(r.config, r.tokenizer->vocabSize()));
    loadModelWeights(r.model, (fs::path(r.checkpoint) / "model.safetensors").string());
    r.model->to(device);
    r.model->eval();
    return r;
}

}  // namespace rgpb
