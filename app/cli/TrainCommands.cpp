// `rgpb train`, `rgpb resume` and `rgpb sweep`: the trainer from the command line.
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <sstream>

#include "app/cli/CliArgs.h"
#include "app/cli/Commands.h"
#include "app/cli/StopSignals.h"
#include "core/config/InputPaths.h"
#include "core/config/RunConfig.h"
#include "core/config/SweepGrid.h"
#include "core/run/RunStore.h"
#include "core/train/ConsoleObserver.h"
#include "core/train/Trainer.h"
#include "core/train/WorkerLauncher.h"
#include "core/util/Error.h"
#include "core/util/Log.h"

namespace rgpb::cli {
namespace {

// Runs the trainer until it ends or a stop signal (Ctrl-C, SIGTERM, SIGHUP) cancels it cleanly;
// sets `stop_signal` to that signal (0 when none). A data-parallel rank other than 0 trains
// quietly: rank 0 shows the run.
RunSummary runTrainer(Trainer& trainer, const CliArgs& args, int* stop_signal = nullptr,
                      bool quiet = false) {
    bool tty = ::isatty(STDERR_FILENO) && !args.has("plain");
    log::initConsole(tty || quiet ? log::Level::Warn : log::Level::Info, tty);
    ConsoleObserver console(stderr, tty, static_cast<int>(args.integer("print-every", 25)));
    TrainingObserver silent;
    RunControl control;
    StopSignals stop(&control);
    RunSummary s = trainer.run(quiet ? silent : console, control);
    if (stop_signal != nullptr)
        *stop_signal = stop.signal();
    return s;
}

// Under a launcher (torchrun's RANK and WORLD_SIZE set): this process is one rank. Otherwise,
// with --nproc N or distributed.nproc > 1, this process starts the N ranks and watches them;
// returns their exit code then, nullopt when this process trains by itself.
std::optional<int> launchIfAsked(const std::string& command, const std::vector<std::string>& argv,
                                 const CliArgs& args, const RunConfig& config, TrainerOptions& o) {
    o.distributed = distributedEnvFromProcess();
    if (o.distributed)
        return std::nullopt;
    const long long nproc = args.integer("nproc", config.distributed.nproc);
    if (nproc < 1 || nproc > 1024)
        throw UsageError("option --nproc expects a number of processes in [1, 1024], got " +
                         std::to_string(nproc));
    if (nproc == 1)
        return std::nullopt;
    LaunchOptions l;
    l.executable = "/proc/self/exe";
    l.args = withoutNproc(argv);
    l.args.insert(l.args.begin(), command);
    l.nproc = static_cast<int>(nproc);
    l.timeout_s = config.distributed.timeout_s;
    l.stop_signal = [] { return stopSignalReceived(); };
    StopSignals stop(nullptr);
    return launchWorkers(l).exit_code;
}

// 0 finished; 128 + the signal when one stopped it; 0 when --stop-after stopped it as asked.
int exitCode(const RunSummary& s, int stop_signal) {
    if (s.status == RunStatus::Finished)
        return 0;
    if (s.status == RunStatus::Cancelled)
        return stop_signal != 0 ? 128 + stop_signal : 0;
    return 1;
}

RunConfig configFromArgs(const std::string& path, const CliArgs& args) {
    std::vector<std::string> sets = args.values("set");
    if (auto d = args.value("device"))
        sets.push_back("device=" + *d);
    if (auto t = args.value("threads"))
        sets.push_back("threads=" + *t);
    std::string text = readFile(path);
    RunConfig config = parseRunConfig(text, path, sets);
    // The data file and model folder exist (located at their line unless --set moved them).
    requireInputPaths(config, path, sets.empty() ? text : std::string());
    return config;
}

const std::vector<std::string> kTrainFlags = {"set",     "runs-dir",   "device",      "threads",
                                              "run-dir", "stop-after", "print-every", "nproc"};

int train(const std::vector<std::string>& argv) {
    CliArgs args(argv, kTrainFlags, {"plain"});
    if (args.positional().size() != 1)
        throw Error("train: expected one PRESET.yaml (see 'rgpb train --help')");
    RunConfig config = configFromArgs(args.positional()[0], args);
    TrainerOptions o;
    o.runs_dir = args.value("runs-dir").value_or("runs");
    o.run_dir = args.value("run-dir").value_or("");
    o.stop_after_step = args.integer("stop-after", 0);
    if (o.stop_after_step < 0)
        throw UsageError(
            "option --stop-after expects a step number >= 1 (0: run to the end), got " +
            std::to_string(o.stop_after_step));
    if (std::optional<int> code = launchIfAsked("train", argv, args, config, o))
        return *code;
    const bool quiet = o.distributed && !o.distributed->root();
    Trainer trainer(std::move(config), o);
    int stop_signal = 0;
    RunSummary s = runTrainer(trainer, args, &stop_signal, quiet);
    if (!quiet)
        std::cout << s.dir << "\n";
    return exitCode(s, stop_signal);
}

int resume(const std::vector<std::string>& argv) {
    CliArgs args(argv, {"print-every", "nproc"}, {"plain"});
    if (args.positional().size() != 1)
        throw Error("resume: expected one RUN_DIR");
    const std::string dir = args.positional()[0];
    TrainerOptions o = Trainer::resumeOptions(dir);
    const RunConfig config = loadRunConfig((std::filesystem::path(dir) / "config.yaml").string());
    if (std::optional<int> code = launchIfAsked("resume", argv, args, config, o))
        return *code;
    const bool quiet = o.distributed && !o.distributed->root();
    Trainer trainer(config, o);
    int stop_signal = 0;
    RunSummary s = runTrainer(trainer, args, &stop_signal, quiet);
    if (!quiet)
        std::cout << s.dir << "\n";
    return exitCode(s, stop_signal);
}

std::string fmt(double v, const char* f = "%.4f") {
    char buf[32];
    std::snprintf(buf, sizeof buf, f, v);
    return buf;
}

int sweep(const std::vector<std::string>& argv) {
    std::vector<std::string> flags = kTrainFlags;
    flags.push_back("beta");
    flags.push_back("methods");
    CliArgs args(argv, flags, {"plain"});
    if (args.positional().size() != 1)
        throw Error("sweep: expected one PRESET.yaml");
    const std::string preset = args.positional()[0];
    std::vector<double> betas =
        parseNumberList("beta", args.value("beta").value_or("0.05,0.1,0.5,1,5"));
    std::vector<std::string> methods;
    if (auto m = args.value("methods")) {
        std::stringstream ss(*m);
        for (std::string x; std::getline(ss, x, ',');)
            methods.push_back(x);
    }
    struct Cell {
        std::string method;
        double beta;
        RunSummary summary;
    };
    std::vector<Cell> cells;
    for (SweepCell& cell : sweepGrid(configFromArgs(preset, args), methods, betas)) {
        std::string label = cell.method.empty() ? cell.config.recipe() : cell.method;
        std::fprintf(stderr, "== sweep cell %s, beta %g ==\n", label.c_str(), cell.beta);
        TrainerOptions o;
        o.runs_dir = args.value("runs-dir").value_or("runs");
        Trainer trainer(std::move(cell.config), o);
        cells.push_back({label, cell.beta, runTrainer(trainer, args)});
        if (stopRequested()) {
            std::fprintf(stderr, "sweep interrupted: the remaining cells were not run\n");
            break;
        }
    }
    std::printf("\n%-24s %6s %-9s %11s %10s %10s\n", "method", "beta", "status", "perplexity",
                "agility", "pos_prob");
    int failed = 0;
    for (const Cell& c : cells) {
        std::printf("%-24s %6g %-9s %11s %10s %10s\n", c.method.c_str(), c.beta,
                    runStatusName(c.summary.status),
                    fmt(c.summary.metric("eval/perplexity", NAN)).c_str(),
                    fmt(c.summary.metric("eval/agility", NAN), "%.5f").c_str(),
                    fmt(c.summary.metric("eval/pos_prob", NAN), "%.5f").c_str());
        if (c.summary.status != RunStatus::Finished)
            ++failed;
    }
    return failed ? 1 : 0;
}

const char* kTrainHelp =
    "usage: rgpb train PRESET.yaml [--set key=value]... [--runs-dir DIR] [--run-dir DIR]\n"
    "                  [--device D] [--threads N] [--stop-after STEP] [--nproc N] [--plain]\n\n"
    "Trains the run the preset describes and writes it to runs/<name>-<time>/ (config.yaml,\n"
    "metrics.jsonl, metrics.csv, train.log, checkpoints/, summary.json). --set overrides a key\n"
    "(optimizer.lr=3e-4, stages.0.beta=0.5). --stop-after ends after that step with a\n"
    "checkpoint (continue with 'rgpb resume'). Ctrl-C, SIGTERM (a scheduler's preemption) or\n"
    "SIGHUP cancel cleanly: a checkpoint, status cancelled, the signal named in the reason.\n"
    "Prints the run folder on stdout; exit 0 when finished (or stopped by --stop-after), 1 when\n"
    "failed, 128 + the signal when one stopped it (130 Ctrl-C, 143 SIGTERM, 129 SIGHUP).\n\n"
    "--nproc N (or distributed.nproc) trains data-parallel in N processes on this machine (c10d,\n"
    "Gloo on the CPU): each takes 1/N of every batch; rank 0 writes the run. Under torchrun (or\n"
    "any launcher that sets RANK, WORLD_SIZE, MASTER_ADDR, MASTER_PORT) this process is one rank.\n";

}  // namespace

Command trainCommand() {
    return {"train", "train a run from a preset (YAML)", kTrainHelp, train};
}

Command resumeCommand() {
    return {"resume", "continue a run from its last checkpoint",
            "usage: rgpb resume RUN_DIR [--nproc N] [--plain]\n\nContinues the run from its newest "
            "checkpoint; metrics after that checkpoint are dropped and recomputed. --nproc N\n"
            "continues it data-parallel in N processes (any N: the data order does not depend on "
            "it).\n",
            resume};
}

Command sweepCommand() {
    return {"sweep", "one run per method x beta, then a table",
            "usage: rgpb sweep PRESET.yaml --beta 0.05,0.1,0.5,1,5 [--methods mle,dpo,ul,exmate]\n"
            "                  [train options]\n\nRuns the preset once per beta (and per method: "
            "single-objective stages take it), then prints final perplexity and agility.\n",
            sweep};
}

}  // namespace rgpb::cli
