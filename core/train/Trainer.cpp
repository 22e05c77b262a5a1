// Trainer::run() in its named steps (TrainerImpl.h): open the run folder, prepare, restore a
// resumed run, train, end the run. This file holds the run folder and the end of the run; the
// rest is in TrainerSetup.cpp and TrainerSteps.cpp.
#include "core/train/Trainer.h"

#include <torch/torch.h>

#include <csignal>
#include <filesystem>
#include <optional>

#include "core/train/TrainerImpl.h"
#include "core/util/Error.h"
#include "core/util/Log.h"
#include "core/util/SafeFile.h"

namespace fs = std::filesystem;

namespace rgpb {
namespace {

// "runs/x/" -> "runs/x", so names and parents come out right.
std::string normalizedDir(const std::string& dir) {
    fs::path p = fs::path(dir).lexically_normal();
    if (p.filename().empty())
        p = p.parent_path();
    return p.string();
}

// "SIGTERM" for the signals that stop a run from outside (the CLI's StopSignals).
std::string signalName(int signal) {
    switch (signal) {
        case SIGINT:
            return "Ctrl-C (SIGINT)";
        case SIGTERM:
            return "SIGTERM";
        case SIGHUP:
            return "SIGHUP";
        default:
            return "signal " + std::to_string(signal);
    }
}

std::string libTorchFailure(const c10::Error& e) {
    std::string reason = std::string("LibTorch: ") + e.what_without_backtrace();
    if (reason.find("out of memory") != std::string::npos)
        reason = "out of memory: " + reason;
    return reason;
}

}  // namespace

std::string Trainer::Impl::chooseRunFolder() const {
    if (options.resume) {
        std::string dir = normalizedDir(options.run_dir);
        if (!fs::exists(fs::path(dir) / "config.yaml")) {
            throw InputError(dir, "not a run folder (no config.yaml)");
        }
        return dir;
    }
    if (!options.run_dir.empty()) {
        std::string dir = normalizedDir(options.run_dir);
        fs::create_directories(dir);
        if (fs::exists(fs::path(dir) / "summary.json")) {
            throw Error(dir + " already holds a run; use resume, or pick a new folder");
        }
        return dir;
    }
    return createRunDir(options.runs_dir, config.name);
}

void Trainer::Impl::openRunFolder() {
    summary.dir = run_dir;
    summary.id = fs::path(run_dir).filename().string();
    lock = std::make_unique<RunLock>(run_dir);
    // Only the records logged for this run (its RunScope): runs may train side by side.
    log_file = log::addFile((fs::path(run_dir) / "train.log").string(), run_dir);
    summary.status = RunStatus::Running;
    if (options.resume) {
        // summary.json keeps what the run was (step, metrics, why it stopped) until the
        // checkpoint is restored: a resume that fails before leaves it as it was.
        RunSummary old = readSummary(run_dir);
        summary.started_at = old.started_at;
        summary.alerts = old.alerts;  // those after the checkpoint are dropped by restore()
        return;
    }
    writeFileAtomic((fs::path(run_dir) / "config.yaml").string(), toYaml(config));
    log->info("run {} ({}) in {}", config.name, config.recipe(), run_dir);
    summary_ours = true;
    writeSummary(run_dir, summary);
}

void Trainer::Impl::markResumed() {
    summary.step = state.step;
    summary_ours = true;
    writeSummary(run_dir, summary);
}

void Trainer::Impl::finishSummary(RunStatus status, const std::string& reason, double wall) {
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
    if (root())
        writeSummary(run_dir, summary);
}

// The end of a run that train() returned from (finished, cancelled, or stopped at a step).
void Trainer::Impl::endRun(RunStatus status, const RunControl& control,
                           TrainingObserver& observer) {
    std::string reason;
    if (status == RunStatus::Cancelled) {
        if (const int signal = control.cancelSignal(); signal != 0)
            reason = "interrupted by " + signalName(signal) + " at step " +
                     std::to_string(state.step) + " (checkpoint kept; 'rgpb resume' continues)";
        else if (control.cancelRequested())
            reason = "cancelled by the user";
        else
            reason = "stopped after step " + std::to_string(state.step);
    }
    finishSummary(status, reason, state.wall_time_s);
    if (metrics)
        metrics->flush();
    if (status == RunStatus::Finished) {
        observer.onFinished(summary);
    } else {
        observer.onFailed(summary);
    }
}

// The end of a run an exception stopped: cancelled inside reference caching or an evaluation
// (nothing half-done is saved), or failed. The summary is written when the run folder is ours
// and, for a resume, once its checkpoint was restored.
void Trainer::Impl::endEarly(RunStatus status, const std::string& reason,
                             TrainerClock::time_point t0, TrainingObserver& observer) {
    if (status == RunStatus::Failed)
        log->error("run failed: {}", reason);
    else
        log->info("{}", reason);
    summary.status = status;
    summary.reason = reason;
    if (comm && status == RunStatus::Failed)
        comm->publish(store_key::error(comm->rank()), reason);
    if (!run_dir.empty() && lock && !summary_ours) {
        // A resume that failed before its checkpoint was restored: the run is what it was.
        log->error("resume of {} failed; its summary.json is left as it was", run_dir);
    } else if (!run_dir.empty() && lock) {
        try {
            finishSummary(status, reason, state.wall_time_s + secondsSince(t0));
        } catch (const std::exception& e) {
            // The failure itself may be a full disk (or a name JSON cannot hold): the run still
            // ends with its reason.
            log->error("cannot record the end of the run: {}", e.what());
        }
    }
    observer.onFailed(summary);
}

void Trainer::Impl::closeRunFolder() {
    if (metrics) {
        try {
            metrics->flush();
        } catch (const Error& e) {
            log->error("{}", e.what());
        }
    }
    if (log_file >= 0)
        log::removeFile(log_file);
    log_file = -1;
    lock.reset();
    threads.reset();  // the cores go back to the runs still training
}

bool Trainer::Impl::rootWork(const std::string& name, const std::function<bool()>& work) {
    if (!comm)
        return work();
    return comm->fromRoot(name, [&] { return std::string(work() ? "go" : "stop"); }) == "go";
}

Trainer::Trainer(RunConfig config, TrainerOptions options)
    : impl_(std::make_unique<Impl>(std::move(config), std::move(options))) {}

Trainer::~Trainer() = default;

TrainerOptions Trainer::resumeOptions(const std::string& run_dir) {
    TrainerOptions o;
    o.run_dir = run_dir;
    o.resume = true;
    return o;
}

std::unique_ptr<Trainer> Trainer::resume(const std::string& run_dir) {
    RunConfig config = loadRunConfig((fs::path(run_dir) / "config.yaml").string());
    return std::make_unique<Trainer>(std::move(config), resumeOptions(run_dir));
}

bool Trainer::canResume(const std::string& run_dir) {
    std::error_code ec;
    return fs::exists(fs::path(run_dir) / "config.yaml", ec) && !latestCheckpoint(run_dir).empty();
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
    d.observer_ = &observer;
    const auto t0 = TrainerClock::now();
    d.summary = RunSummary{};
    d.summary.name = d.config.name;
    d.summary.recipe = d.config.recipe();
    d.summary.beta = d.config.beta();
    d.summary.started_at = isoTimeNow();
    std::optional<log::RunScope> log_scope;  // what this thread logs belongs to this run
    try {
        if (!d.options.resume)
            d.checkStart();
        d.joinGroup();
        // Rank 0 chooses (and opens) the run folder; the other ranks learn it from rank 0.
        const auto open = [&] {
            d.run_dir = d.chooseRunFolder();
            log_scope.emplace(d.run_dir);
            d.openRunFolder();
            return d.run_dir;
        };
        d.run_dir = d.comm ? d.comm->fromRoot("run folder", open) : open();
        if (d.comm && d.root())
            d.comm->publish(store_key::runDir(), d.run_dir);
        if (!log_scope)
            log_scope.emplace(d.run_dir);
        observer.onPhase({RunPhase::Preparing, 0, 0, 0});
        // Rank 0 prepares first (it may train and save the tokenizer the others then load).
        d.rootWork("prepare", [&] {
            d.prepare();
            return true;
        });
        if (!d.root())
            d.prepare();
        d.summary.total_steps = d.total_steps;
        if (d.options.resume) {
            d.restore();
            if (d.root())
                d.markResumed();
        }
        d.shareRootWeights();
        if (d.root())
            d.metrics = std::make_unique<MetricsLog>(d.run_dir);
        observer.onStart(d.startInfo());
        d.endRun(d.train(observer, control), control, observer);
        if (d.comm)
            d.comm->finish();
    } catch (const CancelledError& e) {
        // Cancelled while preparing (training cancels with a checkpoint and returns instead).
        const int signal = control.cancelSignal();
        d.endEarly(RunStatus::Cancelled,
                   signal != 0 ? "interrupted by " + signalName(signal) + " before training " +
                                     (d.options.resume ? "resumed" : "started")
                               : std::string(e.what()),
                   t0, observer);
    } catch (const c10::Error& e) {
        d.endEarly(RunStatus::Failed, libTorchFailure(e), t0, observer);
    } catch (const std::exception& e) {
        d.endEarly(RunStatus::Failed, e.what(), t0, observer);
    }
    d.closeRunFolder();
    d.observer_ = nullptr;
    return d.summary;
}

}  // namespace rgpb
