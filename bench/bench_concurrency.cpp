// Two training runs in one process, as the workbench window runs them: through the real Trainer
// (core/train/Trainer.h), each in its own std::thread, started at once, against the same two runs
// one after the other. Prints the total wall time each way and the threads each run got (the
// "threads:" lines of its train.log, written by the process's ThreadBudget). Without a shared
// budget both runs would ask for every core and spin on each other's; with it, N runs x T
// threads <= cores. Prints numbers; asserts nothing. Run folders live in a temporary directory
// that is deleted at the end.
//
// Usage: bench_concurrency [--steps 60] [--size micro] [--repeats 1] [--threads 0]
//   --threads is the run config's `threads` (0 = the fair share of the cores).
// Prints one machine-readable line per repeat:
//   concurrency <size> steps=<n> sequential=<s> concurrent=<s> ratio=<sequential/concurrent>
#include <stdlib.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "core/config/RunConfig.h"
#include "core/train/Trainer.h"
#include "core/util/Log.h"
#include "core/util/ProcessSetup.h"

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

struct Args {
    int64_t steps = 60, threads = 0;
    int repeats = 1;
    std::string size = "micro";
};

std::string runConfig(const Args& a, const std::string& name) {
    return "name: " + name + "\nseed: 1\nthreads: " + std::to_string(a.threads) +
           "\ndata: {synthetic: {count: 400, regime: response-contrast}, eval_pairs: 16, "
           "max_length: 64, max_prompt_length: 48}\n"
           "model: {size: " +
           a.size +
           "}\n"
           "optimizer: {lr: 3.0e-3, warmup_steps: 2, batch_size: 16}\n"
           "eval: {every: 0, batch_size: 16, samples: 0}\n"
           "stages:\n  - {name: exmate, method: exmate, beta: 0.5, steps: " +
           std::to_string(a.steps) + "}\n";
}

struct RunResult {
    std::string dir;
    rgpb::RunSummary summary;
    double seconds = 0.0;       // wall time of the whole run (data, model, evaluations included)
    double step_seconds = 0.0;  // time in its optimizer steps
    int64_t tokens = 0;         // tokens its steps saw (padding excluded)
};

// Adds up the steps' time and tokens.
struct StepTotals : rgpb::TrainingObserver {
    RunResult* out;
    explicit StepTotals(RunResult* r) : out(r) {}
    void onStep(const rgpb::StepMetrics& m) override {
        out->step_seconds += m.step_time_ms / 1000.0;
        out->tokens = m.tokens;
    }
};

// Trains one run in the calling thread; returns its summary and wall time.
void trainOne(const Args& a, const std::string& name, RunResult& out) {
    rgpb::TrainerOptions o;
    o.run_dir = out.dir;
    const auto start = Clock::now();
    rgpb::Trainer trainer(rgpb::parseRunConfig(runConfig(a, name), name + ".yaml"), o);
    StepTotals totals(&out);
    rgpb::RunControl control;
    out.summary = trainer.run(totals, control);
    out.seconds = std::chrono::duration<double>(Clock::now() - start).count();
}

// The "threads: ..." lines of a run's train.log (one per change of its share).
std::vector<std::string> threadLines(const std::string& dir) {
    std::vector<std::string> lines;
    std::ifstream in(fs::path(dir) / "train.log");
    for (std::string line; std::getline(in, line);) {
        const auto at = line.find("threads: ");
        if (at != std::string::npos)
            lines.push_back(line.substr(at));
    }
    return lines;
}

void report(const char* how, const std::vector<RunResult>& runs, double total) {
    std::printf("  %s: %.2f s in all\n", how, total);
    for (const auto& r : runs) {
        std::printf("    %s: %s, %lld steps in %.2f s\n", fs::path(r.dir).filename().c_str(),
                    rgpb::runStatusName(r.summary.status), static_cast<long long>(r.summary.step),
                    r.seconds);
        if (r.summary.status != rgpb::RunStatus::Finished)
            std::printf("      reason: %s\n", r.summary.reason.c_str());
        if (r.step_seconds > 0)
            std::printf("      %.0f tokens/s in its training steps (%lld tokens)\n",
                        static_cast<double>(r.tokens) / r.step_seconds,
                        static_cast<long long>(r.tokens));
        for (const auto& line : threadLines(r.dir))
            std::printf("      %s\n", line.c_str());
    }
}

}  // namespace

RGPB_PROCESS_SETUP()

int main(int argc, char** argv) {
    Args a;
    for (int i = 1; i < argc; i += 2) {
        const std::string flag = argv[i];
        if (i + 1 >= argc) {
            std::fprintf(stderr, "bench_concurrency: option %s expects a value\n", flag.c_str());
            return 2;
        }
        const std::string value = argv[i + 1];
        if (flag == "--steps")
            a.steps = std::atoll(value.c_str());
        else if (flag == "--threads")
            a.threads = std::atoll(value.c_str());
        else if (flag == "--repeats")
            a.repeats = std::atoi(value.c_str());
        else if (flag == "--size")
            a.size = value;
        else {
            std::fprintf(stderr,
                         "bench_concurrency: unknown option '%s' (--steps, --size, --repeats, "
                         "--threads)\n",
                         flag.c_str());
            return 2;
        }
    }
    if (a.steps < 1 || a.repeats < 1 || a.threads < 0) {
        std::fprintf(stderr,
                     "bench_concurrency: --steps and --repeats expect >= 1, --threads >= 0\n");
        return 2;
    }
    // The runs' info lines go to their train.log; the console shows warnings and errors only.
    rgpb::log::initConsole(rgpb::log::Level::Warn, false);
    std::string pattern = (fs::temp_directory_path() / "rgpb-bench-concurrency-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) {
        std::perror("bench_concurrency: mkdtemp");
        return 1;
    }
    const fs::path tmp = pattern;
    std::printf(
        "bench_concurrency: two %s runs of %lld ExMATE steps (batch 16) through rgpb::Trainer, "
        "%u cores, OpenMP wait policy %s, run config threads: %lld\n",
        a.size.c_str(), static_cast<long long>(a.steps), std::thread::hardware_concurrency(),
        rgpb::openMpWaitPolicy().c_str(), static_cast<long long>(a.threads));

    int failures = 0;
    for (int rep = 0; rep < a.repeats; ++rep) {
        auto fresh = [&](const std::string& how) {
            std::vector<RunResult> runs(2);
            for (int i = 0; i < 2; ++i)
                runs[static_cast<std::size_t>(i)].dir =
                    (tmp / (how + "-" + std::to_string(rep) + "-" + std::to_string(i))).string();
            return runs;
        };
        // One after the other, each in its own thread as the window's worker runs it.
        std::vector<RunResult> sequential = fresh("sequential");
        auto start = Clock::now();
        for (int i = 0; i < 2; ++i) {
            std::thread t(trainOne, std::cref(a), "run" + std::to_string(i),
                          std::ref(sequential[static_cast<std::size_t>(i)]));
            t.join();
        }
        const double seq_s = std::chrono::duration<double>(Clock::now() - start).count();

        // Both at once.
        std::vector<RunResult> concurrent = fresh("concurrent");
        start = Clock::now();
        {
            std::vector<std::thread> threads;
            for (int i = 0; i < 2; ++i)
                threads.emplace_back(trainOne, std::cref(a), "run" + std::to_string(i),
                                     std::ref(concurrent[static_cast<std::size_t>(i)]));
            for (auto& t : threads)
                t.join();
        }
        const double conc_s = std::chrono::duration<double>(Clock::now() - start).count();

        std::printf("\nrepeat %d\n", rep + 1);
        report("one after the other", sequential, seq_s);
        report("at once (two threads)", concurrent, conc_s);
        for (const auto* runs : {&sequential, &concurrent})
            for (const auto& r : *runs)
                failures += r.summary.status != rgpb::RunStatus::Finished;
        std::printf("concurrency %s steps=%lld sequential=%.2f concurrent=%.2f ratio=%.2f\n",
                    a.size.c_str(), static_cast<long long>(a.steps), seq_s, conc_s, seq_s / conc_s);
        std::fflush(stdout);
    }
    std::error_code ec;
    fs::remove_all(tmp, ec);
    return failures == 0 ? 0 : 1;
}
