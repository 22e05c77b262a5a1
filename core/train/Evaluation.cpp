#include "core/train/Evaluation.h"

#include <torch/torch.h>

#include <filesystem>

#include "core/metrics/BatchMetrics.h"
#include "core/model/HfImport.h"
#include "core/model/Safetensors.h"
#include "core/tokenizer/TokenizerFactory.h"
#include "core/train/Checkpoint.h"
#include "core/train/CheckpointManifest.h"
#include "core/train/ModelSource.h"
#include "core/train/PairForward.h"
#include "core/util/Error.h"

namespace fs = std::filesystem;

namespace rgpb {

PairMetrics evaluatePairs(const LanguageModel& model, const std::vector<TokenizedPair>& pairs,
                          int32_t pad_id, const torch::Device& device, const EvaluationOptions& o) {
    torch::NoGradGuard no_grad;
    const bool was_training = model->is_training();
    model->eval();
    PairMetricsAccumulator acc(o.beta, o.grad_diff_steps);
    for (const std::vector<std::size_t>& idx : inferenceBatches(pairs, o.batch_size)) {
        if (o.control && o.control->cancelRequested()) {
            model->train(was_training);
            throw CancelledError();
        }
        PairForward f = forwardPairs(model, collatePairs(pairs, idx, pad_id, o.documents), device);
        if (o.reference.defined()) {
            const std::vector<int64_t> at(idx.begin(), idx.end());
            torch::Tensor rows = o.reference.index_select(0, torch::tensor(at, torch::kLong));
            f.logprobs.ref_pos_sum = rows.select(1, 0).to(device);
            f.logprobs.ref_neg_sum = rows.select(1, 1).to(device);
        }
        if (o.per_batch)
            o.per_batch(idx, f.logprobs);
        PairMetricsAccumulator batch_acc(o.beta, o.grad_diff_steps);
        addPairRecords(batch_acc, f.logprobs);
        if (!o.documents)
            addGradDiff(batch_acc, f.pos_logits, f.pos_mask, f.neg_logits, f.neg_mask,
                        o.grad_diff_steps);
        if (o.per_pair) {
            for (std::size_t i = 0; i < idx.size(); ++i)
                o.per_pair(idx[i], batch_acc.pairs()[i]);
        }
        acc.merge(batch_acc);
    }
    model->train(was_training);
    PairMetrics metrics = acc.result();
    if (o.documents)
        markAsDocuments(metrics);
    return metrics;
}

namespace {

// Chains of runs (base -> mle -> dpo) are short; a longer one is a run naming itself.
constexpr int kMaxModelFromDepth = 64;

// The positions `config` needs on top of the shape `s` of model.from (`where` names the file).
ModelShape fitPositions(ModelShape s, const RunConfig& config, const std::string& where) {
    if (s.seq2seq())
        return s;  // relative positions: any length
    ModelConfig c = s.decoderOnly();
    if (c.max_positions < config.data.max_length) {
        if (c.learned_positions) {
            throw InputError(where, "gives " + std::to_string(c.max_positions) +
                                        " positions, fewer than data.max_length " +
                                        std::to_string(config.data.max_length) +
                                        " (learned position embeddings cannot be extended)");
        }
        c.max_positions = config.data.max_length;  // rotary tables extend to any length
    }
    return c;
}

ModelShape modelShapeAt(const RunConfig& config, const Tokenizer& tokenizer, int depth) {
    const ModelSection& m = config.model;
    const int64_t vocab_size = tokenizer.vocabSize();
    if (!m.from.empty()) {
        const ModelSource source = resolveModelSource(m.from);
        if (source.kind != ModelSourceKind::HuggingFace) {
            if (depth >= kMaxModelFromDepth)
                throw InputError(source.configYaml(), "model.from leads through more than " +
                                                          std::to_string(kMaxModelFromDepth) +
                                                          " runs (does a run start from itself?)");
            const RunConfig from = loadRunConfig(source.configYaml());
            return fitPositions(modelShapeAt(from, tokenizer, depth + 1), config,
                                source.configYaml() + " (the model of " + m.from + ")");
        }
        ModelShape s = readHfShape(m.from);
        if (vocab_size > s.vocabSize()) {
            throw InputError(m.from + "/config.json (vocab_size)",
                             "is " + std::to_string(s.vocabSize()) + " but the tokenizer has " +
                                 std::to_string(vocab_size) + " tokens");
        }
        return fitPositions(s, config, m.from + "/config.json (n_positions)");
    }
    const SpecialTokens sp = tokenizer.specials();
    return freshModelShape(m, vocab_size, config.data.max_length, sp.pad, sp.eos);
}

}  // namespace

ModelShape modelShapeFor(const RunConfig& config, const Tokenizer& tokenizer) {
    return modelShapeAt(config, tokenizer, 0);
}

void loadStartWeights(const LanguageModel& model, const std::string& from) {
    const ModelSource source = resolveModelSource(from);
    if (source.kind == ModelSourceKind::HuggingFace)
        loadHfWeights(model, from);
    else {
        requireIntactCheckpoint(source.run.checkpoint);
        loadModelWeights(model, source.weightsFile());
    }
}

LoadedRun loadRun(const std::string& path, const torch::Device& device) {
    LoadedRun r;
    const RunCheckpoint found = resolveRunCheckpoint(path);
    r.run_dir = found.run_dir;
    r.checkpoint = found.checkpoint;
    r.config = loadRunConfig((fs::path(r.run_dir) / "config.yaml").string());
    r.tokenizer = loadTokenizer((fs::path(r.run_dir) / "tokenizer").string());
    r.model = LanguageModel(modelShapeFor(r.config, *r.tokenizer));
    requireIntactCheckpoint(r.checkpoint);
    loadModelWeights(r.model, (fs::path(r.checkpoint) / "model.safetensors").string());
    r.model->to(device);
    r.model->eval();
    return r;
}

}  // namespace rgpb
