// The replaying half of GradientReplay.h (LibTorch). See the header for every definition.
#include "core/analytic/GradientReplay.h"

#include <torch/torch.h>

#include <chrono>
#include <cmath>
#include <limits>

#include "core/analytic/GradientMeasureModel.h"
#include "core/analytic/GradientReplayModel.h"
#include "core/model/ParameterGroups.h"
#include "core/objectives/Objective.h"
#include "core/train/Evaluation.h"
#include "core/train/PairForward.h"
#include "core/util/Error.h"

namespace rgpb {
namespace {

constexpr double kReplayNaN = std::numeric_limits<double>::quiet_NaN();

std::vector<torch::Tensor> replayWeights(const LanguageModel& model) {
    std::vector<torch::Tensor> out;
    for (auto& [name, t] : model.namedWeights())
        out.push_back(t);
    return out;
}

// Batches of consecutive pair indices (the replay's pairs are few; their order is kept).
std::vector<std::vector<std::size_t>> replayBatches(std::size_t n, int64_t batch_size) {
    std::vector<std::vector<std::size_t>> out;
    const auto bs = static_cast<std::size_t>(std::max<int64_t>(1, batch_size));
    for (std::size_t start = 0; start < n; start += bs) {
        out.emplace_back();
        for (std::size_t i = start; i < std::min(n, start + bs); ++i)
            out.back().push_back(i);
    }
    return out;
}

double replayDot(const std::vector<torch::Tensor>& a, const std::vector<torch::Tensor>& b) {
    torch::Tensor sum = torch::zeros({}, torch::kFloat64);
    for (std::size_t k = 0; k < a.size(); ++k)
        sum += (a[k].to(torch::kFloat64) * b[k].to(torch::kFloat64)).sum().cpu();
    return sum.item<double>();
}

double replayRelError(double pred, double actual) {
    return actual == 0.0 ? kReplayNaN : std::abs(pred - actual) / std::abs(actual);
}

// A float64 copy of `model` (same config, same weights) on `device`.
LanguageModel float64Copy(const LanguageModel& model, const torch::Device& device) {
    LanguageModel copy(model.shape());
    copy->to(device, torch::kFloat64);
    torch::NoGradGuard no_grad;
    std::vector<torch::Tensor> src = replayWeights(model), dst = replayWeights(copy);
    for (std::size_t k = 0; k < src.size(); ++k)
        dst[k].copy_(src[k]);
    copy->eval();
    return copy;
}

// Counts and reports units of work; throws CancelledError when asked to.
class ReplayUnits {
public:
    ReplayUnits(std::size_t total, const GradientReplayOptions& o) : total_(total), o_(o) {}
    void check() const {
        if (o_.cancel && o_.cancel->load())
            throw CancelledError();
    }
    void done() {
        ++done_;
        if (o_.progress)
            o_.progress(done_, total_);
    }

private:
    std::size_t total_, done_ = 0;
    const GradientReplayOptions& o_;
};

}  // namespace

torch::Tensor replaySums(const LanguageModel& model, const std::vector<TokenizedPair>& pairs,
                         int32_t pad_id, int64_t batch_size, const torch::Device& device) {
    torch::NoGradGuard no_grad;
    torch::Tensor out = torch::zeros({static_cast<int64_t>(pairs.size()), 2}, torch::kFloat64);
    for (const auto& idx : replayBatches(pairs.size(), batch_size)) {
        PairForward f = forwardPairs(model, collatePairs(pairs, idx, pad_id), device);
        torch::Tensor s = torch::stack({f.logprobs.pos.sum, f.logprobs.neg.sum}, 1)
                              .to(torch::kCPU, torch::kFloat64);
        out.index_copy_(0, torch::tensor(std::vector<int64_t>(idx.begin(), idx.end())), s);
    }
    return out;
}

std::vector<torch::Tensor> objectiveGradient(const LanguageModel& model,
                                             const std::vector<TokenizedPair>& pairs,
                                             int32_t pad_id, ObjectiveKind kind, double beta,
                                             const torch::Tensor& reference, int64_t batch_size,
                                             const torch::Device& device) {
    const char* where = "objectiveGradient";
    requireArgument(!pairs.empty(), where, "pairs", "at least one pair", "none");
    ObjectiveSpec spec = ObjectiveSpec::single(kind, usesBeta(kind) ? beta : 0.1);
    validate(spec);
    std::unique_ptr<Objective> objective = makeObjective(spec);
    if (objective->needsReference()) {
        requireArgument(reference.defined() && reference.dim() == 2 &&
                            reference.size(0) == static_cast<int64_t>(pairs.size()),
                        where, "reference", "[N, 2] reference sums", "none or another shape");
    }
    std::vector<torch::Tensor> params = replayWeights(model);
    std::vector<torch::Tensor> total;
    const double n = static_cast<double>(pairs.size());
    for (const auto& idx : replayBatches(pairs.size(), batch_size)) {
        PairForward f = forwardPairs(model, collatePairs(pairs, idx, pad_id), device);
        if (objective->needsReference()) {
            torch::Tensor rows = reference.index_select(
                0, torch::tensor(std::vector<int64_t>(idx.begin(), idx.end())));
            torch::Tensor ref = rows.to(device, f.logprobs.pos.sum.scalar_type());
            f.logprobs.ref_pos_sum = ref.select(1, 0);
            f.logprobs.ref_neg_sum = ref.select(1, 1);
        }
        // The batch's loss is its own mean: weight it by its share of the N pairs.
        torch::Tensor loss =
            objective->compute(f.logprobs).loss * (static_cast<double>(idx.size()) / n);
        std::vector<torch::Tensor> g = torch::autograd::grad({loss}, params, {}, false, false,
                                                             /*allow_unused=*/true);
        for (std::size_t k = 0; k < g.size(); ++k) {
            torch::Tensor gk = g[k].defined() ? g[k] : torch::zeros_like(params[k]);
            if (total.size() <= k)
                total.push_back(gk.detach());
            else
                total[k] = total[k] + gk.detach();
        }
    }
    return total;
}

GradientReplayResult replayTokenizedPairs(const LanguageModel& model,
                                          const std::vector<TokenizedPair>& pairs, int32_t pad_id,
                                          const GradientReplayOptions& o) {
    const char* where = "gradlab replay";
    requireArgument(!pairs.empty(), where, "pairs", "at least one pair", "none");
    requireArgument(!o.methods.empty(), where, "methods", "at least one method", "none");
    requireArgument(!o.lrs.empty(), where, "lr", "at least one learning rate", "none");
    requireArgument(std::isfinite(o.beta) && o.beta > 0, where, "beta", "finite and > 0", o.beta);
    for (double lr : o.lrs)
        requireArgument(std::isfinite(lr) && lr > 0, where, "lr", "finite and > 0", lr);
    const auto t0 = std::chrono::steady_clock::now();
    const std::size_t n = pairs.size(), m_count = o.methods.size();
    ReplayUnits units(m_count + n + m_count * o.lrs.size(), o);

    const bool was_training = model->is_training();
    model->eval();
    GradientReplayResult r;
    r.beta = o.beta;
    r.pairs = n;
    r.lrs = o.lrs;

    std::vector<std::string> names;
    for (auto& [name, t] : model.namedWeights()) {
        names.push_back(name);
        r.parameters += static_cast<std::size_t>(t.numel());
    }
    ParameterGrouping grouping = groupParameters(names);
    r.groups = grouping.groups;
    const std::vector<std::size_t>& group_of = grouping.group_of;

    const torch::Tensor base = replaySums(model, pairs, pad_id, o.batch_size, o.device);
    const torch::Tensor reference = o.reference.defined() ? o.reference : base;

    // 1. One gradient per method, its loss, norms.
    std::vector<std::vector<torch::Tensor>> grads;
    for (ObjectiveKind kind : o.methods) {
        units.check();
        grads.push_back(objectiveGradient(model, pairs, pad_id, kind, o.beta, reference,
                                          o.batch_size, o.device));
        ReplayNorms nm;
        nm.method = objectiveKindName(kind);
        r.methods.push_back(nm.method);
        std::vector<double> sq(r.groups.size(), 0.0);
        for (std::size_t k = 0; k < grads.back().size(); ++k)
            sq[group_of[k]] += grads.back()[k].to(torch::kFloat64).pow(2).sum().item<double>();
        double all = 0;
        for (double s : sq) {
            nm.group_norms.push_back(std::sqrt(s));
            all += s;
        }
        nm.norm = std::sqrt(all);
        r.norms.push_back(nm);
        units.done();
    }
    // Losses at the checkpoint (no gradient).
    {
        torch::NoGradGuard no_grad;
        for (std::size_t mi = 0; mi < m_count; ++mi) {
            ObjectiveSpec spec = ObjectiveSpec::single(o.methods[mi], o.beta);
            std::unique_ptr<Objective> objective = makeObjective(spec);
            double loss = 0;
            for (const auto& idx : replayBatches(n, o.batch_size)) {
                PairForward f = forwardPairs(model, collatePairs(pairs, idx, pad_id), o.device);
                torch::Tensor ref =
                    reference
                        .index_select(0,
                                      torch::tensor(std::vector<int64_t>(idx.begin(), idx.end())))
                        .to(o.device, f.logprobs.pos.sum.scalar_type());
                f.logprobs.ref_pos_sum = ref.select(1, 0);
                f.logprobs.ref_neg_sum = ref.select(1, 1);
                loss += objective->compute(f.logprobs).loss.item<double>() *
                        static_cast<double>(idx.size()) / static_cast<double>(n);
            }
            r.norms[mi].loss = loss;
        }
    }

    // 2. Cosines.
    r.cosines.assign(m_count, std::vector<double>(m_count, kReplayNaN));
    for (std::size_t a = 0; a < m_count; ++a) {
        for (std::size_t b = a; b < m_count; ++b) {
            const double na = r.norms[a].norm, nb = r.norms[b].norm;
            double c = kReplayNaN;
            if (na > 0 && nb > 0)
                c = a == b ? 1.0 : replayDot(grads[a], grads[b]) / (na * nb);
            r.cosines[a][b] = r.cosines[b][a] = c;
        }
    }

    // 3. Per pair: g_m . grad S+_i and g_m . grad S-_i, one pair's gradients at a time.
    std::vector<std::vector<double>> pos_dot(m_count, std::vector<double>(n)),
        neg_dot(m_count, std::vector<double>(n));
    std::vector<torch::Tensor> params = replayWeights(model);
    for (std::size_t i = 0; i < n; ++i) {
        units.check();
        PairForward f = forwardPairs(model, collatePairs(pairs, {i}, pad_id), o.device);
        std::vector<torch::Tensor> gp =
            torch::autograd::grad({f.logprobs.pos.sum.sum()}, params, {}, true, false, true);
        std::vector<torch::Tensor> gn =
            torch::autograd::grad({f.logprobs.neg.sum.sum()}, params, {}, false, false, true);
        for (std::size_t k = 0; k < params.size(); ++k) {
            if (!gp[k].defined())
                gp[k] = torch::zeros_like(params[k]);
            if (!gn[k].defined())
                gn[k] = torch::zeros_like(params[k]);
        }
        for (std::size_t mi = 0; mi < m_count; ++mi) {
            pos_dot[mi][i] = replayDot(grads[mi], gp);
            neg_dot[mi][i] = replayDot(grads[mi], gn);
        }
        units.done();
    }

    // 4. The actual step, on one scratch copy: theta - lr g_m for every method and lr.
    LanguageModel stepped(model.shape());
    stepped->to(o.device, params.front().scalar_type());
    stepped->eval();
    std::vector<torch::Tensor> sp = replayWeights(stepped);
    // actual[mi][li] = [N, 2] sums after the step.
    std::vector<std::vector<torch::Tensor>> after(m_count);
    for (std::size_t mi = 0; mi < m_count; ++mi) {
        for (double lr : o.lrs) {
            units.check();
            {
                torch::NoGradGuard no_grad;
                for (std::size_t k = 0; k < sp.size(); ++k)
                    sp[k].copy_(params[k] - lr * grads[mi][k]);
            }
            after[mi].push_back(replaySums(stepped, pairs, pad_id, o.batch_size, o.device));
            units.done();
        }
    }
    auto ba = base.accessor<double, 2>();
    for (std::size_t i = 0; i < n; ++i) {
        for (std::size_t mi = 0; mi < m_count; ++mi) {
            for (std::size_t li = 0; li < o.lrs.size(); ++li) {
                const double lr = o.lrs[li];
                auto aa = after[mi][li].accessor<double, 2>();
                const auto row = static_cast<int64_t>(i);
                ReplayEffect e;
                e.pair = i;
                e.method = r.methods[mi];
                e.lr = lr;
                e.d_pos_pred = -lr * pos_dot[mi][i];
                e.d_neg_pred = -lr * neg_dot[mi][i];
                e.d_pos_actual = aa[row][0] - ba[row][0];
                e.d_neg_actual = aa[row][1] - ba[row][1];
                e.rel_err_pos = replayRelError(e.d_pos_pred, e.d_pos_actual);
                e.rel_err_neg = replayRelError(e.d_neg_pred, e.d_neg_actual);
                r.effects.push_back(e);
            }
        }
    }
    model->train(was_training);
    summarizeGradientReplay(r);
    r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    return r;
}

GradientReplayResult replayGradients(const GradientReplayRequest& request,
                                     const GradientReplayProgress& progress,
                                     const std::atomic<bool>* cancel) {
    const char* where = "gradlab replay";
    validateReplayRequest(request, where);
    const torch::Device device = gradlabDevice(request.device, where);
    LoadedRun run = loadRun(request.model_path, device);

    GradientMeasureRequest data_request;
    data_request.data_path = request.data_path;
    data_request.format = request.format;
    data_request.max_pairs = request.max_pairs;
    GradlabPairs data = loadGradlabPairs(data_request, run, where);
    const int32_t pad = run.tokenizer->specials().pad;

    GradientReplayOptions o;
    for (const std::string& m : request.methods)
        o.methods.push_back(parseObjectiveKind(m));
    o.beta = request.beta;
    o.lrs = request.lrs;
    o.batch_size = request.batch_size;
    o.device = device;
    o.progress = progress;
    o.cancel = cancel;
    std::string reference_desc = "the replayed checkpoint itself (h = 0 for DPO)";
    if (!request.reference_path.empty()) {
        LoadedRun ref = loadRun(request.reference_path, device);
        const int64_t ref_vocab = ref.model.shape().vocabSize();
        const int64_t run_vocab = run.model.shape().vocabSize();
        if (ref_vocab != run_vocab)
            throw InputError(request.reference_path, "the reference's vocabulary (" +
                                                         std::to_string(ref_vocab) +
                                                         " tokens) is not the replayed model's (" +
                                                         std::to_string(run_vocab) + ")");
        LanguageModel ref64 = float64Copy(ref.model, device);
        o.reference = replaySums(ref64, data.pairs, pad, request.batch_size, device);
        reference_desc = ref.checkpoint;
    }
    LanguageModel model64 = float64Copy(run.model, device);
    GradientReplayResult r = replayTokenizedPairs(model64, data.pairs, pad, o);
    r.model = run.checkpoint;
    r.reference = reference_desc;
    r.data = data.description;
    r.skipped = data.skipped;
    return r;
}

}  // namespace rgpb
