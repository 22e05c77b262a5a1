// The core's logger: spdlog with a console sink, an optional file sink per run, and listener
// sinks through which the GUI (or a test) receives every record as plain values. Loggers are
// named ("core", "trainer", "data", ...); all share the same sinks. Several runs may train at
// once in one process, each on its own thread: a RunScope tags what its thread logs with the
// run's folder, so a run's file (addFile with that run) gets that run's records only and
// listeners can tell the runs apart.
#pragma once

#include <functional>
#include <memory>
#include <string>

namespace spdlog {
class logger;
}

namespace rgpb::log {

enum class Level { Trace, Debug, Info, Warn, Error, Critical, Off };

// One log record, as delivered to listeners. `time_ms` is milliseconds since the Unix epoch.
struct Record {
    long long time_ms = 0;
    Level level = Level::Info;
    std::string logger;   // logger name, e.g. "trainer"
    std::string message;  // formatted text, no trailing newline
    std::string run;      // run folder of the RunScope it was logged in; "" outside any run
};

using Listener = std::function<void(const Record&)>;

// Configures the console sink. `level` filters console output only; listeners and files get
// everything at Debug and above. Safe to call more than once.
void initConsole(Level level = Level::Info, bool color = true);

// Returns the named logger, creating it with the shared sinks on first use. Thread-safe.
std::shared_ptr<spdlog::logger> get(const std::string& name);

// Adds a listener; it is called from whichever thread logs, so it must be thread-safe and
// quick (the GUI adapter queues the record to the GUI thread). Returns an id for removal.
int addListener(Listener listener);
void removeListener(int id);

// Tags every record logged on the constructing thread with `run` (a run folder) until it is
// destroyed; scopes nest (the outer one is restored). Construct and destroy it on one thread.
class RunScope {
public:
    explicit RunScope(std::string run);
    ~RunScope();
    RunScope(const RunScope&) = delete;
    RunScope& operator=(const RunScope&) = delete;

private:
    std::string outer_;
};

// The run folder of the innermost RunScope on this thread, "" when none.
const std::string& currentRun();

// Appends records at Debug and above to `path` (created with its folders): every record when
// `run` is empty, else only those logged inside a RunScope of `run`. Records at Info and above
// reach the disk at once (a run's log can be followed while it trains). Returns an id for
// removal.
int addFile(const std::string& path, const std::string& run = "");
void removeFile(int id);

Level parseLevel(const std::string& name);  // "trace".."off"; throws rgpb::Error otherwise
const char* levelName(Level level);

}  // namespace rgpb::log
