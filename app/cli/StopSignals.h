// How a long command stops: Ctrl-C (SIGINT), SIGTERM (a cluster scheduler's preemption, `kill`)
// and SIGHUP (the terminal closed) all ask the work to stop cleanly at its next step: a training
// run saves a checkpoint, ends "cancelled" with the signal named in its reason and releases its
// lock; generation and measurements stop. A second signal kills the process at once. The
// handlers are installed while a StopSignals object lives (one at a time).
#pragma once

#include <atomic>

namespace rgpb {
class RunControl;
}

namespace rgpb::cli {

class StopSignals {
public:
    // `control`, when given, is asked to cancel (with the signal) on the first signal.
    explicit StopSignals(RunControl* control = nullptr);
    ~StopSignals();
    StopSignals(const StopSignals&) = delete;
    StopSignals& operator=(const StopSignals&) = delete;

    const std::atomic<bool>* flag() const;  // set by the first signal
    int signal() const;                     // that signal, 0 while none arrived
    int exitCode() const;                   // 128 + the signal (130 for Ctrl-C)
};

// Whether a stop signal arrived since the last StopSignals was installed (ends a sweep).
bool stopRequested();
// The first stop signal received (SIGINT, SIGTERM, SIGHUP), 0 before any.
int stopSignalReceived();

}  // namespace rgpb::cli
