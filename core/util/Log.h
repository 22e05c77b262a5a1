// The core's logger: spdlog with a console sink, an optional file sink per run, and listener
// sinks through which the GUI (or a test) receives every record as plain values. Loggers are
// named ("core", "trainer", "data", ...); all share the same sinks.
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

// Appends every record to `path` (created with its folders). Returns an id for removal.
int addFile(const std::string& path);
void removeFile(int id);

Level parseLevel(const std::string& name);  // "trace".."off"; throws rgpb::Error otherwise
const char* levelName(Level level);

}  // namespace rgpb::log
