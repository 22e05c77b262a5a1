// `rgpb study run|status|resume|report`: a study (core/study) from the command line. Every planned
// run is a child process of this binary (`rgpb train`, `rgpb resume`, `rgpb gradlab measure`), at
// most --jobs at once, each with its share of the cores; the scheduling itself is runStudy()'s
// (core/study/StudyRunner.h). Ctrl-C / SIGTERM / SIGHUP are passed on to the children once, which
// end cancelled with a checkpoint; the study then says how to resume it.
#include <signal.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <torch/version.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <thread>

#include "app/cli/CliArgs.h"
#include "app/cli/Commands.h"
#include "app/cli/StopSignals.h"
#include "core/config/SweepGrid.h"
#include "core/run/RunStore.h"
#include "core/study/StudyReport.h"
#include "core/study/StudyResults.h"
#include "core/study/StudyRunner.h"
#include "core/train/ConsoleObserver.h"
#include "core/train/Trainer.h"
#include "core/util/Error.h"
#include "core/util/SafeFile.h"

namespace fs = std::filesystem;

namespace rgpb::cli {

const char* buildCommit();  // BuildInfo.cpp

namespace {

// The last non-empty line of a log, for a failure reason.
std::string lastLine(const fs::path& path) {
    std::ifstream in(path);
    std::string line, last;
    while (std::getline(in, line))
        if (line.find_first_not_of(" \t\r") != std::string::npos)
            last = line;
    return excerpt(last, 300);
}

// Runs each planned run as a child process of this binary, its output in a log in its folder.
class ChildExecutor : public StudyExecutor {
public:
    explicit ChildExecutor(int threads) : threads_(threads) {}

    void start(const PlannedRun& run) override {
        const fs::path dir(run.run_dir);
        std::vector<std::string> args{"/proc/self/exe"};
        fs::path log = dir / "console.log";
        if (run.kind == PlannedRunKind::Measure) {
            fs::remove_all(dir);
            fs::create_directories(dir);
            RunConfig data = run.config;  // only its data section and data seed are read
            data.model.from.clear();
            data.tokenizer.kind = "byte";
            writeFileAtomic((dir / "data.yaml").string(), toYaml(data));
            args = {args[0],         "gradlab",
                    "measure",       run.config.model.from,
                    "--data-config", (dir / "data.yaml").string(),
                    "--method",      "dpo",
                    "--beta",        betaText(*run.config.stages.at(0).beta()),
                    "--out",         dir.string(),
                    "--device",      run.config.device,
                    "--threads",     std::to_string(threads_)};
            log = dir / "measure.log";
        } else if (fs::exists(dir / "summary.json") && Trainer::canResume(run.run_dir)) {
            args.insert(args.end(), {"resume", run.run_dir, "--plain"});
        } else {
            fs::remove_all(dir);  // failed before its first checkpoint: start afresh
            fs::create_directories(dir);
            RunConfig c = run.config;
            c.threads = threads_;
            writeFileAtomic((dir / "config.yaml").string(), toYaml(c));
            args.insert(args.end(), {"train", (dir / "config.yaml").string(), "--run-dir",
                                     run.run_dir, "--plain"});
        }
        const pid_t pid = spawn(args, log.string());
        children_[pid] = {run, log.string()};
    }

    std::string waitAny() override {
        while (true) {
            forwardStop();
            int status = 0;
            const pid_t pid = ::waitpid(-1, &status, WNOHANG);
            if (pid == 0 || (pid < 0 && errno == EINTR)) {
                // Polled, so that a stop signal is passed on within a moment.
                std::this_thread::sleep_for(std::chrono::milliseconds(100));
                continue;
            }
            if (pid < 0)
                throw Error(std::string("study: waiting for a run failed: ") +
                            std::strerror(errno));
            auto it = children_.find(pid);
            if (it == children_.end())
                continue;
            const Child child = it->second;
            children_.erase(it);
            recordFailure(child.run, child.log, status);
            return child.run.run_dir;
        }
    }

    bool stopRequested() const override { return stopRequested_(); }

private:
    static bool stopRequested_() { return ::rgpb::cli::stopRequested(); }

    static pid_t spawn(const std::vector<std::string>& args, const std::string& log) {
        std::vector<char*> argv;
        for (const std::string& a : args)
            argv.push_back(const_cast<char*>(a.c_str()));
        argv.push_back(nullptr);
        std::fflush(nullptr);
        const pid_t pid = ::fork();
        if (pid < 0)
            throw Error(std::string("study: cannot start a run: ") + std::strerror(errno));
        if (pid == 0) {
            // Its own process group: a Ctrl-C at the terminal reaches the study only, which
            // passes it on once (a second signal would kill the child without a checkpoint).
            ::setpgid(0, 0);
            ::signal(SIGINT, SIG_DFL);
            ::signal(SIGTERM, SIG_DFL);
            ::signal(SIGHUP, SIG_DFL);
            FILE* out = std::fopen(log.c_str(), "a");
            if (out) {
                ::dup2(fileno(out), STDOUT_FILENO);
                ::dup2(fileno(out), STDERR_FILENO);
            }
            ::execv("/proc/self/exe", argv.data());
            std::perror("exec");
            ::_exit(127);
        }
        return pid;
    }

    void forwardStop() {
        if (forwarded_ || !stopRequested_())
            return;
        forwarded_ = true;
        for (const auto& [pid, child] : children_)
            ::kill(pid, SIGTERM);
    }

    // A child that ended without leaving its result says so in the run folder, so the study
    // reports the cell failed with the reason instead of waiting for it.
    static void recordFailure(const PlannedRun& run, const std::string& log, int status) {
        const bool ok = WIFEXITED(status) && WEXITSTATUS(status) == 0;
        const fs::path dir(run.run_dir);
        std::string how = WIFEXITED(status)
                              ? "exited with code " + std::to_string(WEXITSTATUS(status))
                              : "killed by signal " + std::to_string(WTERMSIG(status));
        if (run.kind == PlannedRunKind::Measure) {
            if (!ok || !fs::exists(dir / "summary.json"))
                writeFileAtomic((dir / kMeasureFailedFile).string(),
                                "gradlab measure " + how + ": " + lastLine(log));
            return;
        }
        if (fs::exists(dir / "summary.json"))
            return;  // the trainer wrote its own status and reason
        RunSummary s;
        s.dir = run.run_dir;
        s.id = dir.filename().string();
        s.name = run.config.name;
        s.recipe = run.config.recipe();
        s.status = RunStatus::Failed;
        s.reason = "rgpb train " + how + " before starting: " + lastLine(log);
        s.started_at = s.finished_at = isoTimeNow();
        writeSummary(run.run_dir, s);
    }

    struct Child {
        PlannedRun run;
        std::string log;
    };
    int threads_;
    std::map<pid_t, Child> children_;
    bool forwarded_ = false;
};

// "[#######.......] 12/40 runs  2 failed  elapsed 3m10s  ETA 7m  running: ..."
class ProgressPrinter {
public:
    explicit ProgressPrinter(std::size_t finished_before)
        : t0_(std::chrono::steady_clock::now()), before_(finished_before) {}

    void operator()(const StudyProgress& p) {
        const double elapsed =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - t0_).count();
        const int width = 24;
        const int fill = p.total ? static_cast<int>(width * p.finished / p.total) : width;
        std::string bar = "[" + std::string(fill, '#') + std::string(width - fill, '.') + "]";
        std::string eta = "?";
        const std::size_t done_now = p.finished > before_ ? p.finished - before_ : 0;
        if (done_now > 0) {
            const double per_run = elapsed / static_cast<double>(done_now);
            eta = ConsoleObserver::formatDuration(per_run *
                                                  static_cast<double>(p.total - p.finished));
        }
        std::fprintf(stderr, "study %s %zu/%zu runs%s  elapsed %s  ETA %s\n", bar.c_str(),
                     p.finished, p.total,
                     p.failed ? ("  " + std::to_string(p.failed) + " failed").c_str() : "",
                     ConsoleObserver::formatDuration(elapsed).c_str(), eta.c_str());
        for (const std::string& label : p.running)
            std::fprintf(stderr, "  running: %s\n", label.c_str());
    }

private:
    std::chrono::steady_clock::time_point t0_;
    std::size_t before_;
};

StudyProvenance provenanceOf(const StudySpec& spec, int threads) {
    StudyProvenance p;
    p.commit = buildCommit();
    p.torch_version = TORCH_VERSION;
    p.device = spec.run.device;
    p.threads = threads;
    return p;
}

int execute(const StudySpec& spec, const std::string& studies_dir, const CliArgs& args,
            bool resume) {
    const long long jobs = args.integer("jobs", 1);
    if (jobs < 1)
        throw UsageError("option --jobs expects a number >= 1, got " + std::to_string(jobs));
    const int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    const int threads = spec.run.threads > 0 ? static_cast<int>(spec.run.threads)
                                             : std::max(1, cores / static_cast<int>(jobs));
    StopSignals stop;
    ChildExecutor executor(threads);
    StudyRunOptions options;
    options.jobs = static_cast<int>(jobs);
    options.retry_failed = resume;
    const StudyPlan before = planStudy(spec, studies_dir);
    std::size_t finished_before = 0;
    for (std::size_t i = 0; i < before.runs.size(); ++i)
        finished_before += plannedRunState(before, i) == PlannedRunState::Finished;
    ProgressPrinter printer(finished_before);
    options.progress = [&](const StudyProgress& p) { printer(p); };
    const StudyRunOutcome out =
        runStudy(spec, studies_dir, executor, options, provenanceOf(spec, threads));
    const std::string dir = before.study_dir;
    std::printf("study %s: %zu/%zu cells finished, %zu failed (%zu/%zu runs)\n", dir.c_str(),
                out.cells_finished, out.cells_total, out.failed_cells.size(), out.runs_finished,
                out.runs_total);
    for (const std::string& f : out.failed_cells)
        std::printf("  failed: %s\n", f.c_str());
    if (out.stopped) {
        std::fprintf(stderr, "study stopped; continue it with: rgpb study resume %s\n",
                     dir.c_str());
        return stop.exitCode();
    }
    if (!out.failed_cells.empty()) {
        std::fprintf(stderr, "rerun the failed runs with: rgpb study resume %s\n", dir.c_str());
        return 1;
    }
    if (out.cells_finished < out.cells_total)
        return 1;
    std::fprintf(stderr, "write its report with: rgpb study report %s --out %s/report\n",
                 dir.c_str(), dir.c_str());
    return 0;
}

int studyRun(const std::vector<std::string>& argv) {
    CliArgs args(argv, {"dir", "jobs"});
    if (args.positional().size() != 1)
        throw UsageError("study run: expected one STUDY.yaml");
    const StudySpec spec = loadStudySpec(args.positional()[0]);
    return execute(spec, args.value("dir").value_or("studies"), args, false);
}

std::string studiesDirOf(const std::string& study_dir) {
    return fs::absolute(fs::path(study_dir)).lexically_normal().parent_path().string();
}

std::string folderArg(const CliArgs& args, const char* what) {
    if (args.positional().size() != 1)
        throw UsageError(std::string("study ") + what + ": expected one study folder");
    std::string dir = args.positional()[0];
    while (dir.size() > 1 && dir.back() == '/')
        dir.pop_back();
    return dir;
}

int studyResume(const std::vector<std::string>& argv) {
    CliArgs args(argv, {"jobs"});
    const std::string dir = folderArg(args, "resume");
    return execute(loadStudyOfFolder(dir), studiesDirOf(dir), args, true);
}

int studyStatus(const std::vector<std::string>& argv) {
    CliArgs args(argv, {});
    const std::string dir = folderArg(args, "status");
    const StudyPlan plan = planStudy(loadStudyOfFolder(dir), studiesDirOf(dir));
    std::map<PlannedRunState, std::size_t> runs;
    for (std::size_t i = 0; i < plan.runs.size(); ++i)
        ++runs[plannedRunState(plan, i)];
    std::printf("study %s: %zu runs:", plan.study_dir.c_str(), plan.runs.size());
    for (const auto& [state, n] : runs)
        std::printf(" %zu %s", n, plannedRunStateName(state));
    std::printf("\n%-16s %-18s %6s %5s  %-9s %s\n", "task", "recipe", "beta", "seed", "state",
                "runs / reason");
    for (const StudyCellState& c : studyCellStates(plan)) {
        std::string beta = c.cell->beta > 0 ? betaText(c.cell->beta) : "-";
        std::string detail = c.reason;
        if (detail.empty())
            detail = fs::path(plan.runs[c.cell->runs.back()].run_dir).filename().string();
        std::printf("%-16s %-18s %6s %5llu  %-9s %s\n", c.cell->task.c_str(),
                    c.cell->recipe.c_str(), beta.c_str(),
                    static_cast<unsigned long long>(c.cell->seed), plannedRunStateName(c.state),
                    detail.c_str());
    }
    for (const StudySelection& s : plan.selections)
        std::printf("lr %s/%s: %s\n", s.task.c_str(), s.method.c_str(),
                    s.lr > 0 ? betaText(s.lr).c_str() : "selection runs pending");
    for (const std::string& n : plan.notes)
        std::printf("note: %s\n", n.c_str());
    return 0;
}

int studyReport(const std::vector<std::string>& argv) {
    CliArgs args(argv, {"out"});
    const std::string dir = folderArg(args, "report");
    const std::string out = args.value("out").value_or(dir + "/report");
    const StudyResults results = loadStudyResults(dir);
    const std::vector<std::string> written = writeStudyReport(results, out);
    std::printf("%s/report.html (%zu files)\n", out.c_str(), written.size());
    return 0;
}

}  // namespace

Command studyCommand() {
    Command c{
        "study", "run a study: recipes x betas x seeds from one base, with a report",
        "usage: rgpb study <command> ...\n\n"
        "A study file (presets/studies/*.yaml) names tasks, recipes, betas and seeds; every\n"
        "cell starts from one pretrained base and each method's learning rate is chosen on a\n"
        "validation split. Runs live under <dir>/.runs/ (shared by studies), the study's\n"
        "plan and results under <dir>/<name>/.\n"};
    c.subcommands = {
        {"run", "plan and run a study file",
         "usage: rgpb study run STUDY.yaml [--dir studies] [--jobs N]\n\n"
         "Runs every planned run not finished yet, at most N at once (default 1), each with\n"
         "cores / N threads. Ctrl-C stops cleanly (resume later). Exit 0 when every cell\n"
         "finished, 1 when a cell failed, 128 + the signal when stopped.\n",
         studyRun},
        {"status", "the cells of a study and their state",
         "usage: rgpb study status DIR\n\nDIR is the study's folder (<dir>/<name>).\n",
         studyStatus},
        {"resume", "rerun failed and interrupted runs, run the rest",
         "usage: rgpb study resume DIR [--jobs N]\n\nFinished runs are kept; interrupted runs "
         "continue from their checkpoint (rgpb resume) or start again.\n",
         studyResume},
        {"report", "write the study's report (HTML, SVG/PDF figures, CSV/LaTeX tables)",
         "usage: rgpb study report DIR [--out OUT]\n\nWrites OUT/report.html (default "
         "DIR/report) with its figures and tables.\n",
         studyReport},
    };
    return c;
}

}  // namespace rgpb::cli
