#include "core/train/TrainerDiagnostics.h"

#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <limits>

#include "core/diagnostics/DiagnosticsSummary.h"
#include "core/diagnostics/GradientSplit.h"
#include "core/diagnostics/NegativeWeights.h"
#include "core/run/RunStore.h"
#include "core/train/PairForward.h"

namespace rgpb {

namespace {

using Clock = std::chrono::steady_clock;

double since(Clock::time_point t0) {
    return std::chrono::duration<double>(Clock::now() - t0).count();
}

// The response tokens of a sequence as text pieces (special tokens by name).
std::vector<std::string> responsePieces(const TokenizedSequence& s, const Tokenizer& tokenizer) {
    const SpecialTokens sp = tokenizer.specials();
    std::vector<std::string> out;
    for (std::size_t i = static_cast<std::size_t>(s.response_start); i < s.ids.size(); ++i) {
        const int32_t id = s.ids[i];
        if (id == sp.eos)
            out.push_back("<eos>");
        else if (id == sp.pad || id == sp.bos || id == sp.sep)
            out.push_back("<special " + std::to_string(id) + ">");
        else
            out.push_back(tokenizer.decode({id}));
    }
    return out;
}

bool hasNegativeSide(const ObjectiveSpec& spec) {
    return std::any_of(spec.terms.begin(), spec.terms.end(), [](const ObjectiveTerm& t) {
        return t.kind == ObjectiveKind::Dpo || t.kind == ObjectiveKind::Unlikelihood ||
               t.kind == ObjectiveKind::Exmate;
    });
}

// Row b's response tokens' log-probs (where the mask is set), in order.
std::vector<double> maskedRow(const torch::Tensor& logp, const torch::Tensor& mask, int64_t b) {
    torch::Tensor row = logp[b].masked_select(mask[b] > 0).to(torch::kFloat64).cpu().contiguous();
    const double* p = row.data_ptr<double>();
    return std::vector<double>(p, p + row.numel());
}

}  // namespace

TrainerDiagnostics::TrainerDiagnostics(const RunConfig& config, std::string run_dir,
                                       const std::vector<TokenizedPair>& eval,
                                       const Tokenizer& tokenizer,
                                       const std::vector<int64_t>& stage_steps, int64_t resume_step)
    : config_(config), run_dir_(std::move(run_dir)), eval_(eval), pad_(tokenizer.specials().pad) {
    int64_t at = 0;
    for (int64_t steps : stage_steps) {
        stage_start_.push_back(at);
        at += steps;
    }
    if (!config.diagnostics.enabled || config.data.textSource() || eval.empty())
        return;
    const auto k = std::min(static_cast<std::size_t>(config.diagnostics.token_pairs), eval.size());
    if (k > 0) {
        std::vector<TokenPieces> pieces;
        for (std::size_t i = 0; i < k; ++i)
            pieces.push_back({i, responsePieces(eval[i].pos, tokenizer),
                              responsePieces(eval[i].neg, tokenizer)});
        writeTokenPieces(run_dir_, pieces);
    }
    if (resume_step >= 0) {
        EvalPairs last = readEvalPairs(run_dir_);
        if (last.step <= resume_step && last.pairs.size() == eval.size()) {
            last_step_ = last.step;
            last_pairs_ = std::move(last.pairs);
        }
    }
}

void TrainerDiagnostics::begin(int64_t step, int stage) {
    active_ = config_.diagnostics.enabled && !config_.data.textSource() && !eval_.empty();
    step_ = step;
    stage_ = stage;
    seconds_ = 0.0;
    weights_.clear();
    terms_.clear();
    tokens_ = TokenSnapshot{};
    tokens_.step = step;
    tokens_.stage = stage;
    const auto k =
        std::min(static_cast<std::size_t>(config_.diagnostics.token_pairs), eval_.size());
    for (std::size_t i = 0; i < k; ++i)
        tokens_.pairs.push_back(i);
    tokens_.pos.assign(k, {});
    tokens_.neg.assign(k, {});
}

void TrainerDiagnostics::addBatch(const std::vector<std::size_t>& idx, const PairLogProbs& batch) {
    if (!active_)
        return;
    const auto t0 = Clock::now();
    const ObjectiveSpec& spec = config_.stages.at(static_cast<std::size_t>(stage_)).objective;
    for (TermWeights& w : negativeWeights(spec, batch)) {
        auto [it, added] = weights_.try_emplace(w.term);
        if (added) {
            terms_.push_back(w.term);
            it->second.first = w.formula;
            it->second.second.assign(eval_.size(), std::numeric_limits<double>::quiet_NaN());
        }
        const torch::Tensor v = w.values.contiguous();
        const double* p = v.data_ptr<double>();
        for (std::size_t b = 0; b < idx.size(); ++b)
            it->second.second.at(idx[b]) = p[b];
    }
    for (std::size_t b = 0; b < idx.size(); ++b) {
        if (idx[b] >= tokens_.pairs.size())
            continue;
        const auto row = static_cast<int64_t>(b);
        tokens_.pos[idx[b]] = maskedRow(batch.pos.token_logp, batch.pos.mask, row);
        tokens_.neg[idx[b]] = maskedRow(batch.neg.token_logp, batch.neg.mask, row);
    }
    seconds_ += since(t0);
}

const StageBaseline& TrainerDiagnostics::baseline(const std::vector<PairRecord>& pairs) {
    if (have_baseline_ && baseline_.stage == stage_ && baseline_.s_pos.size() == pairs.size())
        return baseline_;
    StageBaseline b;
    if (readStageBaseline(run_dir_, stage_, b) && b.s_pos.size() == pairs.size()) {
        baseline_ = std::move(b);
        have_baseline_ = true;
        return baseline_;
    }
    // The stage's first evaluation: the previous stage's last one when it was taken at the step
    // this stage started (the same weights), else this one.
    const bool previous = last_step_ == stage_start_.at(static_cast<std::size_t>(stage_)) &&
                          last_pairs_.size() == pairs.size();
    const std::vector<PairRecord>& from = previous ? last_pairs_ : pairs;
    b.stage = stage_;
    b.step = previous ? last_step_ : step_;
    for (const PairRecord& p : from) {
        b.s_pos.push_back(p.s_pos);
        b.s_neg.push_back(p.s_neg);
    }
    writeStageBaseline(run_dir_, b);
    baseline_ = std::move(b);
    have_baseline_ = true;
    return baseline_;
}

DiagnosticsRow TrainerDiagnostics::finish(const std::vector<PairRecord>& pairs,
                                          const LanguageModel& model,
                                          const torch::Tensor& reference_eval,
                                          const torch::Device& device) {
    const auto t0 = Clock::now();
    const StageConfig& sc = config_.stages.at(static_cast<std::size_t>(stage_));
    const DiagnosticsConfig& dc = config_.diagnostics;
    DiagnosticsRow row;
    row.step = step_;
    row.stage = stage_;
    row.stage_name = sc.name;
    row.method = sc.objective.describe();
    row.beta = sc.beta().value_or(0.0);
    for (const std::string& term : terms_) {
        auto& [formula, values] = weights_[term];
        row.weights.push_back(weightDistribution(term, formula, std::move(values)));
    }
    const StageBaseline& b = baseline(pairs);
    row.displacement = measureDisplacement(b, pairs, dc.displacement_threshold,
                                           static_cast<std::size_t>(dc.top_pairs));
    tokens_.stage_start_step = b.step;
    if (hasNegativeSide(sc.objective) && dc.probe_pairs > 0 &&
        (!sc.objective.needsReference() || reference_eval.defined())) {
        row.probe_pairs = std::min(static_cast<std::size_t>(dc.probe_pairs), eval_.size());
        row.gradients = probeGradients(model, reference_eval, device);
    }
    last_step_ = step_;
    last_pairs_ = pairs;
    row.seconds = seconds_ + since(t0);
    return row;
}

std::vector<GradientGroup> TrainerDiagnostics::probeGradients(const LanguageModel& model,
                                                              const torch::Tensor& reference_eval,
                                                              const torch::Device& device) const {
    const StageConfig& sc = config_.stages.at(static_cast<std::size_t>(stage_));
    const auto n =
        std::min(static_cast<std::size_t>(config_.diagnostics.probe_pairs), eval_.size());
    std::vector<std::size_t> idx(n);
    for (std::size_t i = 0; i < n; ++i)
        idx[i] = i;
    torch::AutoGradMode grad(true);
    const bool was_training = model->is_training();
    model->eval();  // no dropout: nothing random runs
    std::vector<GradientGroup> out;
    try {
        PairForward f = forwardPairs(model, collatePairs(eval_, idx, pad_, false), device);
        if (reference_eval.defined()) {
            torch::Tensor rows = reference_eval.slice(0, 0, static_cast<int64_t>(n));
            f.logprobs.ref_pos_sum = rows.select(1, 0).to(device);
            f.logprobs.ref_neg_sum = rows.select(1, 1).to(device);
        }
        auto objective = makeObjective(sc.objective);
        out = groupGradients(splitGradient(model, *objective, f.logprobs));
    } catch (...) {
        model->train(was_training);
        throw;
    }
    model->train(was_training);
    return out;
}

void TrainerDiagnostics::write(const DiagnosticsRow& row) const {
    appendDiagnostics(run_dir_, row);
    if (!tokens_.pairs.empty())
        writeTokenSnapshot(run_dir_, tokens_);
}

}  // namespace rgpb
