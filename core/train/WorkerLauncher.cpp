#include "core/train/WorkerLauncher.h"

#include <fmt/format.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <optional>
#include <thread>

#include "core/run/RunStore.h"
#include "core/train/DistributedEnv.h"
#include "core/util/Error.h"

extern char** environ;

namespace rgpb {
namespace {

using Clock = std::chrono::steady_clock;

const char* signalAbbreviation(int sig) {
    switch (sig) {
        case SIGKILL:
            return "SIGKILL";
        case SIGTERM:
            return "SIGTERM";
        case SIGINT:
            return "SIGINT";
        case SIGHUP:
            return "SIGHUP";
        case SIGSEGV:
            return "SIGSEGV";
        case SIGABRT:
            return "SIGABRT";
        case SIGBUS:
            return "SIGBUS";
        case SIGFPE:
            return "SIGFPE";
        case SIGILL:
            return "SIGILL";
        case SIGPIPE:
            return "SIGPIPE";
        default:
            return "a signal";
    }
}

struct Worker {
    int rank = 0;
    pid_t pid = -1;
    bool running = true;
    int status = 0;  // waitpid's
    Clock::time_point ended;
    bool killed_by_us = false;  // the launcher's SIGKILL after the others' timeout
};

bool abnormal(const Worker& w, int forwarded) {
    if (WIFSIGNALED(w.status))
        return WTERMSIG(w.status) != forwarded;
    // 128 + the forwarded signal is a clean stop (a checkpoint, status cancelled).
    const int code = WEXITSTATUS(w.status);
    return code != 0 && !(forwarded != 0 && code == 128 + forwarded);
}

// The environment of worker `rank`: ours without the variables the launcher sets, then those.
std::vector<std::string> workerEnvironment(int rank, int nproc, int port) {
    static const char* kOwn[] = {"RANK=",
                                 "WORLD_SIZE=",
                                 "LOCAL_RANK=",
                                 "LOCAL_WORLD_SIZE=",
                                 "MASTER_ADDR=",
                                 "MASTER_PORT=",
                                 "TORCHELASTIC_USE_AGENT_STORE="};
    std::vector<std::string> env;
    for (char** e = environ; *e != nullptr; ++e) {
        bool own = false;
        for (const char* k : kOwn)
            own = own || std::strncmp(*e, k, std::strlen(k)) == 0;
        if (!own)
            env.emplace_back(*e);
    }
    env.push_back("RANK=" + std::to_string(rank));
    env.push_back("LOCAL_RANK=" + std::to_string(rank));
    env.push_back("WORLD_SIZE=" + std::to_string(nproc));
    env.push_back("LOCAL_WORLD_SIZE=" + std::to_string(nproc));
    env.push_back("MASTER_ADDR=127.0.0.1");
    env.push_back("MASTER_PORT=" + std::to_string(port));
    env.push_back("TORCHELASTIC_USE_AGENT_STORE=True");
    return env;
}

pid_t spawn(const std::string& exe, const std::vector<std::string>& args,
            const std::vector<std::string>& env) {
    // Everything execve needs is built before fork: the child only makes system calls.
    std::vector<char*> argv, envp;
    argv.push_back(const_cast<char*>(exe.c_str()));
    for (const std::string& a : args)
        argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    for (const std::string& e : env)
        envp.push_back(const_cast<char*>(e.c_str()));
    envp.push_back(nullptr);
    const pid_t parent = ::getpid();
    const pid_t pid = ::fork();
    if (pid < 0)
        throw Error(std::string("cannot start a worker process: ") + std::strerror(errno));
    if (pid == 0) {
        // Its own process group: a terminal's Ctrl-C reaches the launcher, which forwards it
        // once (twice would make the workers die of it instead of stopping cleanly). When the
        // launcher dies the workers get SIGTERM: they stop with a checkpoint.
        ::setpgid(0, 0);
        ::prctl(PR_SET_PDEATHSIG, SIGTERM);
        if (::getppid() != parent)
            ::_exit(127);
        ::execve(exe.c_str(), argv.data(), envp.data());
        ::_exit(127);
    }
    return pid;
}

std::optional<std::string> storeValue(c10d::TCPStore& store, const std::string& key) {
    try {
        if (!store.check({key}))
            return std::nullopt;
        const std::vector<uint8_t> v = store.get(key);
        return std::string(v.begin(), v.end());
    } catch (const std::exception&) {
        return std::nullopt;
    }
}

// Why worker `w` ended, with its step and (when it failed by itself) its reason from the store.
std::string describeFailure(const Worker& w, c10d::TCPStore& store, double timeout_s) {
    const std::string step = storeValue(store, store_key::step(w.rank)).value_or("");
    if (w.killed_by_us)
        return "rank " + std::to_string(w.rank) +
               " did not stop within distributed.timeout_s = " + fmt::format("{:g}", timeout_s) +
               " s after another rank ended" +
               (step.empty() ? std::string() : " (at step " + step + ")") +
               "; the launcher killed it";
    const bool signaled = WIFSIGNALED(w.status);
    std::string s = rankExitReason(w.rank, signaled,
                                   signaled ? WTERMSIG(w.status) : WEXITSTATUS(w.status), step);
    if (!signaled)
        if (const std::optional<std::string> e = storeValue(store, store_key::error(w.rank)))
            s += ": " + *e;
    return s;
}

// The first failure: a worker that died of a signal nobody sent it comes first (it is the cause
// the others' connection errors follow from), then the earliest abnormal exit.
const Worker* rootCause(const std::vector<Worker>& workers, int forwarded) {
    const Worker* best = nullptr;
    for (const Worker& w : workers) {
        if (!abnormal(w, forwarded))
            continue;
        const auto rank = [&](const Worker& x) {
            return WIFSIGNALED(x.status) && !x.killed_by_us ? 0 : x.killed_by_us ? 2 : 1;
        };
        if (best == nullptr || rank(w) < rank(*best) ||
            (rank(w) == rank(*best) && w.ended < best->ended))
            best = &w;
    }
    return best;
}

}  // namespace

std::string rankExitReason(int rank, bool signaled, int code, const std::string& step) {
    const std::string at = step.empty() ? " before its first step" : " at step " + step;
    if (signaled)
        return "rank " + std::to_string(rank) + " exited with signal " + std::to_string(code) +
               " (" + signalAbbreviation(code) + ")" + at;
    return "rank " + std::to_string(rank) + " exited with code " + std::to_string(code) + at;
}

void recordRankFailure(const std::string& run_dir, const std::string& reason, bool keep_failed) {
    if (run_dir.empty() ||
        !std::filesystem::exists(std::filesystem::path(run_dir) / "summary.json"))
        return;
    RunSummary s = readSummary(run_dir);
    if (s.status == RunStatus::Failed && keep_failed)
        return;
    s.status = RunStatus::Failed;
    s.reason = reason;
    if (s.finished_at.empty())
        s.finished_at = isoTimeNow();
    writeSummary(run_dir, s);
}

std::vector<std::string> withoutNproc(const std::vector<std::string>& args) {
    std::vector<std::string> out;
    for (std::size_t i = 0; i < args.size(); ++i) {
        if (args[i] == "--nproc") {
            ++i;
            continue;
        }
        if (args[i].rfind("--nproc=", 0) == 0)
            continue;
        out.push_back(args[i]);
    }
    return out;
}

LaunchResult launchWorkers(const LaunchOptions& o) {
    const auto say =
        o.say ? o.say : [](const std::string& s) { std::fprintf(stderr, "%s\n", s.c_str()); };
    c10d::TCPStoreOptions so;
    so.port = 0;  // a free port
    so.isServer = true;
    so.waitWorkers = false;
    so.timeout = std::chrono::milliseconds(static_cast<int64_t>(o.timeout_s * 1000));
    std::unique_ptr<c10d::TCPStore> store;
    try {
        store = std::make_unique<c10d::TCPStore>("127.0.0.1", so);
    } catch (const std::exception& e) {
        throw Error(std::string("cannot host the workers' rendezvous store on 127.0.0.1: ") +
                    e.what());
    }
    const int port = store->getPort();
    std::vector<Worker> workers(static_cast<std::size_t>(o.nproc));
    std::string pids;
    for (int r = 0; r < o.nproc; ++r) {
        Worker& w = workers[static_cast<std::size_t>(r)];
        w.rank = r;
        w.pid = spawn(o.executable, o.args, workerEnvironment(r, o.nproc, port));
        pids += (r ? ", " : "") + fmt::format("rank {} pid {}", r, w.pid);
    }
    say(fmt::format("data-parallel: {} processes, rendezvous 127.0.0.1:{}; {}", o.nproc, port,
                    pids));

    int forwarded = 0;
    std::optional<Clock::time_point> kill_at;
    std::size_t running = workers.size();
    while (running > 0) {
        for (Worker& w : workers) {
            if (!w.running)
                continue;
            int status = 0;
            const pid_t got = ::waitpid(w.pid, &status, WNOHANG);
            if (got == w.pid) {
                w.running = false;
                w.status = status;
                w.ended = Clock::now();
                --running;
                // A failure, or rank 0's end (the others end with it): what is still running
                // after the timeout is killed.
                if (!kill_at && (abnormal(w, forwarded) || w.rank == 0))
                    kill_at = Clock::now() + std::chrono::milliseconds(
                                                 static_cast<int64_t>((o.timeout_s + 5.0) * 1000));
            }
        }
        if (forwarded == 0 && o.stop_signal) {
            if (const int sig = o.stop_signal(); sig != 0) {
                forwarded = sig;
                for (const Worker& w : workers)
                    if (w.running)
                        ::kill(w.pid, sig);
            }
        }
        if (kill_at && Clock::now() >= *kill_at) {
            for (Worker& w : workers) {
                if (w.running && !w.killed_by_us) {
                    w.killed_by_us = true;
                    ::kill(w.pid, SIGKILL);
                }
            }
        }
        if (running > 0)
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }

    LaunchResult r;
    r.run_dir = storeValue(*store, store_key::runDir()).value_or("");
    const Worker& rank0 = workers.front();
    if (const Worker* cause = rootCause(workers, forwarded)) {
        r.exit_code = 1;
        r.failure = describeFailure(*cause, *store, o.timeout_s);
        const bool rank0_first = cause->rank == 0 && WIFEXITED(cause->status);
        recordRankFailure(r.run_dir, r.failure, rank0_first);
        say("data-parallel run failed: " + r.failure);
        return r;
    }
    r.exit_code =
        WIFEXITED(rank0.status) ? WEXITSTATUS(rank0.status) : 128 + WTERMSIG(rank0.status);
    return r;
}

}  // namespace rgpb
