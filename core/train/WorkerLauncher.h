// `rgpb train --nproc N` on one machine: starts N worker processes (this program again, with
// torchrun's environment: RANK, WORLD_SIZE, LOCAL_RANK, LOCAL_WORLD_SIZE, MASTER_ADDR,
// MASTER_PORT), hosts their c10d TCPStore as torchrun's agent does, forwards a stop signal once,
// and watches them: when one dies (a signal, a failure) the others get distributed.timeout_s to
// stop on their own, then are killed, and the run's summary.json gets one reason: "rank 1 exited
// with signal 9 (SIGKILL) at step 130". Torch-free header (the implementation uses the store).
#pragma once

#include <functional>
#include <string>
#include <vector>

namespace rgpb {

struct LaunchOptions {
    std::string executable;         // the worker program (this one: /proc/self/exe)
    std::vector<std::string> args;  // the worker's arguments, without the program and --nproc
    int nproc = 2;
    double timeout_s = 300;  // distributed.timeout_s: how long the others may take to stop
    // Polled while the workers run: a signal number (forwarded to every worker, once) or 0.
    std::function<int()> stop_signal;
    // Lines for the user ("rank 0 pid 123, ..."); default: standard error.
    std::function<void(const std::string&)> say;
};

struct LaunchResult {
    int exit_code = 0;    // rank 0's when the ranks ended together, 1 when one failed first
    std::string run_dir;  // the run folder rank 0 chose ("" when it never got that far)
    std::string failure;  // the first failure, as written into the summary ("" when none)
};

// Runs the workers to their end. Throws Error when they cannot be started (no free port, fork
// failed); a failing worker is a LaunchResult, never an exception.
LaunchResult launchWorkers(const LaunchOptions& options);

// How rank `rank` ended, as the run's summary says it: "rank 1 exited with signal 9 (SIGKILL)
// at step 130" (`signaled`: `code` is the signal), "rank 1 exited with code 1 at step 130".
// `step` empty: "before its first step".
std::string rankExitReason(int rank, bool signaled, int code, const std::string& step);
// Records `reason` as the failure in run_dir's summary.json (atomically), unless the summary
// already says failed and `keep_failed` is set (rank 0 failed first with its own reason).
void recordRankFailure(const std::string& run_dir, const std::string& reason, bool keep_failed);

// "--nproc N" and "--nproc=N" removed from `args` (the workers' command line).
std::vector<std::string> withoutNproc(const std::vector<std::string>& args);

}  // namespace rgpb
