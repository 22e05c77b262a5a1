#include "core/util/Log.h"

#include <spdlog/sinks/base_sink.h>
#include <spdlog/sinks/dist_sink.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <mutex>

#include "core/util/Error.h"
#include "core/util/SafeFile.h"

namespace rgpb::log {
namespace {

// The run the records of this thread belong to (RunScope); sinks run on the logging thread.
thread_local std::string t_run;

Level fromSpd(spdlog::level::level_enum l) {
    switch (l) {
        case spdlog::level::trace:
            return Level::Trace;
        case spdlog::level::debug:
            return Level::Debug;
        case spdlog::level::info:
            return Level::Info;
        case spdlog::level::warn:
            return Level::Warn;
        case spdlog::level::err:
            return Level::Error;
        case spdlog::level::critical:
            return Level::Critical;
        default:
            return Level::Off;
    }
}

spdlog::level::level_enum toSpd(Level l) {
    switch (l) {
        case Level::Trace:
            return spdlog::level::trace;
        case Level::Debug:
            return spdlog::level::debug;
        case Level::Info:
            return spdlog::level::info;
        case Level::Warn:
            return spdlog::level::warn;
        case Level::Error:
            return spdlog::level::err;
        case Level::Critical:
            return spdlog::level::critical;
        case Level::Off:
            return spdlog::level::off;
    }
    return spdlog::level::info;
}

// Forwards formatted records to the registered listeners.
class ListenerSink : public spdlog::sinks::base_sink<std::mutex> {
public:
    int add(Listener l) {
        std::lock_guard<std::mutex> lock(this->mutex_);
        listeners_[next_] = std::move(l);
        return next_++;
    }
    void remove(int id) {
        std::lock_guard<std::mutex> lock(this->mutex_);
        listeners_.erase(id);
    }

protected:
    void sink_it_(const spdlog::details::log_msg& msg) override {
        if (listeners_.empty()) {
            return;
        }
        Record r;
        r.time_ms =
            std::chrono::duration_cast<std::chrono::milliseconds>(msg.time.time_since_epoch())
                .count();
        r.level = fromSpd(msg.level);
        r.logger.assign(msg.logger_name.data(), msg.logger_name.size());
        r.message.assign(msg.payload.data(), msg.payload.size());
        r.run = t_run;
        for (auto& [id, l] : listeners_) {
            l(r);
        }
    }
    void flush_() override {}

private:
    std::map<int, Listener> listeners_;
    int next_ = 1;
};

// A log file, optionally for one run's records only; flushed at each record of Info and above.
// Written through AppendFile: never through a symbolic link, whole records only.
class FileSink : public spdlog::sinks::base_sink<std::mutex> {
public:
    FileSink(const std::string& path, std::string run)
        : run_(std::move(run)), file_(std::make_unique<AppendFile>(path)) {}
    ~FileSink() override {
        try {
            flush_();
        } catch (const Error&) {
            // the file could not take the last debug records; the run is over
        }
    }

protected:
    void sink_it_(const spdlog::details::log_msg& msg) override {
        if (!run_.empty() && t_run != run_)
            return;
        spdlog::memory_buf_t text;
        this->formatter_->format(msg, text);
        pending_.append(text.data(), text.size());
        if (msg.level >= spdlog::level::info || pending_.size() > (64u << 10))
            flush_();
    }
    void flush_() override {
        std::string text;
        text.swap(pending_);
        file_->write(text);
    }

private:
    std::string run_;
    std::unique_ptr<AppendFile> file_;
    std::string pending_;
};

struct Registry {
    std::mutex mutex;
    std::shared_ptr<spdlog::sinks::dist_sink_mt> root =
        std::make_shared<spdlog::sinks::dist_sink_mt>();
    std::shared_ptr<spdlog::sinks::sink> console;
    std::shared_ptr<ListenerSink> listeners = std::make_shared<ListenerSink>();
    std::map<int, std::shared_ptr<spdlog::sinks::sink>> files;
    int nextFile = 1;

    Registry() {
        console = std::make_shared<spdlog::sinks::stderr_color_sink_mt>();
        console->set_level(spdlog::level::info);
        console->set_pattern("%^[%H:%M:%S %l]%$ %v");
        root->add_sink(console);
        listeners->set_level(spdlog::level::debug);
        root->add_sink(listeners);
        root->set_level(spdlog::level::trace);
    }
};

Registry& registry() {
    static Registry r;
    return r;
}

}  // namespace

void initConsole(Level level, bool color) {
    Registry& r = registry();
    std::lock_guard<std::mutex> lock(r.mutex);
    std::shared_ptr<spdlog::sinks::sink> console;
    if (color) {
        console = std::make_shared<spdlog::sinks::stderr_color_sink_mt>();
    } else {
        console = std::make_shared<spdlog::sinks::stderr_sink_mt>();
    }
    console->set_level(toSpd(level));
    console->set_pattern(color ? "%^[%H:%M:%S %l]%$ %v" : "[%H:%M:%S %l] %v");
    r.root->remove_sink(r.console);
    r.console = console;
    r.root->add_sink(console);
}

std::shared_ptr<spdlog::logger> get(const std::string& name) {
    Registry& r = registry();
    std::lock_guard<std::mutex> lock(r.mutex);
    if (auto existing = spdlog::get(name)) {
        return existing;
    }
    auto logger = std::make_shared<spdlog::logger>(name, r.root);
    logger->set_level(spdlog::level::debug);
    logger->flush_on(spdlog::level::warn);
    spdlog::register_logger(logger);
    return logger;
}

int addListener(Listener listener) {
    return registry().listeners->add(std::move(listener));
}

void removeListener(int id) {
    registry().listeners->remove(id);
}

RunScope::RunScope(std::string run) : outer_(std::move(t_run)) {
    t_run = std::move(run);
}

RunScope::~RunScope() {
    t_run = std::move(outer_);
}

const std::string& currentRun() {
    return t_run;
}

int addFile(const std::string& path, const std::string& run) {
    Registry& r = registry();
    std::filesystem::path p(path);
    if (p.has_parent_path()) {
        std::filesystem::create_directories(p.parent_path());
    }
    auto sink = std::make_shared<FileSink>(path, run);
    sink->set_level(spdlog::level::debug);
    sink->set_pattern("%Y-%m-%d %H:%M:%S.%e [%n] [%l] %v");
    std::lock_guard<std::mutex> lock(r.mutex);
    int id = r.nextFile++;
    r.files[id] = sink;
    r.root->add_sink(sink);
    return id;
}

void removeFile(int id) {
    Registry& r = registry();
    std::lock_guard<std::mutex> lock(r.mutex);
    auto it = r.files.find(id);
    if (it != r.files.end()) {
        it->second->flush();
        r.root->remove_sink(it->second);
        r.files.erase(it);
    }
}

Level parseLevel(const std::string& name) {
    static const std::map<std::string, Level> names = {
        {"trace", Level::Trace},       {"debug", Level::Debug},  {"info", Level::Info},
        {"warn", Level::Warn},         {"warning", Level::Warn}, {"error", Level::Error},
        {"critical", Level::Critical}, {"off", Level::Off}};
    auto it = names.find(name);
    if (it == names.end()) {
        throw Error("unknown log level '" + name +
                    "': expected one of trace, debug, info, warn, error, critical, off");
    }
    return it->second;
}

const char* levelName(Level level) {
    switch (level) {
        case Level::Trace:
            return "trace";
        case Level::Debug:
            return "debug";
        case Level::Info:
            return "info";
        case Level::Warn:
            return "warn";
        case Level::Error:
            return "error";
        case Level::Critical:
            return "critical";
        case Level::Off:
            return "off";
    }
    return "info";
}

}  // namespace rgpb::log
