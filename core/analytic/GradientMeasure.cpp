// The measuring half of GradientMeasure.h (LibTorch). See the header for every definition.
#include "core/analytic/GradientMeasure.h"

#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <optional>

#include "core/analytic/GradientCoefficients.h"
#include "core/analytic/GradientMeasureModel.h"
#include "core/data/PairDataset.h"
#include "core/data/PairSource.h"
#include "core/data/SyntheticTask.h"
#include "core/metrics/PairMetrics.h"
#include "core/objectives/Objective.h"
#include "core/train/Evaluation.h"
#include "core/train/PairForward.h"
#include "core/train/TrainingData.h"
#include "core/util/Error.h"

namespace rgpb {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
// UL's objective clamps P-(y-_t) here (ObjectiveTerm::ul_max_prob); the approximation does too.
constexpr double kUlMaxProb = 1.0 - 1e-6;

// The paper's u and u + e for one step (see GradientMeasure.h).
struct PaperProbabilities {
    double u = kNaN, e = kNaN;
};

PaperProbabilities paperProbabilities(ObjectiveKind kind, double s_pos, double s_neg, double t_pos,
                                      double t_neg, double p_pos_ypos, double p_neg_yneg) {
    PaperProbabilities p;
    double log_u = 0, log_f = 0;
    switch (kind) {
        case ObjectiveKind::Dpo: {
            // Only u / (u + e) and e / (u + e) enter DPO's coefficients: rescale so the larger
            // of f+ and f- is 1 and long sequences do not underflow.
            const double top = std::max(s_pos, s_neg);
            log_u = s_pos - top;
            log_f = s_neg - top;
            break;
        }
        case ObjectiveKind::Unlikelihood:
            log_u = std::log(p_pos_ypos);
            log_f = std::log(std::min(p_neg_yneg, kUlMaxProb));
            break;
        case ObjectiveKind::Exmate:
            log_u = s_pos / t_pos;
            log_f = s_neg / t_neg;
            break;
        case ObjectiveKind::Mle:
        case ObjectiveKind::Lm:
            return p;  // no negative term: the paper's u and e are not defined
    }
    p.u = std::max(std::exp(log_u), std::numeric_limits<double>::min());
    const double f = std::max(std::exp(log_f), std::numeric_limits<double>::min());
    p.e = f - p.u;
    // Keep u + e inside (0, 1] when the subtraction rounds (u tiny, f = 1).
    while (p.u + p.e > 1.0)
        p.e = std::nextafter(p.e, -2.0);
    while (p.u + p.e <= 0.0)
        p.e = std::nextafter(p.e, 2.0);
    return p;
}

analytic::Method analyticMethod(ObjectiveKind kind) {
    switch (kind) {
        case ObjectiveKind::Dpo:
            return analytic::Method::Dpo;
        case ObjectiveKind::Unlikelihood:
            return analytic::Method::Unlikelihood;
        default:
            return analytic::Method::Exmate;
    }
}

// Fills the approx fields of a row from its probabilities (NaN for MLE or outside the
// formulas' domain).
void approximate(DecompositionRow& r, ObjectiveKind kind, double beta) {
    r.approx_pos = r.approx_neg = r.approx_other = kNaN;
    if (!usesBeta(kind))
        return;  // MLE and LM: no approximation of the paper's to compare with
    const analytic::Method m = analyticMethod(kind);
    try {
        if (r.shared) {
            double c = analytic::sharedCoefficient(m, beta, r.u, r.e);
            r.approx_pos = c * r.u * (1.0 - r.p_pos_ypos);
            r.approx_other = -r.approx_pos;
        } else {
            analytic::DistinctInputs in;
            in.p_pos_ypos = r.p_pos_ypos;
            in.p_pos_yneg = r.p_pos_yneg;
            in.p_neg_ypos = r.p_neg_ypos;
            in.p_neg_yneg = kind == ObjectiveKind::Unlikelihood ? std::min(r.p_neg_yneg, kUlMaxProb)
                                                                : r.p_neg_yneg;
            // The formulas are linear in P(z): the summed mass of all other tokens gives the
            // summed coefficient over them.
            in.p_pos_other = std::clamp(1.0 - r.p_pos_ypos - r.p_pos_yneg, 0.0, 1.0);
            in.p_neg_other = std::clamp(1.0 - r.p_neg_ypos - r.p_neg_yneg, 0.0, 1.0);
            in.u = r.u;
            in.e = r.e;
            analytic::DistinctCoefficients c = analytic::distinctCoefficients(m, beta, in);
            r.approx_pos = c.pos;
            r.approx_neg = c.neg;
            r.approx_other = c.other;
        }
    } catch (const ArgumentError&) {
        r.approx_pos = r.approx_neg = r.approx_other = kNaN;
    }
}

// Loss-mask positions (response steps) of one row, at most k of them.
std::vector<int64_t> responsePositions(const torch::Tensor& mask_row, int k) {
    torch::Tensor idx = mask_row.to(torch::kBool).nonzero().flatten().to(torch::kCPU);
    std::vector<int64_t> out;
    for (int64_t i = 0; i < std::min<int64_t>(k, idx.size(0)); ++i)
        out.push_back(idx[i].item<int64_t>());
    return out;
}

torch::Tensor rowsAt(const torch::Tensor& t3, int64_t row, const std::vector<int64_t>& pos) {
    torch::Tensor index = torch::tensor(pos, torch::kInt64).to(t3.device());
    return t3[row].index_select(0, index);
}

// "synthetic" or a pair-data format in any of the table's names (hh -> hh-rlhf).
std::string canonicalFormat(const std::string& f) {
    if (f.empty() || f == "synthetic")
        return f;
    return dataFormatName(parseDataFormat(f, "format", "gradlab measure"));
}

bool isRegimeName(const std::string& s) {
    return s == "context-contrast" || s == "response-contrast";
}

// One batch's probabilities and per-pair ascent directions, both with respect to the logits.
struct BatchGradients {
    torch::Tensor probs;   // [2B, T-1, V] softmax of the logits; positives first, then negatives
    torch::Tensor ascent;  // [2B, T-1, V] minus each pair's own loss gradient
    torch::Tensor seq;     // [B, 4] CPU float64: s+, t+, s-, t- (log-prob sums and token counts)
};

// `targets`: the labels and loss mask the model's logits of `batch` align with.
BatchGradients batchGradients(const LanguageModel& model, const Objective& objective,
                              const SequenceBatch& batch, const AlignedTargets& targets, int64_t b,
                              const GradientMeasureOptions& o) {
    torch::Tensor logits;
    {
        torch::NoGradGuard no_grad;
        const PairForward f = forwardPairs(model, batch, o.device);
        logits = torch::cat({f.pos_logits, f.neg_logits}, 0);
    }
    // Autograd on the logits only: double precision unless that would not fit comfortably.
    const bool dbl = logits.numel() <= (int64_t{1} << 26);
    torch::Tensor leaf =
        logits.detach().to(dbl ? torch::kFloat64 : torch::kFloat32).requires_grad_(true);
    torch::Tensor labels = targets.labels.to(o.device);
    torch::Tensor lmask = targets.loss_mask.to(o.device);
    PairLogProbs lp;
    lp.pos = sequenceLogProbs(leaf.slice(0, 0, b), labels.slice(0, 0, b), lmask.slice(0, 0, b),
                              "positive");
    lp.neg = sequenceLogProbs(leaf.slice(0, b, 2 * b), labels.slice(0, b, 2 * b),
                              lmask.slice(0, b, 2 * b), "negative");
    ObjectiveResult loss = objective.compute(lp);
    BatchGradients g;
    // The batch loss is the mean over pairs: B * gradient = each pair's own gradient.
    g.ascent = -torch::autograd::grad({loss.loss}, {leaf})[0].detach() * static_cast<double>(b);
    g.probs = torch::softmax(leaf.detach(), -1);
    g.seq = torch::stack({lp.pos.sum, lp.pos.count, lp.neg.sum, lp.neg.count}, 1)
                .detach()
                .to(torch::kCPU, torch::kFloat64)
                .contiguous();
    return g;
}

InfoDiffRow infoRow(std::size_t pair, const torch::Tensor& seq, int64_t i) {
    auto sa = seq.accessor<double, 2>();
    InfoDiffRow info;
    info.pair = pair;
    info.s_pos = sa[i][0];
    info.t_pos = sa[i][1];
    info.s_neg = sa[i][2];
    info.t_neg = sa[i][3];
    info.log10_info_diff = log10AbsExpDiff(info.s_pos, info.s_neg);
    return info;
}

// `p_pos`, `p_neg`: the step's next-token probabilities on each side; `ascent`: the summed ascent
// direction of both sides; `total`: its sum over the vocabulary.
DecompositionRow decompositionRow(const InfoDiffRow& info, int step, int32_t y_pos, int32_t y_neg,
                                  at::TensorAccessor<double, 1> p_pos,
                                  at::TensorAccessor<double, 1> p_neg,
                                  at::TensorAccessor<double, 1> ascent, double total,
                                  const GradientMeasureOptions& o) {
    DecompositionRow r;
    r.pair = info.pair;
    r.step = step;
    r.y_pos = y_pos;
    r.y_neg = y_neg;
    r.shared = r.y_pos == r.y_neg;
    r.p_pos_ypos = p_pos[r.y_pos];
    r.p_pos_yneg = p_pos[r.y_neg];
    r.p_neg_ypos = p_neg[r.y_pos];
    r.p_neg_yneg = p_neg[r.y_neg];
    PaperProbabilities up = paperProbabilities(o.method, info.s_pos, info.s_neg, info.t_pos,
                                               info.t_neg, r.p_pos_ypos, r.p_neg_yneg);
    r.u = up.u;
    r.e = up.e;
    r.exact_pos = ascent[r.y_pos];
    if (r.shared) {
        r.exact_neg = kNaN;
        r.exact_other = total - r.exact_pos;
    } else {
        r.exact_neg = ascent[r.y_neg];
        r.exact_other = total - r.exact_pos - r.exact_neg;
    }
    approximate(r, o.method, o.beta);
    return r;
}

// Grad and decomposition rows of pair i of the batch (its negative is row b + i), for the first
// o.steps response steps both sides have.
void measureSteps(GradientMeasureResult& res, const AlignedTargets& batch, const BatchGradients& g,
                  int64_t i, int64_t b, const InfoDiffRow& info, const GradientMeasureOptions& o) {
    std::vector<int64_t> pp = responsePositions(batch.loss_mask[i], o.steps);
    std::vector<int64_t> np = responsePositions(batch.loss_mask[b + i], o.steps);
    const std::size_t k = std::min(pp.size(), np.size());
    if (k == 0)
        return;
    pp.resize(k);
    np.resize(k);
    torch::Tensor p_pos = rowsAt(g.probs, i, pp).to(torch::kCPU, torch::kFloat64);
    torch::Tensor p_neg = rowsAt(g.probs, b + i, np).to(torch::kCPU, torch::kFloat64);
    torch::Tensor a_pos = rowsAt(g.ascent, i, pp).to(torch::kCPU, torch::kFloat64);
    torch::Tensor a_neg = rowsAt(g.ascent, b + i, np).to(torch::kCPU, torch::kFloat64);
    // c+ = T+, c- = T- for the length-normalised objectives; DPO sums log-probs (header).
    if (o.method != ObjectiveKind::Dpo) {
        a_pos = a_pos * info.t_pos;
        a_neg = a_neg * info.t_neg;
    }
    torch::Tensor a = (a_pos + a_neg).contiguous();
    torch::Tensor diff = p_pos - p_neg;
    torch::Tensor l1 = diff.abs().sum(1).contiguous();
    torch::Tensor l2 = diff.pow(2).sum(1).sqrt().contiguous();
    torch::Tensor a_total = a.sum(1).contiguous();
    auto pa = p_pos.accessor<double, 2>();
    auto na = p_neg.accessor<double, 2>();
    auto aa = a.accessor<double, 2>();
    for (std::size_t t = 0; t < k; ++t) {
        const int64_t ti = static_cast<int64_t>(t);
        GradDiffRow gd;
        gd.pair = info.pair;
        gd.step = static_cast<int>(t + 1);
        gd.l1 = l1[ti].item<double>();
        gd.l2 = l2[ti].item<double>();
        res.grad.push_back(gd);
        const auto y_pos = static_cast<int32_t>(batch.labels[i][pp[t]].item<int64_t>());
        const auto y_neg = static_cast<int32_t>(batch.labels[b + i][np[t]].item<int64_t>());
        res.decomposition.push_back(decompositionRow(info, gd.step, y_pos, y_neg, pa[ti], na[ti],
                                                     aa[ti], a_total[ti].item<double>(), o));
    }
}

}  // namespace

GradientMeasureResult measureTokenizedPairs(const LanguageModel& model,
                                            const std::vector<TokenizedPair>& pairs, int32_t pad_id,
                                            const GradientMeasureOptions& o) {
    const char* where = "measureTokenizedPairs";
    requireArgument(o.steps >= 1, where, "steps", ">= 1", o.steps);
    requireArgument(o.batch_size >= 1, where, "batch_size", ">= 1", o.batch_size);
    requireArgument(!pairs.empty(), where, "pairs", "at least one pair", "none");
    ObjectiveSpec spec = ObjectiveSpec::single(o.method, o.beta);
    spec.terms[0].dpo.reference_free = true;  // P_ref = 1, as spec.md 4.1 assumes
    validate(spec);
    std::unique_ptr<Objective> objective = makeObjective(spec);

    GradientMeasureResult res;
    res.method = objectiveKindName(o.method);
    res.beta = o.beta;
    res.steps = o.steps;
    res.pairs = pairs.size();

    const bool was_training = model->is_training();
    model->eval();
    const std::size_t bs = static_cast<std::size_t>(o.batch_size);
    for (std::size_t start = 0; start < pairs.size(); start += bs) {
        if (o.cancel && o.cancel->load()) {
            model->train(was_training);
            throw CancelledError();
        }
        std::vector<std::size_t> idx;
        for (std::size_t i = start; i < std::min(pairs.size(), start + bs); ++i)
            idx.push_back(i);
        const int64_t b = static_cast<int64_t>(idx.size());
        const SequenceBatch batch = collatePairs(pairs, idx, pad_id);
        const AlignedTargets targets = alignedTargets(model, batch);  // T5: the decoder's
        const BatchGradients g = batchGradients(model, *objective, batch, targets, b, o);
        for (int64_t i = 0; i < b; ++i) {
            const InfoDiffRow info = infoRow(idx[static_cast<std::size_t>(i)], g.seq, i);
            res.info.push_back(info);
            measureSteps(res, targets, g, i, b, info, o);
        }
        if (o.progress)
            o.progress(std::min(pairs.size(), start + bs), pairs.size());
    }
    model->train(was_training);
    summarizeGradientMeasure(res);
    return res;
}

torch::Device gradlabDevice(const std::string& device, const char* where) {
    std::optional<torch::Device> d;
    try {
        d = torch::Device(device);
    } catch (const c10::Error&) {
        throw ArgumentError(where, "device", "cpu, cuda or cuda:N", "'" + device + "'");
    }
    if (d->is_cuda() && !torch::cuda::is_available())
        throw Error(std::string(where) + ": device " + device + " but CUDA is not available");
    return *d;
}

GradlabPairs loadGradlabPairs(const GradientMeasureRequest& request, const LoadedRun& run,
                              const char* where) {
    std::vector<PairText> texts;
    GradlabPairs out;
    const std::string format = canonicalFormat(request.format);
    const bool synthetic = format == "synthetic" || request.data_path == "synthetic" ||
                           isRegimeName(request.data_path) ||
                           request.data_path.rfind("synthetic:", 0) == 0;
    if (request.data_config) {
        texts = loadPairTexts(*request.data_config, request.data_seed).eval;
        out.description = request.data_config->source + " (eval split, data seed " +
                          std::to_string(request.data_seed) + ")";
    } else if (synthetic) {
        DataConfig d = run.config.data;
        d.source = "synthetic";
        std::string regime = request.data_path;
        if (regime.rfind("synthetic:", 0) == 0)
            regime = regime.substr(10);
        if (regime == "synthetic" || regime.empty())
            regime = run.config.data.source == "synthetic" ? run.config.data.synthetic_regime
                                                           : "response-contrast";
        parseSyntheticRegime(regime);  // ArgumentError naming the regimes
        d.synthetic_regime = regime;
        d.limit = 0;
        texts = loadPairTexts(d, run.config.dataSeed()).eval;
        out.description = "synthetic:" + regime + " (eval split, data seed " +
                          std::to_string(run.config.dataSeed()) + ")";
    } else {
        if (request.data_path.empty())
            throw ArgumentError(where, "data", "a pair file or 'synthetic'", "nothing");
        PairDataset ds = readPairDataset(request.data_path, parseDataFormat(format));
        texts = std::move(ds.pairs);
        out.skipped = ds.report.skipped;
        out.description = request.data_path + " (" + dataFormatName(ds.format) + ")";
    }
    if (request.max_pairs > 0 && texts.size() > request.max_pairs)
        texts.resize(request.max_pairs);

    LengthLimits limits;
    limits.max_length = static_cast<int>(run.config.data.max_length);
    limits.max_prompt_length = static_cast<int>(run.config.data.max_prompt_length);
    out.pairs = tokenizePairs(*run.tokenizer, texts, limits);
    return out;
}

GradientMeasureResult measureGradients(const GradientMeasureRequest& request,
                                       const GradientMeasureProgress& progress,
                                       const std::atomic<bool>* cancel) {
    const char* where = "gradlab measure";
    requireArgument(request.steps >= 1, where, "steps", ">= 1", request.steps);
    const torch::Device device = gradlabDevice(request.device, where);

    LoadedRun run = loadRun(request.model_path, device);
    const StageConfig* last_stage = run.config.stages.empty() ? nullptr : &run.config.stages.back();
    ObjectiveKind kind = ObjectiveKind::Exmate;
    double beta = request.beta;
    if (!request.method.empty()) {
        kind = parseObjectiveKind(request.method);
    } else if (last_stage && !last_stage->objective.terms.empty()) {
        kind = last_stage->objective.terms[0].kind;
    }
    if (beta <= 0 && last_stage && !last_stage->objective.terms.empty())
        beta = last_stage->objective.terms[0].beta;
    if (!usesBeta(kind) && beta <= 0)
        beta = 1.0;

    GradlabPairs data = loadGradlabPairs(request, run, where);

    GradientMeasureOptions o;
    o.method = kind;
    o.beta = beta;
    o.steps = request.steps;
    o.batch_size = request.batch_size;
    o.device = device;
    o.progress = progress;
    o.cancel = cancel;
    GradientMeasureResult res =
        measureTokenizedPairs(run.model, data.pairs, run.tokenizer->specials().pad, o);
    res.model = run.checkpoint;
    res.data = data.description;
    res.skipped = data.skipped;
    return res;
}

}  // namespace rgpb
