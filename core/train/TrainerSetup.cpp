// The steps of a run before its first optimizer step: device, data, model, optimizer, stage
// lengths (prepare) and, for a resumed run, its checkpoint, metrics and samples (restore).
#include <torch/torch.h>
#include <torch/version.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <mutex>
#include <thread>

#include "core/generate/SampleLog.h"
#include "core/train/ModelSource.h"
#include "core/train/TrainerImpl.h"
#include "core/util/Error.h"
#include "core/util/ProcessSetup.h"

namespace fs = std::filesystem;

namespace rgpb {
namespace {

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

// LibTorch's default generator is process-wide: runs started side by side in the workbench
// must not interleave their seeding and initialisation.
std::mutex& modelInitMutex() {
    static std::mutex mutex;
    return mutex;
}

}  // namespace

// What can be checked before the run folder exists, so that a config that cannot train fails
// with its reason and leaves no folder behind: every stage's method trains on this data (configs
// made in code skip the parser's check), and model.from's weights fit the shape it implies
// (loaded here, once, and kept for buildModel()).
void Trainer::Impl::checkStart() {
    for (std::size_t i = 0; i < config.stages.size(); ++i) {
        if (const std::string p = stageDataProblem(config.data, config.stages[i].objective);
            !p.empty())
            throw InputError("stages." + std::to_string(i) + ".method", p);
    }
    if (config.model.from.empty())
        return;
    const std::unique_ptr<Tokenizer> tokenizer =
        loadSourceTokenizer(resolveModelSource(config.model.from));
    const ModelShape shape = modelShapeFor(config, *tokenizer);
    {
        std::lock_guard<std::mutex> lock(modelInitMutex());
        start_model = LanguageModel(shape);
    }
    loadStartWeights(start_model, config.model.from);
}

void Trainer::Impl::joinGroup() {
    if (!options.distributed)
        return;
    const DistributedEnv& env = *options.distributed;
    const int64_t b = config.optimizer.batch_size;
    if (b % env.world_size != 0)
        throw InputError("optimizer.batch_size",
                         "a data-parallel run splits every batch evenly across its " +
                             std::to_string(env.world_size) +
                             " processes: expected a multiple of " +
                             std::to_string(env.world_size) + ", got " + std::to_string(b));
    device = resolveDevice(config.device);
    if (device.is_cuda() && !device.has_index())
        device = torch::Device(torch::kCUDA,
                               static_cast<c10::DeviceIndex>(
                                   env.local_rank % static_cast<int>(torch::cuda::device_count())));
    // Each of the processes on this machine gets its share of the cores, unless threads is set.
    if (config.threads == 0)
        rank_threads = std::max(
            1, static_cast<int>(std::thread::hardware_concurrency()) / env.local_world_size);
    comm = std::make_unique<Communicator>(env, config.distributed, device);
    log->info("data-parallel: rank {} of {} ({}), {} pairs of every batch of {}", env.rank,
              env.world_size, comm->describe(), b / env.world_size, b);
}

void Trainer::Impl::shareRootWeights() {
    if (!comm)
        return;
    std::vector<torch::Tensor> tensors = model->parameters();
    for (const torch::Tensor& t : model->buffers())
        tensors.push_back(t);
    comm->broadcast(tensors);
}

void Trainer::Impl::prepare() {
    threads.emplace(ThreadBudget::process().acquire(
        rank_threads > 0 ? rank_threads : static_cast<int>(config.threads)));
    applyThreadShare();
    if (!comm)
        device = resolveDevice(config.device);
    data = std::make_unique<TrainingData>(
        prepareTrainingData(config, (fs::path(run_dir) / "tokenizer").string()));
    sampler = std::make_unique<EvalSampler>(config, data->eval_text);
    const ModelShape shape = modelShapeFor(config, *data->tokenizer);
    buildModel(shape);
    buildOptimizer();
    planStages();
    log->info(
        "model {}: {} parameters, vocab {}; {} train / {} eval pairs; device {}, precision {}",
        shape.describe(), shape.parameterCount(), shape.vocabSize(), data->train.size(),
        data->eval.size(), device.str(), config.precision);
}

void Trainer::Impl::applyThreadShare() {
    const ThreadBudget::Lease::Share share = threads->share();
    if (share.threads == applied_threads)
        return;
    // LibTorch's OpenMP thread count belongs to the calling thread; its first parallel region
    // would reset it to the process-wide value another run may have set, so take that first.
    torch::get_num_threads();
    torch::set_num_threads(share.threads);
    log->info("threads: {} ({}{} run{} on {} cores; OpenMP wait policy {})", share.threads,
              config.threads > 0 ? "asked " + std::to_string(config.threads) + "; " : "",
              share.runs, share.runs == 1 ? "" : "s", share.cores, openMpWaitPolicy());
    applied_threads = share.threads;
}

void Trainer::Impl::buildModel(const ModelShape& shape) {
    const bool start_from = !config.model.from.empty() && !options.resume;
    {
        std::lock_guard<std::mutex> lock(modelInitMutex());
        torch::manual_seed(static_cast<uint64_t>(config.seed));
        if (!start_from || !start_model)
            model = LanguageModel(shape);
    }
    if (start_from) {
        // Start from model.from's weights, loaded by checkStart() (a resumed run loads its own
        // checkpoint instead).
        if (start_model) {
            model = start_model;
            start_model = LanguageModel();
        } else {
            loadStartWeights(model, config.model.from);
        }
        requireArgument(model.shape().vocabSize() == shape.vocabSize(), "Trainer", "model.from",
                        "the vocabulary of the run's tokenizer", model.shape().vocabSize(),
                        " tokens vs ", shape.vocabSize());
        log->info("model weights from {}", config.model.from);
    }
    model->to(device);
}

void Trainer::Impl::buildOptimizer() {
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
}

void Trainer::Impl::planStages() {
    const int64_t per_step = config.optimizer.batch_size * config.optimizer.grad_accum;
    for (const StageConfig& s : config.stages) {
        int64_t n = s.steps > 0 ? s.steps
                                : static_cast<int64_t>(
                                      std::ceil(s.epochs * static_cast<double>(data->train.size()) /
                                                static_cast<double>(per_step)));
        stage_steps.push_back(std::max<int64_t>(1, n));
        total_steps += stage_steps.back();
    }
}

void Trainer::Impl::restore() {
    std::string ckpt = latestCheckpoint(run_dir);
    if (ckpt.empty())
        throw InputError(run_dir, "no checkpoint to resume from");
    state = loadCheckpoint(ckpt, model, *optimizer, reference);
    last_checkpoint_step = state.step;
    const auto n_train = static_cast<int64_t>(data->train.size());
    const auto n_eval = static_cast<int64_t>(data->eval.size());
    if ((state.train_pairs >= 0 && state.train_pairs != n_train) ||
        (state.eval_pairs >= 0 && state.eval_pairs != n_eval) ||
        (reference.defined() &&
         (reference.train.size(0) != n_train || reference.eval.size(0) != n_eval))) {
        throw InputError(ckpt,
                         "the data changed since the run started: the checkpoint was "
                         "taken with " +
                             std::to_string(state.train_pairs) + " train / " +
                             std::to_string(state.eval_pairs) + " eval pairs, " +
                             config.data.source + " now gives " + std::to_string(n_train) + " / " +
                             std::to_string(n_eval));
    }
    if (!root())
        return;  // rank 0 rewrites the run folder's files; the others only need the weights
    MetricsLog::truncateAfter(run_dir, state.step);
    truncateSamplesAfter(run_dir, state.step);
    truncateDiagnosticsAfter(run_dir, state.step);
    summary.alerts.erase(std::remove_if(summary.alerts.begin(), summary.alerts.end(),
                                        [&](const RunAlert& a) { return a.step > state.step; }),
                         summary.alerts.end());
    log->info("resuming {} at step {} (stage {}, step {} of it)", run_dir, state.step, state.stage,
              state.stage_step);
    for (const MetricEvent& e : readMetrics(run_dir)) {
        if (e.split == "eval")
            last_eval = e.values;
        if (e.split == "train")
            last_train = e.values;
    }
}

RunStartInfo Trainer::Impl::startInfo() const {
    RunStartInfo info;
    info.run_dir = run_dir;
    info.device = device.str();
    if (comm)
        info.device += " x " + std::to_string(comm->size()) + " processes (" +
                       config.distributed.backend + ")";
    info.parameters = model.shape().parameterCount();
    info.train_pairs = static_cast<int64_t>(data->train.size());
    info.eval_pairs = static_cast<int64_t>(data->eval.size());
    info.total_steps = total_steps;
    info.start_step = state.step;
    info.threads = torch::get_num_threads();
    return info;
}

}  // namespace rgpb
