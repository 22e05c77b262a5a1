#include "core/run/RunStore.h"

#include <spdlog/spdlog.h>
#include <nlohmann/json.hpp>

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <sstream>

#include "core/util/Error.h"
#include "core/util/JsonFile.h"
#include "core/util/Log.h"
#include "core/util/SafeFile.h"

namespace fs = std::filesystem;

namespace rgpb {

double RunSummary::metric(const std::string& name, double fallback) const {
    for (const auto& [k, v] : final_metrics) {
        if (k == name)
            return v;
    }
    return fallback;
}

std::string readFile(const std::string& path) {
    std::error_code ec;
    if (fs::is_directory(path, ec))
        throw InputError(path, "is a folder; a file was expected");
    std::ifstream in(path, std::ios::binary);
    if (!in)
        throw InputError(path, std::string("cannot open (") + std::strerror(errno) + ")");
    std::stringstream buf;
    buf << in.rdbuf();
    return buf.str();
}

std::string isoTimeNow() {
    std::time_t t = std::time(nullptr);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

std::string createRunDir(const std::string& runs_dir, const std::string& name) {
    std::string safe;
    for (char c : name)
        safe += (std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.')
                    ? c
                    : '_';
    if (safe.empty())
        safe = "run";
    std::time_t t = std::time(nullptr);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char stamp[32];
    std::strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", &tm);
    std::error_code ec;
    fs::create_directories(runs_dir, ec);
    if (ec)
        throw Error("cannot create the runs folder " + runs_dir + ": " + ec.message());
    for (int n = 0; n < 10000; ++n) {
        fs::path dir =
            fs::path(runs_dir) / (safe + "-" + stamp + (n ? "-" + std::to_string(n) : ""));
        if (fs::create_directory(dir, ec)) {
            assignRunColor(dir.string());
            return dir.string();
        }
        if (ec)  // not "it exists": permissions, a full disk, a read-only filesystem
            throw Error("cannot create a run folder " + dir.string() + ": " + ec.message());
    }
    throw Error("cannot create a run folder under " + runs_dir + ": 10000 folders named " + safe +
                "-" + stamp + " exist");
}

const std::vector<std::string>& runColorPalette() {
    // Tableau 10, then ten darker/lighter companions: distinct on white, in a fixed order.
    static const std::vector<std::string> palette = {
        "#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2",
        "#7f7f7f", "#bcbd22", "#17becf", "#393b79", "#ad494a", "#637939", "#8c6d31",
        "#7b4173", "#3182bd", "#e6550d", "#31a354", "#756bb1", "#636363"};
    return palette;
}

std::string nextRunColor(const std::vector<std::string>& used) {
    const auto& palette = runColorPalette();
    std::string best = palette.front();
    long best_count = -1;
    for (const std::string& c : palette) {
        const long n = static_cast<long>(std::count(used.begin(), used.end(), c));
        if (best_count < 0 || n < best_count) {
            best = c;
            best_count = n;
        }
        if (n == 0)
            break;
    }
    return best;
}

namespace {
bool isHexColor(const std::string& c) {
    return c.size() == 7 && c[0] == '#' && std::all_of(c.begin() + 1, c.end(), [](char ch) {
               return std::isxdigit(static_cast<unsigned char>(ch));
           });
}
}  // namespace

std::string readRunColor(const std::string& run_dir) {
    const fs::path path = fs::path(run_dir) / "run.json";
    std::error_code ec;
    if (!fs::exists(path, ec))
        return "";
    std::string color;
    try {
        auto j = parseJson(readFile(path.string()), path.string());
        color = j.value("color", "");
    } catch (const nlohmann::json::exception& e) {
        throw InputError(path.string(), std::string("malformed run file: ") + e.what());
    }
    if (!color.empty() && !isHexColor(color))
        throw InputError(path.string(), "color: expected \"#rrggbb\", found \"" + color + "\"");
    return color;
}

void writeRunColor(const std::string& run_dir, const std::string& color) {
    if (!isHexColor(color))
        throw Error("run colour must be \"#rrggbb\", not \"" + color + "\"");
    const fs::path path = fs::path(run_dir) / "run.json";
    nlohmann::ordered_json j = nlohmann::ordered_json::object();
    std::error_code ec;
    if (fs::exists(path, ec)) {
        try {
            j = parseOrderedJson(readFile(path.string()), path.string());  // keeps other fields
        } catch (const Error&) {
            j = nlohmann::ordered_json::object();  // a malformed file is replaced
        }
    }
    j["color"] = color;
    writeFileAtomic(path.string(), j.dump(2) + "\n");
}

std::string assignRunColor(const std::string& run_dir) {
    std::string mine;
    try {
        mine = readRunColor(run_dir);
    } catch (const Error&) {
        mine.clear();  // malformed: given a fresh colour below
    }
    if (!mine.empty())
        return mine;
    std::vector<std::string> used;
    const fs::path self = fs::absolute(fs::path(run_dir)).lexically_normal();
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(self.parent_path(), ec)) {
        if (!entry.is_directory() || entry.path() == self)
            continue;
        try {
            std::string c = readRunColor(entry.path().string());
            if (!c.empty())
                used.push_back(c);
        } catch (const Error&) {
            // another run's bad run.json does not stop this one
        }
    }
    mine = nextRunColor(used);
    writeRunColor(run_dir, mine);
    return mine;
}

namespace {

nlohmann::json toJson(const RunSummary& s) {
    nlohmann::ordered_json m = nlohmann::ordered_json::object();
    for (const auto& [k, v] : s.final_metrics) {
        if (std::isfinite(v))
            m[k] = v;
        else
            m[k] = nullptr;
    }
    nlohmann::ordered_json j;
    j["name"] = s.name;
    j["recipe"] = s.recipe;
    j["beta"] = s.beta;
    j["status"] = runStatusName(s.status);
    j["reason"] = s.reason;
    j["started_at"] = s.started_at;
    j["finished_at"] = s.finished_at;
    j["wall_time_s"] = s.wall_time_s;
    j["step"] = s.step;
    j["total_steps"] = s.total_steps;
    j["final_metrics"] = m;
    nlohmann::ordered_json alerts = nlohmann::ordered_json::array();
    for (const RunAlert& a : s.alerts)
        alerts.push_back(
            {{"step", a.step}, {"stage", a.stage}, {"kind", a.kind}, {"message", a.message}});
    j["alerts"] = alerts;
    return j;
}

}  // namespace

void writeSummary(const std::string& run_dir, const RunSummary& summary) {
    writeFileAtomic((fs::path(run_dir) / "summary.json").string(), toJson(summary).dump(2) + "\n");
}

RunSummary readSummary(const std::string& run_dir) {
    std::string path = (fs::path(run_dir) / "summary.json").string();
    std::string text = readFile(path);
    RunSummary s;
    try {
        auto j = parseJson(text, path);
        s.name = j.value("name", "");
        s.recipe = j.value("recipe", "");
        s.beta = j.value("beta", 0.0);
        const std::string status = j.at("status").get<std::string>();
        auto parsed = parseRunStatus(status);
        if (!parsed || *parsed == RunStatus::Queued || *parsed == RunStatus::Paused)
            throw InputError(path, "unknown run status '" + status +
                                       "': expected running, finished, failed or cancelled");
        s.status = *parsed;
        s.reason = j.value("reason", "");
        s.started_at = j.value("started_at", "");
        s.finished_at = j.value("finished_at", "");
        s.wall_time_s = j.value("wall_time_s", 0.0);
        s.step = j.value("step", int64_t(0));
        s.total_steps = j.value("total_steps", int64_t(0));
        if (j.contains("final_metrics")) {
            for (auto& [k, v] : j["final_metrics"].items()) {
                s.final_metrics.emplace_back(k, v.is_number() ? v.get<double>() : std::nan(""));
            }
        }
        if (j.contains("alerts")) {
            for (const auto& a : j.at("alerts"))
                s.alerts.push_back({a.at("step").get<int64_t>(), a.at("stage").get<int>(),
                                    a.at("kind").get<std::string>(),
                                    a.at("message").get<std::string>()});
        }
    } catch (const nlohmann::json::exception& e) {
        throw InputError(path, std::string("malformed run summary: ") + e.what());
    }
    s.dir = fs::path(run_dir).string();
    s.id = fs::path(run_dir).filename().string();
    try {
        s.color = readRunColor(run_dir);
    } catch (const Error&) {
        s.color.clear();  // a bad run.json costs the colour, not the run
    }
    return s;
}

std::vector<RunSummary> listRuns(const std::string& runs_dir) {
    std::vector<RunSummary> out;
    std::error_code ec;
    if (!fs::is_directory(runs_dir, ec))
        return out;
    for (const auto& entry : fs::directory_iterator(runs_dir, ec)) {
        if (!entry.is_directory() || !fs::exists(entry.path() / "summary.json"))
            continue;
        try {
            RunSummary s = readSummary(entry.path().string());
            if (s.status == RunStatus::Running && !RunLock::isHeld(entry.path().string())) {
                s.status = RunStatus::Failed;
                s.reason = "interrupted: the process ended without finishing";
            }
            out.push_back(std::move(s));
        } catch (const Error& e) {
            // Listed, not hidden: the user sees the folder and why it cannot be read.
            RunSummary damaged;
            damaged.id = entry.path().filename().string();
            damaged.dir = entry.path().string();
            damaged.name = damaged.id;
            damaged.status = RunStatus::Failed;
            damaged.reason = std::string("damaged: ") + e.what();
            out.push_back(std::move(damaged));
        }
    }
    std::sort(out.begin(), out.end(), [](const RunSummary& a, const RunSummary& b) {
        return a.started_at != b.started_at ? a.started_at > b.started_at : a.id > b.id;
    });
    return out;
}

namespace {
bool pidAlive(long pid) {
    return pid > 0 && (::kill(static_cast<pid_t>(pid), 0) == 0 || errno == EPERM);
}

long lockOwner(const std::string& path) {
    std::ifstream in(path);
    long pid = 0;
    in >> pid;
    return pid;
}
}  // namespace

RunLock::RunLock(const std::string& run_dir) : path_((fs::path(run_dir) / "run.lock").string()) {
    for (int attempt = 0; attempt < 2; ++attempt) {
        FILE* f = std::fopen(path_.c_str(), "wx");  // O_CREAT | O_EXCL
        if (f) {
            std::fprintf(f, "%ld\n", static_cast<long>(::getpid()));
            std::fclose(f);
            return;
        }
        long owner = lockOwner(path_);
        if (owner == ::getpid() || pidAlive(owner)) {
            throw Error(run_dir + " is in use by process " + std::to_string(owner) +
                        " (run.lock); two processes must not write one run");
        }
        fs::remove(path_);  // stale: its process is gone
    }
    throw Error("cannot lock " + run_dir + " (run.lock)");
}

RunLock::~RunLock() {
    std::error_code ec;
    if (lockOwner(path_) == ::getpid())
        fs::remove(path_, ec);
}

bool RunLock::isHeld(const std::string& run_dir) {
    std::string p = (fs::path(run_dir) / "run.lock").string();
    return fs::exists(p) && pidAlive(lockOwner(p));
}

MetricsLog::MetricsLog(const std::string& run_dir) {
    fs::path dir(run_dir);
    jsonl_ = std::make_unique<AppendFile>((dir / "metrics.jsonl").string());
    csv_ = std::make_unique<AppendFile>((dir / "metrics.csv").string());
    if (csv_->size() == 0)
        csv_pending_ = "step,stage,split,metric,value\n";
}

MetricsLog::~MetricsLog() {
    try {
        flush();
    } catch (const Error& e) {
        log::get("run")->error("{}", e.what());
    }
}

namespace {

// One event as its metrics.jsonl line and its metrics.csv rows (long form).
void formatEvent(int64_t step, int stage, const std::string& split, const NamedValues& values,
                 std::ostream& jsonl, std::ostream& csv) {
    nlohmann::ordered_json j;
    j["step"] = step;
    j["stage"] = stage;
    j["split"] = split;
    for (const auto& [k, v] : values) {
        if (std::isfinite(v))
            j[k] = v;
        else
            j[k] = nullptr;
        csv << step << ',' << stage << ',' << split << ',' << k << ',';
        if (std::isfinite(v)) {
            char buf[32];
            std::snprintf(buf, sizeof buf, "%.9g", v);
            csv << buf;
        }
        csv << '\n';
    }
    jsonl << j.dump() << '\n';
}

}  // namespace

void MetricsLog::write(int64_t step, int stage, const std::string& split,
                       const NamedValues& values) {
    std::ostringstream jsonl, csv;
    formatEvent(step, stage, split, values, jsonl, csv);
    jsonl_pending_ += jsonl.str();
    csv_pending_ += csv.str();
    if (jsonl_pending_.size() + csv_pending_.size() > (64u << 10))
        flush();
}

void MetricsLog::flush() {
    // Clear before writing: after a failed write the run fails, and the records are not retried.
    const std::string jsonl = std::move(jsonl_pending_), csv = std::move(csv_pending_);
    jsonl_pending_.clear();
    csv_pending_.clear();
    jsonl_->write(jsonl);
    csv_->write(csv);
}

void writeEvalPairs(const std::string& run_dir, const EvalPairs& eval) {
    std::ostringstream out;
    out.precision(17);
    out << "step,stage,pair,s_pos,t_pos,s_neg,t_neg\n";
    for (std::size_t i = 0; i < eval.pairs.size(); ++i) {
        const PairRecord& p = eval.pairs[i];
        out << eval.step << ',' << eval.stage << ',' << i << ',' << p.s_pos << ',' << p.t_pos << ','
            << p.s_neg << ',' << p.t_neg << '\n';
    }
    writeFileAtomic((fs::path(run_dir) / "eval_pairs.csv").string(), out.str());
}

EvalPairs readEvalPairs(const std::string& run_dir) {
    const std::string path = (fs::path(run_dir) / "eval_pairs.csv").string();
    EvalPairs out;
    std::ifstream in(path);
    if (!in)
        return out;
    std::string line;
    int64_t n = 0;
    const char* header = "step,stage,pair,s_pos,t_pos,s_neg,t_neg";
    while (std::getline(in, line)) {
        ++n;
        if (n == 1) {
            if (line != header)
                throw InputError(path + ":1", std::string("expected the header \"") + header +
                                                  "\", found \"" + line + "\"");
            continue;
        }
        if (line.empty())
            continue;
        std::vector<double> v;
        std::istringstream fields(line);
        for (std::string f; std::getline(fields, f, ',');) {
            char* end = nullptr;
            double x = std::strtod(f.c_str(), &end);
            if (f.empty() || end != f.c_str() + f.size())
                throw InputError(path + ":" + std::to_string(n), "expected a number in column " +
                                                                     std::to_string(v.size() + 1) +
                                                                     ", found \"" + f + "\"");
            v.push_back(x);
        }
        if (v.size() != 7)
            throw InputError(path + ":" + std::to_string(n), "expected 7 columns (" +
                                                                 std::string(header) + "), found " +
                                                                 std::to_string(v.size()));
        if (!(v[4] > 0) || !(v[6] > 0))
            throw InputError(path + ":" + std::to_string(n),
                             "token counts t_pos and t_neg must be positive");
        out.step = static_cast<int64_t>(v[0]);
        out.stage = static_cast<int>(v[1]);
        out.pairs.push_back({v[3], v[4], v[5], v[6], std::nullopt, std::nullopt});
    }
    return out;
}

std::vector<MetricEvent> readMetrics(const std::string& run_dir) {
    std::string path = (fs::path(run_dir) / "metrics.jsonl").string();
    std::vector<MetricEvent> out;
    std::ifstream in(path);
    if (!in)
        return out;
    std::vector<std::string> lines;
    for (std::string line; std::getline(in, line);)
        lines.push_back(std::move(line));
    int64_t n = 0;
    for (const std::string& line : lines) {
        ++n;
        if (line.empty())
            continue;
        try {
            auto j = nlohmann::ordered_json::parse(line);
            MetricEvent e;
            e.step = j.at("step").get<int64_t>();
            e.stage = j.at("stage").get<int>();
            e.split = j.at("split").get<std::string>();
            for (auto& [k, v] : j.items()) {
                if (k == "step" || k == "stage" || k == "split")
                    continue;
                e.values.emplace_back(k, v.is_number() ? v.get<double>() : std::nan(""));
            }
            out.push_back(std::move(e));
        } catch (const nlohmann::json::exception& ex) {
            // A process killed mid-write leaves a torn last line: drop it, the resumed run
            // rewrites what follows its checkpoint anyway. A bad line elsewhere is corruption.
            if (n == static_cast<int64_t>(lines.size()))
                break;
            throw InputError(path + ":" + std::to_string(n),
                             std::string("malformed metrics line: ") + ex.what());
        }
    }
    return out;
}

void MetricsLog::truncateAfter(const std::string& run_dir, int64_t last_step) {
    std::vector<MetricEvent> kept;
    for (MetricEvent& e : readMetrics(run_dir)) {
        if (e.step <= last_step)
            kept.push_back(std::move(e));
    }
    fs::path dir(run_dir);
    std::ostringstream jsonl, csv;
    csv << "step,stage,split,metric,value\n";
    for (const MetricEvent& e : kept) {
        formatEvent(e.step, e.stage, e.split, e.values, jsonl, csv);
    }
    writeFileAtomic((dir / "metrics.jsonl").string(), jsonl.str());
    writeFileAtomic((dir / "metrics.csv").string(), csv.str());
}

}  // namespace rgpb
