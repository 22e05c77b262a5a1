#include "core/train/Trainer.h"

#include <ATen/autocast_mode.h>
#include <spdlog/spdlog.h>
#include <torch/torch.h>
#include <torch/version.h>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <thread>

#include "core/metrics/BatchMetrics.h"
#include "core/model/GptNeoX.h"
#include "core/model/HfImport.h"
#include "core/model/Safetensors.h"
#include "core/train/Checkpoint.h"
#include "core/train/DataOrder.h"
#include "core/train/EvalSampler.h"
#include "core/train/Evaluation.h"
#include "core/train/LrSchedule.h"
#include "core/train/PairForward.h"
#include "core/train/TrainingData.h"
#include "core/util/Error.h"
#include "core/util/Log.h"
#include "core/util/ProcessStats.h"

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace rgpb {
namespace {

double seconds(Clock::time_point since) {
    return std::chrono::duration<double>(Clock::now() - since).count();
}

torch::Device resolveDevice(const std::string& name) {
    if (name == "cpu")
        return torch::kCPU;
    if (!torch::cuda::is_available()) {
        throw Error(
            "device '" + name + "' requested but CUDA is not available (this LibTorch " +
            std::string(TORCH_VERSION) +
            " build has no CUDA, or no GPU is visible); set device: cpu to train on the CPU");
    }
    torch::Device d(name);
    int64_t count = static_cast<int64_t>(torch::cuda::device_count());
    if (d.has_index() && d.index() >= count) {
        throw Error("device '" + name + "' requested but only " + std::to_string(count) +
                    " CUDA device(s) are visible");
    }
    return d;
}

// bf16 autocast on CUDA for the scope of a forward pass (thread-local state, so it is set in
// the training thread). The C++ API changed in LibTorch 2.4 (device-agnostic setters).
class CudaBf16Autocast {
public:
    explicit CudaBf16Autocast(bool on) : on_(on) {
        if (on_)
            set(true);
    }
    ~CudaBf16Autocast() {
        if (on_) {
            set(false);
            at::autocast::clear_cache();
        }
    }
    CudaBf16Autocast(const CudaBf16Autocast&) = delete;
    CudaBf16Autocast& operator=(const CudaBf16Autocast&) = delete;

private:
    static void set(bool enabled) {
#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 4)
        at::autocast::set_autocast_dtype(at::kCUDA, at::kBFloat16);
        at::autocast::set_autocast_enabled(at::kCUDA, enabled);
#else
        at::autocast::set_autocast_gpu_dtype(at::kBFloat16);
        at::autocast::set_enabled(enabled);
#endif
    }
    bool on_;
};

// "runs/x/" -> "runs/x", so names and parents come out right.
std::string normalizedDir(const std::string& dir) {
    fs::path p = fs::path(dir).lexically_normal();
    if (p.filename().empty())
        p = p.parent_path();
    return p.string();
}

}  // namespace

struct Trainer::Impl {
    RunConfig config;
    TrainerOptions options;
    std::string run_dir;

    // Set up by prepare().
    torch::Device device{torch::kCPU};
    std::unique_ptr<TrainingData> data;
    std::unique_ptr<EvalSampler> sampler;  // samples.jsonl at each evaluation
    GptNeoX model{nullptr};
    std::unique_ptr<torch::optim::AdamW> optimizer;
    std::vector<int64_t> stage_steps;
    int64_t total_steps = 0;
    TrainState state;
    ReferenceCache reference;
    GptNeoX reference_model{nullptr};  // on-the-fly reference
    std::unique_ptr<MetricsLog> metrics;
    std::shared_ptr<spdlog::logger> log = log::get("trainer");
    RunSummary summary;
    NamedValues last_train, last_eval;
    int64_t last_checkpoint_step = -1;
    const RunControl* control_ = nullptr;  // set for the duration of run()

    Impl(RunConfig c, TrainerOptions o) : config(std::move(c)), options(std::move(o)) {}

    void prepare() {
        int threads = config.threads > 0
                          ? static_cast<int>(config.threads)
                          : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
        torch::set_num_threads(threads);
        device = resolveDevice(config.device);
        if (config.bf16 && !device.is_cuda()) {
            throw Error(
                "bf16: true needs a CUDA device (bf16 autocast is a GPU feature); "
                "device is '" +
                config.device + "'");
        }
        data = std::make_unique<TrainingData>(
            prepareTrainingData(config, (fs::path(run_dir) / "tokenizer").string()));
        sampler = std::make_unique<EvalSampler>(config, data->eval_text);
        ModelConfig mc = modelConfigFor(config, data->tokenizer->vocabSize());
        {
            // LibTorch's default generator is process-wide: runs started side by side in the
            // workbench must not interleave their seeding and initialisation.
            static std::mutex init_mutex;
            std::lock_guard<std::mutex> lock(init_mutex);
            torch::manual_seed(static_cast<uint64_t>(config.seed));
            model = GptNeoX(mc);
        }
        if (!config.model.from.empty() && !options.resume) {
            // Start from the Hugging Face model's weights (a resumed run loads its checkpoint).
            loadHfWeights(model, config.model.from);
            log->info("model weights from {}", config.model.from);
        }
        model->to(device);

        // Weight decay on matrices only, not on biases and LayerNorm parameters.
        std::vector<torch::Tensor> decay, no_decay;
        for (auto& p : model->named_parameters()) {
            (p.value().dim() >= 2 ? decay : no_decay).push_back(p.value());
        }
        auto opts = [&](double wd) {
            auto o = std::make_unique<torch::optim::AdamWOptions>(config.optimizer.lr);
            o->betas({config.optimizer.beta1, config.optimizer.beta2});
            o->eps(config.optimizer.eps);
            o->weight_decay(wd);
            return o;
        };
        std::vector<torch::optim::OptimizerParamGroup> groups;
        groups.emplace_back(decay, opts(config.optimizer.weight_decay));
        groups.emplace_back(no_decay, opts(0.0));
        optimizer = std::make_unique<torch::optim::AdamW>(
            groups, torch::optim::AdamWOptions(config.optimizer.lr));

        const int64_t per_step = config.optimizer.batch_size * config.optimizer.grad_accum;
        for (const StageConfig& s : config.stages) {
            int64_t n = s.steps > 0 ? s.steps
                                    : static_cast<int64_t>(std::ceil(
                                          s.epochs * static_cast<double>(data->train.size()) /
                                          static_cast<double>(per_step)));
            stage_steps.push_back(std::max<int64_t>(1, n));
            total_steps += stage_steps.back();
        }
        log->info(
            "model {}: {} parameters, vocab {}, {} layers x {} hidden; {} train / {} eval pairs; "
            "device {}, {} threads",
            mc.name, mc.parameterCount(), mc.vocab_size, mc.num_layers, mc.hidden_size,
            data->train.size(), data->eval.size(), device.str(), threads);
    }

    double stageLr(int stage) const {
        const StageConfig& s = config.stages[static_cast<std::size_t>(stage)];
        return s.lr ? *s.lr : config.optimizer.lr;
    }

    void startStageReference(int stage) {
        const StageConfig& s = config.stages[static_cast<std::size_t>(stage)];
        reference = ReferenceCache{};
        reference_model = GptNeoX(nullptr);
        if (!s.objective.needsReference())
            return;
        if (s.on_the_fly_reference) {
            reference_model = GptNeoX(model->config());
            reference_model->to(device);
            torch::NoGradGuard g;
            auto src = model->named_parameters();
            for (auto& p : reference_model->named_parameters())
                p.value().copy_(src[p.key()]);
            reference_model->eval();
            for (auto& p : reference_model->parameters())
                p.set_requires_grad(false);
            // Evaluation uses a cached table either way (it is small); training calls the copy.
            reference.eval = sequenceSums(model, data->eval, data->tokenizer->specials().pad,
                                          config.eval.batch_size, device);
            return;
        }
        auto t0 = Clock::now();
        const int32_t pad = data->tokenizer->specials().pad;
        {
            // Under the same autocast as the training forward, so S - S_ref is exactly 0 at the
            // first DPO step; evaluation (float32) gets a float32 table.
            CudaBf16Autocast autocast(config.bf16);
            reference.train = sequenceSums(model, data->train, pad, config.eval.batch_size, device, control_);
        }
        reference.eval = sequenceSums(model, data->eval, pad, config.eval.batch_size, device, control_);
        log->info("stage {}: reference log-probs cached for {} + {} pairs in {:.1f} s", stage,
                  data->train.size(), data->eval.size(), seconds(t0));
    }

    // Fills batch reference sums for the pairs `idx` of `pairs` (train or eval split).
    void attachReference(PairLogProbs& lp, const std::vector<std::size_t>& idx, bool eval_split,
                         const SequenceBatch& batch) {
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

    EvalReport evaluate(int stage) {
        auto t0 = Clock::now();
        EvaluationOptions o;
        o.batch_size = config.eval.batch_size;
        o.grad_diff_steps = static_cast<int>(config.eval.grad_diff_steps);
        for (const ObjectiveTerm& t :
             config.stages[static_cast<std::size_t>(stage)].objective.terms) {
            if (t.kind != ObjectiveKind::Mle)
                o.beta = t.beta;
        }
        o.reference = reference.eval;
        o.control = control_;
        EvalReport r;
        r.step = state.step;
        r.stage = stage;
        r.pairs.resize(data->eval.size());
        o.per_pair = [&r](std::size_t i, const PairRecord& p) { r.pairs.at(i) = p; };
        r.metrics = evaluatePairs(model, data->eval, data->tokenizer->specials().pad, device, o);
        r.seconds = seconds(t0);
        return r;
    }

    void writeEval(const EvalReport& r, TrainingObserver& observer) {
        last_eval.clear();
        for (const auto& [k, v] : r.metrics.named())
            last_eval.emplace_back(k, v);
        metrics->write(r.step, r.stage, "eval", last_eval);
        metrics->flush();
        writeEvalPairs(run_dir, {r.step, r.stage, r.pairs});
        observer.onEval(r);
        log->info("eval step {}: perplexity {:.4g}, agility {:.4g}, pos_prob {:.4g}", r.step,
                  r.metrics.perplexity, r.metrics.agility, r.metrics.pos_prob);
        if (sampler && sampler->enabled()) {
            SamplesReport s =
                sampler->sample(model, *data->tokenizer, device, r.step, r.stage, control_);
            appendSamples(run_dir, s);
            observer.onSamples(s);
            int known = 0, correct = 0;
            for (const GenerationSample& g : s.samples) {
                known += g.correct.has_value() ? 1 : 0;
                correct += g.correct.value_or(false) ? 1 : 0;
            }
            if (known > 0)
                log->info("samples step {}: {}/{} correct", r.step, correct, known);
        }
    }

    void checkpoint(DataOrder& order, TrainingObserver& observer, double wall_before,
                    Clock::time_point t0) {
        state.data_epoch = order.epoch();
        state.data_cursor = static_cast<int64_t>(order.cursor());
        state.train_pairs = static_cast<int64_t>(data->train.size());
        state.eval_pairs = static_cast<int64_t>(data->eval.size());
        state.wall_time_s = wall_before + seconds(t0);
        std::string dir = saveCheckpoint(run_dir, model, *optimizer, reference, state,
                                         config.checkpoint.keep_last);
        last_checkpoint_step = state.step;
        metrics->flush();
        observer.onCheckpoint(state.step, dir);
    }

    void finishSummary(RunStatus status, const std::string& reason, double wall) {
        summary.status = status;
        summary.reason = reason;
        summary.finished_at = isoTimeNow();
        summary.wall_time_s = wall;
        summary.step = state.step;
        summary.final_metrics.clear();
        for (const auto& [k, v] : last_eval)
            summary.final_metrics.emplace_back("eval/" + k, v);
        for (const auto& [k, v] : last_train)
            summary.final_metrics.emplace_back("train/" + k, v);
        writeSummary(run_dir, summary);
    }

    // Returns Finished or Cancelled.
    RunStatus train(TrainingObserver& observer, RunControl& control) {
        auto t0 = Clock::now();
        double wall_before = state.wall_time_s;
        int64_t steps_at_start = state.step;
        const int32_t pad = data->tokenizer->specials().pad;
        DataOrder order(config.seed, data->train.size(), state.data_epoch,
                        static_cast<std::size_t>(state.data_cursor));
        int64_t nonfinite_run = 0;

        for (int stage = state.stage; stage < static_cast<int>(config.stages.size()); ++stage) {
            const StageConfig& sc = config.stages[static_cast<std::size_t>(stage)];
            const int64_t steps = stage_steps[static_cast<std::size_t>(stage)];
            auto objective = makeObjective(sc.objective);
            const bool fresh = state.stage != stage || state.stage_step == 0;
            const bool stage_done = !fresh && state.stage_step >= steps;
            if (state.stage != stage) {
                state.stage = stage;
                state.stage_step = 0;
            }
            if (stage_done) {
                continue;  // resumed exactly at this stage's end: nothing left to train in it
            } else if (fresh) {
                startStageReference(stage);  // the current weights are the start-of-stage model
            } else if (sc.objective.needsReference() && sc.on_the_fly_reference) {
                throw Error(
                    "cannot resume inside stage " + std::to_string(stage) +
                    ": its on-the-fly DPO reference (the start-of-stage weights) is not kept "
                    "in checkpoints; use the cached reference (the default) to resume DPO stages");
            } else if (sc.objective.needsReference() && !reference.defined()) {
                throw Error("the checkpoint lacks the cached DPO reference of stage " +
                            std::to_string(stage));
            }
            observer.onStageStart(stage, sc.name, steps);
            log->info("stage {} '{}': {} steps, lr {}", stage, sc.name, steps, stageLr(stage));
            if (state.step == 0 && last_eval.empty())
                writeEval(evaluate(stage), observer);  // the curves' starting point

            while (state.stage_step < steps) {
                while (control.paused() && !control.cancelRequested()) {
                    std::this_thread::sleep_for(std::chrono::milliseconds(50));
                }
                if (control.cancelRequested()) {
                    checkpoint(order, observer, wall_before, t0);
                    return RunStatus::Cancelled;
                }
                auto ts = Clock::now();
                const int64_t local = state.stage_step + 1;
                double lr =
                    learningRateAt(local, steps, stageLr(stage), config.optimizer.warmup_steps,
                                   config.optimizer.schedule, config.optimizer.min_lr_ratio);
                for (auto& g : optimizer->param_groups()) {
                    static_cast<torch::optim::AdamWOptions&>(g.options()).lr(lr);
                }
                optimizer->zero_grad();
                double loss_sum = 0.0;
                int64_t tokens = 0;
                NamedValues stats;
                for (int64_t micro = 0; micro < config.optimizer.grad_accum; ++micro) {
                    std::vector<std::size_t> idx =
                        order.next(static_cast<std::size_t>(config.optimizer.batch_size));
                    SequenceBatch batch = collatePairs(data->train, idx, pad);
                    ObjectiveResult r;
                    {
                        // Log-probs are computed in float32 from the autocast logits
                        // (sequenceLogProbs upcasts), so only the model runs in bf16.
                        CudaBf16Autocast autocast(config.bf16);
                        PairForward f = forwardPairs(model, batch, device);
                        attachReference(f.logprobs, idx, false, batch);
                        tokens += f.tokens;
                        r = objective->compute(f.logprobs);
                    }
                    const auto& faults = options.nan_loss_at_steps;
                    if (std::find(faults.begin(), faults.end(), state.step + 1) != faults.end()) {
                        r.loss = r.loss * std::nan("");
                    }
                    (r.loss / static_cast<double>(config.optimizer.grad_accum)).backward();
                    loss_sum += r.loss.item<double>();
                    // Stats over all micro-batches: counts add up, the rest are averaged.
                    NamedValues part = statValues(r);
                    if (stats.empty())
                        stats.assign(part.size(), {"", 0.0});
                    for (std::size_t i = 0; i < part.size() && i < stats.size(); ++i) {
                        bool count = part[i].first.find("clamped_tokens") != std::string::npos;
                        stats[i].first = part[i].first;
                        stats[i].second += count ? part[i].second
                                                 : part[i].second /
                                                       static_cast<double>(config.optimizer.grad_accum);
                    }
                }
                double loss = loss_sum / static_cast<double>(config.optimizer.grad_accum);
                double grad_norm = 0.0;
                if (config.optimizer.grad_clip > 0) {
                    grad_norm = torch::nn::utils::clip_grad_norm_(model->parameters(),
                                                                  config.optimizer.grad_clip);
                } else {
                    double sq = 0;
                    for (auto& p : model->parameters()) {
                        if (p.grad().defined())
                            sq += p.grad().pow(2).sum().item<double>();
                    }
                    grad_norm = std::sqrt(sq);
                }
                bool finite = std::isfinite(loss) && std::isfinite(grad_norm);
                if (finite) {
                    optimizer->step();
                    nonfinite_run = 0;
                } else {
                    optimizer->zero_grad();
                    ++nonfinite_run;
                    log->warn(
                        "stage {} step {}: non-finite {} (loss {}, grad norm {}); update skipped "
                        "({} in a row)",
                        stage, state.step + 1, std::isfinite(loss) ? "gradient" : "loss", loss,
                        grad_norm, nonfinite_run);
                    if (nonfinite_run >= config.max_nonfinite_steps) {
                        throw Error("stage " + std::to_string(stage) + " step " +
                                    std::to_string(state.step + 1) + ": " +
                                    std::to_string(nonfinite_run) +
                                    " steps in a row had a NaN/Inf loss or gradient "
                                    "(max_nonfinite_steps = " +
                                    std::to_string(config.max_nonfinite_steps) +
                                    "); try a lower lr or beta");
                    }
                }
                state.step += 1;
                state.stage_step += 1;
                state.tokens += tokens;

                StepMetrics m;
                m.step = state.step;
                m.stage = stage;
                m.stage_name = sc.name;
                m.stage_step = state.stage_step;
                m.stage_steps = steps;
                m.total_steps = total_steps;
                m.loss = loss;
                m.grad_norm = grad_norm;
                m.lr = lr;
                m.step_time_ms = seconds(ts) * 1000.0;
                m.tokens_per_s =
                    static_cast<double>(tokens) / std::max(1e-9, m.step_time_ms / 1000.0);
                m.peak_memory_mb = peakResidentMemoryMb();
                m.tokens = state.tokens;
                m.elapsed_s = seconds(t0);
                double per_step = m.elapsed_s / static_cast<double>(state.step - steps_at_start);
                m.eta_s = per_step * static_cast<double>(total_steps - state.step);
                m.skipped = !finite;
                m.stats = stats;
                last_train = {{"loss", loss},
                              {"grad_norm", grad_norm},
                              {"lr", lr},
                              {"tokens_per_s", m.tokens_per_s},
                              {"step_time_ms", m.step_time_ms},
                              {"peak_memory_mb", m.peak_memory_mb},
                              {"tokens", static_cast<double>(state.tokens)},
                              {"skipped", finite ? 0.0 : 1.0}};
                NamedValues row = last_train;
                row.insert(row.end(), stats.begin(), stats.end());
                metrics->write(state.step, stage, "train", row);
                observer.onStep(m);

                bool stage_end = state.stage_step == steps;
                if ((config.eval.every > 0 && state.step % config.eval.every == 0) || stage_end) {
                    writeEval(evaluate(stage), observer);
                }
                bool stop_here =
                    options.stop_after_step > 0 && state.step == options.stop_after_step;
                if ((config.checkpoint.every > 0 && state.step % config.checkpoint.every == 0) ||
                    stop_here) {
                    checkpoint(order, observer, wall_before, t0);
                }
                if (stop_here)
                    return RunStatus::Cancelled;
            }
        }
        state.stage = static_cast<int>(config.stages.size());
        if (last_checkpoint_step != state.step)
            checkpoint(order, observer, wall_before, t0);
        return RunStatus::Finished;
    }
};

Trainer::Trainer(RunConfig config, TrainerOptions options)
    : impl_(std::make_unique<Impl>(std::move(config), std::move(options))) {}

Trainer::~Trainer() = default;

std::unique_ptr<Trainer> Trainer::resume(const std::string& run_dir) {
    RunConfig config = loadRunConfig((fs::path(run_dir) / "config.yaml").string());
    TrainerOptions o;
    o.run_dir = run_dir;
    o.resume = true;
    return std::make_unique<Trainer>(std::move(config), std::move(o));
}

const RunConfig& Trainer::config() const {
    return impl_->config;
}
const std::string& Trainer::runDir() const {
    return impl_->run_dir;
}

RunSummary Trainer::run(TrainingObserver& observer, RunControl& control) {
    Impl& d = *impl_;
    d.control_ = &control;
    auto t0 = Clock::now();
    std::unique_ptr<RunLock> lock;
    int log_file = -1;
    d.summary = RunSummary{};
    d.summary.name = d.config.name;
    d.summary.recipe = d.config.recipe();
    d.summary.beta = d.config.beta();
    d.summary.started_at = isoTimeNow();
    try {
        if (d.options.resume) {
            d.run_dir = normalizedDir(d.options.run_dir);
            if (!fs::exists(fs::path(d.run_dir) / "config.yaml")) {
                throw InputError(d.run_dir, "not a run folder (no config.yaml)");
            }
        } else if (!d.options.run_dir.empty()) {
            d.run_dir = normalizedDir(d.options.run_dir);
            fs::create_directories(d.run_dir);
            if (fs::exists(fs::path(d.run_dir) / "summary.json")) {
                throw Error(d.run_dir + " already holds a run; use resume, or pick a new folder");
            }
        } else {
            d.run_dir = createRunDir(d.options.runs_dir, d.config.name);
        }
        d.summary.dir = d.run_dir;
        d.summary.id = fs::path(d.run_dir).filename().string();
        lock = std::make_unique<RunLock>(d.run_dir);
        log_file = log::addFile((fs::path(d.run_dir) / "train.log").string());
        if (d.options.resume) {
            RunSummary old = readSummary(d.run_dir);
            d.summary.started_at = old.started_at;
        } else {
            writeFileAtomic((fs::path(d.run_dir) / "config.yaml").string(), toYaml(d.config));
        }
        d.summary.status = RunStatus::Running;
        writeSummary(d.run_dir, d.summary);

        d.prepare();
        d.summary.total_steps = d.total_steps;
        if (d.options.resume) {
            std::string ckpt = latestCheckpoint(d.run_dir);
            if (ckpt.empty())
                throw InputError(d.run_dir, "no checkpoint to resume from");
            d.state = loadCheckpoint(ckpt, d.model, *d.optimizer, d.reference);
            d.last_checkpoint_step = d.state.step;
            const auto n_train = static_cast<int64_t>(d.data->train.size());
            const auto n_eval = static_cast<int64_t>(d.data->eval.size());
            if ((d.state.train_pairs >= 0 && d.state.train_pairs != n_train) ||
                (d.state.eval_pairs >= 0 && d.state.eval_pairs != n_eval) ||
                (d.reference.defined() && (d.reference.train.size(0) != n_train ||
                                           d.reference.eval.size(0) != n_eval))) {
                throw InputError(ckpt, "the data changed since the run started: the checkpoint was "
                                       "taken with " + std::to_string(d.state.train_pairs) + " train / " +
                                       std::to_string(d.state.eval_pairs) + " eval pairs, " +
                                       d.config.data.source + " now gives " + std::to_string(n_train) +
                                       " / " + std::to_string(n_eval));
            }
            MetricsLog::truncateAfter(d.run_dir, d.state.step);
            truncateSamplesAfter(d.run_dir, d.state.step);
            d.log->info("resuming {} at step {} (stage {}, step {} of it)", d.run_dir, d.state.step,
                        d.state.stage, d.state.stage_step);
            for (const MetricEvent& e : readMetrics(d.run_dir)) {
                if (e.split == "eval")
                    d.last_eval = e.values;
                if (e.split == "train")
                    d.last_train = e.values;
            }
        }
        d.metrics = std::make_unique<MetricsLog>(d.run_dir);
        RunStartInfo info;
        info.run_dir = d.run_dir;
        info.device = d.device.str();
        info.parameters = d.model->config().parameterCount();
        info.train_pairs = static_cast<int64_t>(d.data->train.size());
        info.eval_pairs = static_cast<int64_t>(d.data->eval.size());
        info.total_steps = d.total_steps;
        info.start_step = d.state.step;
        info.threads = torch::get_num_threads();
        observer.onStart(info);

        RunStatus status = d.train(observer, control);
        double wall = d.state.wall_time_s;
        d.finishSummary(
            status,
            status == RunStatus::Cancelled
                ? (control.cancelRequested() ? "cancelled by the user"
                                             : "stopped after step " + std::to_string(d.state.step))
                : "",
            wall);
        d.metrics->flush();
        if (status == RunStatus::Finished) {
            observer.onFinished(d.summary);
        } else {
            observer.onFailed(d.summary);
        }
    } catch (const CancelledError& e) {
        // Cancelled inside reference caching or an evaluation: nothing half-done is saved.
        d.log->info("{}", e.what());
        if (!d.run_dir.empty() && lock)
            d.finishSummary(RunStatus::Cancelled, e.what(), d.state.wall_time_s + seconds(t0));
        else {
            d.summary.status = RunStatus::Cancelled;
            d.summary.reason = e.what();
        }
        observer.onFailed(d.summary);
    } catch (const c10::Error& e) {
        std::string reason = std::string("LibTorch: ") + e.what_without_backtrace();
        if (reason.find("out of memory") != std::string::npos)
            reason = "out of memory: " + reason;
        d.log->error("run failed: {}", reason);
        if (!d.run_dir.empty() && lock)
            d.finishSummary(RunStatus::Failed, reason, d.state.wall_time_s + seconds(t0));
        else {
            d.summary.status = RunStatus::Failed;
            d.summary.reason = reason;
        }
        observer.onFailed(d.summary);
    } catch (const std::exception& e) {
        d.log->error("run failed: {}", e.what());
        if (!d.run_dir.empty() && lock)
            d.finishSummary(RunStatus::Failed, e.what(), d.state.wall_time_s + seconds(t0));
        else {
            d.summary.status = RunStatus::Failed;
            d.summary.reason = e.what();
        }
        observer.onFailed(d.summary);
    }
    if (d.metrics)
        d.metrics->flush();
    if (log_file >= 0)
        log::removeFile(log_file);
    return d.summary;
}

}  // namespace rgpb
