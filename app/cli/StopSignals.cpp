#include "app/cli/StopSignals.h"

#include <csignal>

#include "core/train/TrainingObserver.h"

namespace rgpb::cli {
namespace {

constexpr int kSignals[] = {SIGINT, SIGTERM, SIGHUP};

std::atomic<bool> g_stop{false};
std::atomic<int> g_signal{0};
std::atomic<RunControl*> g_control{nullptr};
struct sigaction g_previous[3];

static_assert(std::atomic<bool>::is_always_lock_free && std::atomic<int>::is_always_lock_free,
              "the signal handler only touches lock-free atomics");

extern "C" void onStopSignal(int sig) {
    if (!g_stop.exchange(true)) {
        g_signal.store(sig);
        if (RunControl* control = g_control.load())
            control->requestCancel(sig);
        return;
    }
    std::signal(sig, SIG_DFL);  // the second one: die of it
    std::raise(sig);
}

}  // namespace

StopSignals::StopSignals(RunControl* control) {
    g_stop.store(false);
    g_signal.store(0);
    g_control.store(control);
    struct sigaction action {};
    action.sa_handler = onStopSignal;
    sigemptyset(&action.sa_mask);
    for (int i = 0; i < 3; ++i)
        ::sigaction(kSignals[i], &action, &g_previous[i]);
}

StopSignals::~StopSignals() {
    for (int i = 0; i < 3; ++i)
        ::sigaction(kSignals[i], &g_previous[i], nullptr);
    g_control.store(nullptr);
}

const std::atomic<bool>* StopSignals::flag() const {
    return &g_stop;
}

int StopSignals::signal() const {
    return g_signal.load();
}

int StopSignals::exitCode() const {
    return 128 + g_signal.load();
}

bool stopRequested() {
    return g_stop.load();
}

int stopSignalReceived() {
    return g_signal.load();
}

}  // namespace rgpb::cli
