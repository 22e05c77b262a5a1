// Training proper: the stages in order, each a loop of optimizer steps with evaluations and
// checkpoints between them, and the DPO reference each stage starts from.
#include <torch/torch.h>
#include <torch/version.h>

#include <algorithm>
#include <cmath>
#include <thread>

#include "core/diagnostics/DiagnosticsSummary.h"
#include "core/generate/SampleLog.h"
#include "core/train/Autocast.h"
#include "core/train/LrSchedule.h"
#include "core/train/PairForward.h"
#include "core/train/TrainerImpl.h"
#include "core/util/Error.h"
#include "core/util/ProcessStats.h"

namespace rgpb {
namespace {

// Whether an objective statistic is a count (it adds up over micro-batches and ranks) rather
// than a mean (averaged).
bool isCountStat(const std::string& name) {
    return name.find("clamped_tokens") != std::string::npos;
}

// Adds one micro-batch's statistics to `stats`: counts add up, the rest are averaged over the
// `micro_batches`.
void addStats(NamedValues& stats, const NamedValues& part, int64_t micro_batches) {
    if (stats.empty())
        stats.assign(part.size(), {"", 0.0});
    for (std::size_t i = 0; i < part.size() && i < stats.size(); ++i) {
        bool count = isCountStat(part[i].first);
        stats[i].first = part[i].first;
        stats[i].second +=
            count ? part[i].second : part[i].second / static_cast<double>(micro_batches);
    }
}

}  // namespace

double secondsSince(TrainerClock::time_point since) {
    return std::chrono::duration<double>(TrainerClock::now() - since).count();
}

// The order of the training pairs, at the checkpoint's epoch and cursor.
DataOrder Trainer::Impl::trainOrder() const {
    const auto cursor = static_cast<std::size_t>(state.data_cursor);
    if (config.data.batch_order != "by-length")
        return DataOrder(config.seed, data->train.size(), state.data_epoch, cursor);
    std::vector<int> lengths;
    lengths.reserve(data->train.size());
    for (const TokenizedPair& p : data->train)
        lengths.push_back(static_cast<int>(std::max(p.pos.ids.size(), p.neg.ids.size())));
    return DataOrder(config.seed, std::move(lengths),
                     static_cast<std::size_t>(config.optimizer.batch_size), state.data_epoch,
                     cursor);
}

RunStatus Trainer::Impl::train(TrainingObserver& observer, RunControl& control) {
    TrainPass pass(trainOrder(), state.wall_time_s, state.step);
    // A resume first finishes the evaluation a cancel interrupted at the checkpoint's step.
    if (state.pending != PendingWork::None && !rootWork("pending evaluation", [&] {
            return evaluateAtStep(state.stage, state.pending, pass, observer);
        }))
        return RunStatus::Cancelled;
    for (int stage = state.stage; stage < static_cast<int>(config.stages.size()); ++stage) {
        auto objective = makeObjective(config.stages[static_cast<std::size_t>(stage)].objective);
        bool entered = false;
        try {
            entered = enterStage(stage, observer);
        } catch (const CancelledError&) {
            // Cancelled while caching the reference or evaluating step 0: the weights are the
            // stage's start, which a resume enters again.
            checkpoint(pass, observer);
            return RunStatus::Cancelled;
        }
        if (!entered)
            continue;  // resumed exactly at this stage's end: nothing left to train in it
        if (std::optional<RunStatus> stop = runStage(stage, *objective, pass, observer, control))
            return *stop;
    }
    state.stage = static_cast<int>(config.stages.size());
    if (last_checkpoint_step != state.step)
        rootWork("final checkpoint", [&] {
            checkpoint(pass, observer);
            return true;
        });
    return RunStatus::Finished;
}

// Makes `stage` the current one and sets up its reference; false when a resumed run has already
// trained all of it.
bool Trainer::Impl::enterStage(int stage, TrainingObserver& observer) {
    const StageConfig& sc = config.stages[static_cast<std::size_t>(stage)];
    const int64_t steps = stage_steps[static_cast<std::size_t>(stage)];
    const bool fresh = state.stage != stage || state.stage_step == 0;
    const bool stage_done = !fresh && state.stage_step >= steps;
    if (state.stage != stage) {
        state.stage = stage;
        state.stage_step = 0;
    }
    if (stage_done) {
        return false;
    } else if (fresh) {
        startStageReference(stage);  // the current weights are the start-of-stage model
    } else if (sc.objective.needsReference() && sc.on_the_fly_reference) {
        throw Error("cannot resume inside stage " + std::to_string(stage) +
                    ": its on-the-fly DPO reference (the start-of-stage weights) is not kept "
                    "in checkpoints; use the cached reference (the default) to resume DPO stages");
    } else if (sc.objective.needsReference() && !reference.defined()) {
        throw Error("the checkpoint lacks the cached DPO reference of stage " +
                    std::to_string(stage));
    }
    observer.onStageStart(stage, sc.name, steps);
    log->info("stage {} '{}': {} steps, lr {}", stage, sc.name, steps, stageLr(stage));
    // The curves' starting point, unless a resume at step 0 has it (rank 0 knows: it decides).
    if (state.step == 0)
        rootWork("evaluation at step 0", [&] {
            if (last_eval.empty())
                writeEval(evaluate(stage), observer);
            return true;
        });
    return true;
}

// Trains `stage` to its end (nullopt) or until cancelled or stopped (Cancelled).
std::optional<RunStatus> Trainer::Impl::runStage(int stage, const Objective& objective,
                                                 TrainPass& pass, TrainingObserver& observer,
                                                 RunControl& control) {
    const int64_t steps = stage_steps[static_cast<std::size_t>(stage)];
    while (state.stage_step < steps) {
        // A data-parallel run does not pause: the other ranks would time out waiting.
        while (!comm && control.paused() && !control.cancelRequested()) {
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
        // Data-parallel ranks stop together, when any was asked to (agreed at the last step).
        if (comm ? pass.ranks_stop : control.cancelRequested()) {
            checkpoint(pass, observer);
            return RunStatus::Cancelled;
        }
        applyThreadShare();
        auto ts = TrainerClock::now();
        const double lr = setStepLr(stage, steps);
        const StepOutcome outcome = optimizerStep(stage, objective, pass);
        state.step += 1;
        state.stage_step += 1;
        state.tokens += outcome.tokens;
        recordStep(stage, lr, outcome, ts, pass, observer);

        const bool stage_end = state.stage_step == steps;
        const bool eval_now =
            (config.eval.every > 0 && state.step % config.eval.every == 0) || stage_end;
        const bool stop_here = options.stop_after_step > 0 && state.step == options.stop_after_step;
        const bool checkpoint_now =
            (config.checkpoint.every > 0 && state.step % config.checkpoint.every == 0) || stop_here;
        if ((eval_now || checkpoint_now) && !rootWork("step " + std::to_string(state.step), [&] {
                if (eval_now && !evaluateAtStep(stage, PendingWork::Evaluation, pass, observer))
                    return false;
                if (checkpoint_now)
                    checkpoint(pass, observer);
                return true;
            }))
            return RunStatus::Cancelled;
        if (checkpoint_now)
            last_checkpoint_step = state.step;  // on every rank: the end decides by it
        if (stop_here)
            return RunStatus::Cancelled;
    }
    return std::nullopt;
}

// The scheduled learning rate of the coming step, set on every parameter group.
double Trainer::Impl::setStepLr(int stage, int64_t stage_steps_total) {
    const int64_t local = state.stage_step + 1;
    double lr =
        learningRateAt(local, stage_steps_total, stageLr(stage), config.optimizer.warmup_steps,
                       config.optimizer.schedule, config.optimizer.min_lr_ratio);
    for (auto& g : optimizer->param_groups()) {
        static_cast<torch::optim::AdamWOptions&>(g.options()).lr(lr);
    }
    return lr;
}

// grad_accum micro-batches forward and backward, then the update, skipped (and counted) when
// the loss or the gradient is not finite.
StepOutcome Trainer::Impl::optimizerStep(int stage, const Objective& objective, TrainPass& pass) {
    const int64_t accum = config.optimizer.grad_accum;
    optimizer->zero_grad();
    StepOutcome o;
    double loss_sum = 0.0;
    for (int64_t micro = 0; micro < accum; ++micro) {
        ObjectiveResult r = backwardMicroBatch(objective, pass.order, o);
        loss_sum += r.loss.item<double>();
        addStats(o.stats, statValues(r), accum);
    }
    o.loss = loss_sum / static_cast<double>(accum);
    if (comm)
        reduceAcrossRanks(o, pass);
    o.grad_norm = gradientNorm();
    o.finite = std::isfinite(o.loss) && std::isfinite(o.grad_norm);
    if (o.finite) {
        optimizer->step();
        pass.nonfinite_run = 0;
        return o;
    }
    optimizer->zero_grad();
    ++pass.nonfinite_run;
    log->warn(
        "stage {} step {}: non-finite {} (loss {}, grad norm {}); update skipped ({} in a row)",
        stage, state.step + 1, std::isfinite(o.loss) ? "gradient" : "loss", o.loss, o.grad_norm,
        pass.nonfinite_run);
    if (pass.nonfinite_run >= config.max_nonfinite_steps) {
        throw Error("stage " + std::to_string(stage) + " step " + std::to_string(state.step + 1) +
                    ": " + std::to_string(pass.nonfinite_run) +
                    " steps in a row had a NaN/Inf loss or gradient (max_nonfinite_steps = " +
                    std::to_string(config.max_nonfinite_steps) + "); try a lower lr or beta");
    }
    return o;
}

// Data-parallel: the gradients averaged over the ranks, and the step's scalars reduced (the loss
// and the statistics averaged, the token counts and count statistics summed), together with
// whether any rank was asked to stop.
void Trainer::Impl::reduceAcrossRanks(StepOutcome& o, TrainPass& pass) {
    const double before = comm->allReduceSeconds();
    comm->averageGradients(model->parameters());
    o.allreduce_ms = (comm->allReduceSeconds() - before) * 1000.0;
    std::vector<double> v = {o.loss, static_cast<double>(o.tokens), static_cast<double>(o.slots),
                             control_ != nullptr && control_->cancelRequested() ? 1.0 : 0.0};
    for (const auto& [name, value] : o.stats)
        v.push_back(value);
    const std::vector<double> total = comm->sum(v);
    const double n = static_cast<double>(comm->size());
    o.loss = total[0] / n;
    o.tokens = static_cast<int64_t>(std::llround(total[1]));
    o.slots = static_cast<int64_t>(std::llround(total[2]));
    pass.ranks_stop = total[3] > 0;
    for (std::size_t i = 0; i < o.stats.size(); ++i)
        o.stats[i].second = isCountStat(o.stats[i].first) ? total[4 + i] : total[4 + i] / n;
}

// The next batch_size training pairs forward, the loss backward (scaled by 1 / grad_accum).
ObjectiveResult Trainer::Impl::backwardMicroBatch(const Objective& objective, DataOrder& order,
                                                  StepOutcome& outcome) {
    std::vector<std::size_t> idx =
        order.next(static_cast<std::size_t>(config.optimizer.batch_size));
    if (comm) {
        // This rank's shard of the batch: the data order is the same whatever the world size.
        const std::size_t per = idx.size() / static_cast<std::size_t>(comm->size());
        const auto from =
            idx.begin() + static_cast<std::ptrdiff_t>(per * static_cast<std::size_t>(comm->rank()));
        idx = std::vector<std::size_t>(from, from + static_cast<std::ptrdiff_t>(per));
    }
    SequenceBatch batch =
        collatePairs(data->train, idx, data->tokenizer->specials().pad, /*share=*/true);
    ObjectiveResult r;
    {
        // Log-probs are computed in float32 from the autocast logits (sequenceLogProbs upcasts),
        // so only the model runs in bf16.
        AutocastScope autocast(config.precision, device.type());
        PairForward f = forwardPairs(model, batch, device);
        attachReference(f.logprobs, idx, false, batch);
        outcome.tokens += f.tokens;
        outcome.slots += f.slots;
        r = objective.compute(f.logprobs);
    }
    const auto& faults = options.nan_loss_at_steps;
    if (std::find(faults.begin(), faults.end(), state.step + 1) != faults.end()) {
        r.loss = r.loss * std::nan("");
    }
    (r.loss / static_cast<double>(config.optimizer.grad_accum)).backward();
    return r;
}

// The gradient's global norm, clipped to grad_clip when that is set (the norm is the one before
// clipping either way).
double Trainer::Impl::gradientNorm() {
    if (config.optimizer.grad_clip > 0) {
        return torch::nn::utils::clip_grad_norm_(model->parameters(), config.optimizer.grad_clip);
    }
    double sq = 0;
    for (auto& p : model->parameters()) {
        if (p.grad().defined())
            sq += p.grad().pow(2).sum().item<double>();
    }
    return std::sqrt(sq);
}

// The step's metrics to metrics.jsonl and the observer (state.step is the step just taken).
void Trainer::Impl::recordStep(int stage, double lr, const StepOutcome& o,
                               TrainerClock::time_point ts, const TrainPass& pass,
                               TrainingObserver& observer) {
    StepMetrics m;
    m.step = state.step;
    m.stage = stage;
    m.stage_name = config.stages[static_cast<std::size_t>(stage)].name;
    m.stage_step = state.stage_step;
    m.stage_steps = stage_steps[static_cast<std::size_t>(stage)];
    m.total_steps = total_steps;
    m.loss = o.loss;
    m.grad_norm = o.grad_norm;
    m.lr = lr;
    m.step_time_ms = secondsSince(ts) * 1000.0;
    m.tokens_per_s = static_cast<double>(o.tokens) / std::max(1e-9, m.step_time_ms / 1000.0);
    m.peak_memory_mb = peakResidentMemoryMb();
    m.tokens = state.tokens;
    m.elapsed_s = secondsSince(pass.t0);
    double per_step = m.elapsed_s / static_cast<double>(state.step - pass.steps_at_start);
    m.eta_s = per_step * static_cast<double>(total_steps - state.step);
    m.skipped = !o.finite;
    m.stats = o.stats;
    last_train = {{"loss", o.loss},
                  {"grad_norm", o.grad_norm},
                  {"lr", lr},
                  {"tokens_per_s", m.tokens_per_s},
                  {"step_time_ms", m.step_time_ms},
                  {"peak_memory_mb", m.peak_memory_mb},
                  {"tokens", static_cast<double>(state.tokens)},
                  {"pad_fraction", 1.0 - static_cast<double>(o.tokens) /
                                             static_cast<double>(std::max<int64_t>(1, o.slots))},
                  {"skipped", o.finite ? 0.0 : 1.0}};
    if (comm) {
        last_train.emplace_back("allreduce_ms", o.allreduce_ms);
        comm->publish(store_key::step(comm->rank()), std::to_string(state.step));
    }
    NamedValues row = last_train;
    row.insert(row.end(), o.stats.begin(), o.stats.end());
    if (metrics)
        metrics->write(state.step, stage, "train", row);
    observer.onStep(m);
}

double Trainer::Impl::stageLr(int stage) const {
    const StageConfig& s = config.stages[static_cast<std::size_t>(stage)];
    return s.lr ? *s.lr : config.optimizer.lr;
}

void Trainer::Impl::reportPhase(RunPhase phase, int stage, int64_t done, int64_t total) {
    if (observer_)
        observer_->onPhase({phase, stage, done, total});
}

void Trainer::Impl::startStageReference(int stage) {
    const StageConfig& s = config.stages[static_cast<std::size_t>(stage)];
    reference = ReferenceCache{};
    reference_model = LanguageModel();
    if (!s.objective.needsReference())
        return;
    if (s.on_the_fly_reference) {
        reference_model = model.copy();
        reference_model->eval();
        for (auto& p : reference_model->parameters())
            p.set_requires_grad(false);
        // Evaluation uses a cached table either way (it is small); training calls the copy.
        reference.eval = sequenceSums(model, data->eval, data->tokenizer->specials().pad,
                                      config.eval.batch_size, device);
        return;
    }
    auto t0 = TrainerClock::now();
    const int32_t pad = data->tokenizer->specials().pad;
    const auto n_train = static_cast<int64_t>(data->train.size());
    const int64_t total = n_train + static_cast<int64_t>(data->eval.size());
    reportPhase(RunPhase::CachingReference, stage, 0, total);
    // The table of `pairs` (progress counted from `offset`); data-parallel, each rank computes
    // its contiguous shard and the ranks sum the zero-padded tables, so no rank runs the frozen
    // reference over all the pairs.
    const auto table = [&](const std::vector<TokenizedPair>& pairs, int64_t offset) {
        const auto progress = [&](int64_t done) {
            reportPhase(RunPhase::CachingReference, stage, offset + done, total);
        };
        if (!comm)
            return sequenceSums(model, pairs, pad, config.eval.batch_size, device, control_,
                                progress);
        const auto n = static_cast<int64_t>(pairs.size());
        const int64_t lo = n * comm->rank() / comm->size();
        const int64_t hi = n * (comm->rank() + 1) / comm->size();
        const std::vector<TokenizedPair> shard(pairs.begin() + lo, pairs.begin() + hi);
        torch::Tensor full = torch::zeros({n, 2}, torch::kFloat32);
        full.narrow(0, lo, hi - lo)
            .copy_(sequenceSums(model, shard, pad, config.eval.batch_size, device, control_,
                                progress));
        comm->sumInPlace(full);
        return full;
    };
    {
        // Under the same autocast as the training forward, so S - S_ref is exactly 0 at the
        // first DPO step; evaluation (float32) gets a float32 table.
        AutocastScope autocast(config.precision, device.type());
        reference.train = table(data->train, 0);
    }
    reference.eval = table(data->eval, n_train);
    log->info("stage {}: reference log-probs cached for {} + {} pairs in {:.1f} s", stage,
              data->train.size(), data->eval.size(), secondsSince(t0));
}

// Fills batch reference sums for the pairs `idx` of `pairs` (train or eval split).
void Trainer::Impl::attachReference(PairLogProbs& lp, const std::vector<std::size_t>& idx,
                                    bool eval_split, const SequenceBatch& batch) {
    if (reference_model) {
        torch::NoGradGuard g;
        PairForward f = forwardPairs(reference_model, batch, device);
        lp.ref_pos_sum = f.logprobs.pos.sum.detach();
        lp.ref_neg_sum = f.logprobs.neg.sum.detach();
        return;
    }
    if (!reference.defined())
        return;
    std::vector<int64_t> rows(idx.begin(), idx.end());
    torch::Tensor table = eval_split ? reference.eval : reference.train;
    torch::Tensor sel = table.index_select(0, torch::tensor(rows, torch::kLong)).to(device);
    lp.ref_pos_sum = sel.select(1, 0).to(lp.pos.sum.scalar_type());
    lp.ref_neg_sum = sel.select(1, 1).to(lp.neg.sum.scalar_type());
}

EvalReport Trainer::Impl::evaluate(int stage) {
    auto t0 = TrainerClock::now();
    EvaluationOptions o;
    o.batch_size = config.eval.batch_size;
    o.grad_diff_steps = static_cast<int>(config.eval.grad_diff_steps);
    for (const ObjectiveTerm& t : config.stages[static_cast<std::size_t>(stage)].objective.terms) {
        if (usesBeta(t.kind))
            o.beta = t.beta;
    }
    o.reference = reference.eval;
    o.control = control_;
    o.documents = config.data.textSource();
    EvalReport r;
    r.step = state.step;
    r.stage = stage;
    r.pairs.resize(data->eval.size());
    const auto total = static_cast<int64_t>(data->eval.size());
    int64_t done = 0;
    reportPhase(RunPhase::Evaluating, stage, 0, total);
    o.per_pair = [&](std::size_t i, const PairRecord& p) {
        r.pairs.at(i) = p;
        reportPhase(RunPhase::Evaluating, stage, ++done, total);
    };
    pending_diagnostics.reset();
    if (config.diagnostics.enabled && !diagnostics)
        diagnostics = std::make_unique<TrainerDiagnostics>(
            config, run_dir, data->eval, *data->tokenizer, stage_steps,
            options.resume ? state.step : int64_t(-1));
    if (diagnostics) {
        diagnostics->begin(state.step, stage);
        if (diagnostics->active())
            o.per_batch = [&](const std::vector<std::size_t>& idx, const PairLogProbs& lp) {
                diagnostics->addBatch(idx, lp);
            };
    }
    r.metrics = evaluatePairs(model, data->eval, data->tokenizer->specials().pad, device, o);
    if (diagnostics && diagnostics->active())
        pending_diagnostics = diagnostics->finish(r.pairs, model, reference.eval, device);
    r.seconds = secondsSince(t0);
    return r;
}

// The evaluation after a step, from `from` on (the whole of it, or only its samples); false when
// a cancel stopped it, after a checkpoint of the step that records what is left.
bool Trainer::Impl::evaluateAtStep(int stage, PendingWork from, const TrainPass& pass,
                                   TrainingObserver& observer) {
    state.pending = from;
    try {
        if (from == PendingWork::Evaluation) {
            writeEvalRow(evaluate(stage), observer);
            state.pending = PendingWork::Samples;
        }
        writeSamples(state.step, stage, observer);
    } catch (const CancelledError&) {
        checkpoint(pass, observer);
        state.pending = PendingWork::None;
        return false;
    }
    state.pending = PendingWork::None;
    return true;
}

void Trainer::Impl::writeEval(const EvalReport& r, TrainingObserver& observer) {
    writeEvalRow(r, observer);
    writeSamples(r.step, r.stage, observer);
}

void Trainer::Impl::writeEvalRow(const EvalReport& r, TrainingObserver& observer) {
    last_eval.clear();
    for (const auto& [k, v] : r.metrics.named())
        last_eval.emplace_back(k, v);
    NamedValues row = last_eval;
    const double diag_s = writeDiagnostics(r, row, observer);
    metrics->write(r.step, r.stage, "eval", row);
    metrics->flush();
    writeEvalPairs(run_dir, {r.step, r.stage, r.pairs});
    observer.onEval(r);
    const std::string cost = diag_s > 0 ? fmt::format(" (diagnostics {:.2f} s)", diag_s) : "";
    if (r.metrics.documents)
        log->info("eval step {}: perplexity {:.4g} ({} documents)", r.step, r.metrics.perplexity,
                  r.metrics.pairs);
    else
        log->info("eval step {}: perplexity {:.4g}, agility {:.4g}, pos_prob {:.4g}{}", r.step,
                  r.metrics.perplexity, r.metrics.agility, r.metrics.pos_prob, cost);
}

double Trainer::Impl::writeDiagnostics(const EvalReport& r, NamedValues& metrics_row,
                                       TrainingObserver& observer) {
    if (!pending_diagnostics || pending_diagnostics->step != r.step)
        return 0.0;
    const DiagnosticsRow d = std::move(*pending_diagnostics);
    pending_diagnostics.reset();
    const NamedValues scalars = diagnosticsMetrics(d);
    metrics_row.insert(metrics_row.end(), scalars.begin(), scalars.end());
    diagnostics->write(d);
    observer.onDiagnostics(d);
    const bool raised = std::any_of(summary.alerts.begin(), summary.alerts.end(), [&](auto& a) {
        return a.stage == d.stage && a.kind == "likelihood_displacement";
    });
    if (d.displacement.alert && !raised) {
        const std::string message = fmt::format(
            "likelihood displacement at step {} (stage {}): the chosen log-prob fell while the "
            "margin grew for {:.0f}% of the eval pairs ({} of {}; threshold {:.0f}%)",
            d.step, d.stage, 100.0 * d.displacement.share, d.displacement.pairs, data->eval.size(),
            100.0 * d.displacement.threshold);
        log->warn("{}", message);
        summary.alerts.push_back({d.step, d.stage, "likelihood_displacement", message});
        if (summary_ours)
            writeSummary(run_dir, summary);
    }
    return d.seconds;
}

void Trainer::Impl::writeSamples(int64_t step, int stage, TrainingObserver& observer) {
    if (sampler && sampler->enabled()) {
        SamplesReport s = sampler->sample(model, *data->tokenizer, device, step, stage, control_);
        appendSamples(run_dir, s);
        observer.onSamples(s);
        int known = 0, correct = 0;
        for (const GenerationSample& g : s.samples) {
            known += g.correct.has_value() ? 1 : 0;
            correct += g.correct.value_or(false) ? 1 : 0;
        }
        if (known > 0)
            log->info("samples step {}: {}/{} correct", step, correct, known);
    }
}

void Trainer::Impl::checkpoint(const TrainPass& pass, TrainingObserver& observer) {
    state.data_epoch = pass.order.epoch();
    state.data_cursor = static_cast<int64_t>(pass.order.cursor());
    state.train_pairs = static_cast<int64_t>(data->train.size());
    state.eval_pairs = static_cast<int64_t>(data->eval.size());
    state.wall_time_s = pass.wall_before + secondsSince(pass.t0);
    if (!root()) {
        last_checkpoint_step = state.step;  // rank 0 writes it
        return;
    }
    std::string dir =
        saveCheckpoint(run_dir, model, *optimizer, reference, state, config.checkpoint.keep_last);
    last_checkpoint_step = state.step;
    metrics->flush();
    observer.onCheckpoint(state.step, dir);
}

}  // namespace rgpb
