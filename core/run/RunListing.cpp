#include "core/run/RunListing.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <filesystem>

#include "core/config/RunConfig.h"
#include "core/config/SweepGrid.h"
#include "core/train/ConsoleObserver.h"
#include "core/util/CsvText.h"
#include "core/util/Error.h"

namespace rgpb {
namespace {

constexpr RunStatus kAllStatuses[] = {RunStatus::Queued, RunStatus::Running,
                                      RunStatus::Paused, RunStatus::Finished,
                                      RunStatus::Failed, RunStatus::Cancelled};

// Shortest text that reads back as `v` (CSV cells); empty for NaN (a missing metric).
std::string shortest(double v) {
    if (std::isnan(v))
        return "";
    char buf[64];
    auto r = std::to_chars(buf, buf + sizeof buf, v);
    return std::string(buf, r.ptr);
}

// `v` with `decimals` digits after the point ("-" when missing): the table's metrics.
std::string fixed(double v, int decimals) {
    if (std::isnan(v))
        return "-";
    char buf[400];
    auto r = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::fixed, decimals);
    return std::string(buf, r.ptr);
}

std::string withoutSpaces(std::string s) {
    s.erase(std::remove_if(s.begin(), s.end(), [](unsigned char c) { return std::isspace(c); }),
            s.end());
    return s;
}

// The per-stage column text: one stage its value alone, several stages "method value -> ...".
template <typename Value>
std::string perStage(const RunRow& row, Value value) {
    if (!row.has_config)
        return "";
    if (row.stages.size() == 1)
        return value(row.stages[0]);
    std::string out;
    for (const RunStageColumns& s : row.stages) {
        std::string v = value(s);
        out += (out.empty() ? "" : " -> ") + s.method + (v.empty() ? "" : " " + v);
    }
    return out;
}

std::string stepsText(const RunSummary& s) {
    return std::to_string(s.step) + "/" + std::to_string(s.total_steps);
}

std::string joinKeys() {
    std::string out;
    for (const std::string& k : runFilterKeys())
        out += (out.empty() ? "" : ", ") + k;
    return out;
}

bool sameNumber(double a, double b) {
    return std::abs(a - b) <= 1e-9 * std::max(std::abs(a), std::abs(b));
}

bool parseWhole(const std::string& text, uint64_t& out) {
    auto r = std::from_chars(text.data(), text.data() + text.size(), out);
    return r.ec == std::errc() && r.ptr == text.data() + text.size() && !text.empty();
}

bool parseNumber(const std::string& text, double& out) {
    auto r = std::from_chars(text.data(), text.data() + text.size(), out);
    return r.ec == std::errc() && r.ptr == text.data() + text.size() && !text.empty();
}

// Whether one condition holds for a row (the key is known, the value checked by
// parseRunFilter).
bool holds(const RunRow& row, const RunFilter& f) {
    if (f.key == "status")
        return runStatusName(row.summary.status) == f.value;
    if (f.key == "name")
        return row.summary.name == f.value || row.summary.id == f.value;
    if (f.key == "recipe")  // summary.json's, as the recipe column shows it
        return withoutSpaces(row.summary.recipe) == withoutSpaces(f.value);
    if (!row.has_config)
        return false;
    if (f.key == "seed" || f.key == "data_seed") {
        uint64_t want = 0;
        parseWhole(f.value, want);
        return (f.key == "seed" ? row.seed : row.data_seed) == want;
    }
    if (f.key == "data")
        return row.data == f.value || row.data_source == f.value;
    if (f.key == "beta") {
        double want = 0;
        parseNumber(f.value, want);
        return std::any_of(row.stages.begin(), row.stages.end(), [&](const RunStageColumns& st) {
            return st.beta && sameNumber(*st.beta, want);
        });
    }
    // method: a stage's description ("dpo+0.2*mle"), or any of its terms' kinds ("sft" = mle).
    std::string kind = f.value;
    try {
        kind = objectiveKindName(parseObjectiveKind(f.value));
    } catch (const Error&) {
    }
    return std::any_of(row.stages.begin(), row.stages.end(), [&](const RunStageColumns& st) {
        return st.method == f.value ||
               std::find(st.kinds.begin(), st.kinds.end(), kind) != st.kinds.end();
    });
}

}  // namespace

RunRow runRow(const RunSummary& summary) {
    RunRow row;
    row.summary = summary;
    std::string path = (std::filesystem::path(summary.dir) / "config.yaml").string();
    RunConfig config;
    try {
        config = loadRunConfig(path);
    } catch (const Error& e) {
        row.config_problem = e.what();
        return row;
    }
    row.has_config = true;
    row.seed = config.seed;
    row.data_seed = config.dataSeed();
    row.data = runDataText(config.data.source, config.data.synthetic_regime);
    row.data_source = config.data.source;
    for (const StageConfig& s : config.stages) {
        RunStageColumns st{
            s.objective.describe(), {}, s.beta(), s.lr.value_or(config.optimizer.lr)};
        for (const ObjectiveTerm& t : s.objective.terms)
            st.kinds.push_back(objectiveKindName(t.kind));
        row.stages.push_back(st);
    }
    return row;
}

std::vector<RunRow> listRunRows(const std::string& runs_dir) {
    std::vector<RunRow> rows;
    for (const RunSummary& s : listRuns(runs_dir))
        rows.push_back(runRow(s));
    return rows;
}

std::string runDataText(const std::string& source, const std::string& synthetic_regime) {
    if (source == "synthetic")
        return synthetic_regime;
    if (source.rfind("synthetic", 0) == 0)  // another synthetic source of the same task world
        return source + " (" + synthetic_regime + ")";
    return std::filesystem::path(source).filename().string();
}

std::string runBetaText(const RunRow& row) {
    return perStage(row, [](const RunStageColumns& s) { return s.beta ? betaText(*s.beta) : ""; });
}

std::string runLrText(const RunRow& row) {
    return perStage(row, [](const RunStageColumns& s) { return betaText(s.lr); });
}

const std::vector<std::string>& runFilterKeys() {
    static const std::vector<std::string> keys = {"recipe",    "method", "status", "seed",
                                                  "data_seed", "data",   "beta",   "name"};
    return keys;
}

RunFilter parseRunFilter(const std::string& condition) {
    std::size_t eq = condition.find('=');
    if (eq == std::string::npos)
        throw Error("--where '" + condition + "': expected key=value (keys: " + joinKeys() + ")");
    RunFilter f{condition.substr(0, eq), condition.substr(eq + 1)};
    const auto& keys = runFilterKeys();
    if (std::find(keys.begin(), keys.end(), f.key) == keys.end())
        throw Error("--where '" + condition + "': unknown key '" + f.key +
                    "' (known keys: " + joinKeys() + ")");
    uint64_t whole = 0;
    double number = 0;
    if (f.key == "status" && !parseRunStatus(f.value)) {
        std::string names;
        for (RunStatus st : kAllStatuses)
            names += (names.empty() ? "" : ", ") + std::string(runStatusName(st));
        throw Error("--where '" + condition + "': status must be one of " + names);
    }
    if ((f.key == "seed" || f.key == "data_seed") && !parseWhole(f.value, whole))
        throw Error("--where '" + condition + "': " + f.key + " must be a whole number >= 0");
    if (f.key == "beta" && !parseNumber(f.value, number))
        throw Error("--where '" + condition + "': beta must be a number");
    return f;
}

bool runMatches(const RunRow& row, const std::vector<RunFilter>& filters) {
    for (const std::string& key : runFilterKeys()) {
        bool any_condition = false, any_holds = false;
        for (const RunFilter& f : filters)
            if (f.key == key) {
                any_condition = true;
                any_holds = any_holds || holds(row, f);
            }
        if (any_condition && !any_holds)
            return false;
    }
    return true;
}

std::vector<RunRow> filterRuns(std::vector<RunRow> rows, const std::vector<RunFilter>& filters) {
    rows.erase(std::remove_if(rows.begin(), rows.end(),
                              [&](const RunRow& r) { return !runMatches(r, filters); }),
               rows.end());
    return rows;
}

namespace {

const std::vector<std::string> kTableColumns = {"run",       "recipe",     "status",  "seed",
                                                "data seed", "data",       "lr",      "beta",
                                                "steps",     "perplexity", "agility", "time"};
const std::vector<std::string> kCsvColumns = {
    "run",        "recipe",  "status", "seed",   "data_seed",
    "data",       "lr",      "beta",   "steps",  "total_steps",
    "perplexity", "agility", "time_s", "reason", "config_problem"};

// The first columns, the same in the table and the CSV: run .. beta.
std::vector<std::string> identityCells(const RunRow& r) {
    bool c = r.has_config;
    return {r.summary.id,
            r.summary.recipe,
            runStatusName(r.summary.status),
            c ? std::to_string(r.seed) : "",
            c ? std::to_string(r.data_seed) : "",
            r.data,
            runLrText(r),
            runBetaText(r)};
}

std::vector<std::string> tableCells(const RunRow& r) {
    const RunSummary& s = r.summary;
    std::vector<std::string> out = identityCells(r);
    for (std::string cell :
         {stepsText(s), fixed(s.metric("eval/perplexity", NAN), 4),
          fixed(s.metric("eval/agility", NAN), 5), ConsoleObserver::formatDuration(s.wall_time_s)})
        out.push_back(cell);
    return out;
}

std::vector<std::string> csvCells(const RunRow& r) {
    const RunSummary& s = r.summary;
    std::vector<std::string> out = identityCells(r);
    for (std::string cell :
         {std::to_string(s.step), std::to_string(s.total_steps),
          shortest(s.metric("eval/perplexity", NAN)), shortest(s.metric("eval/agility", NAN)),
          shortest(s.wall_time_s), s.reason, r.config_problem})
        out.push_back(cell);
    return out;
}

}  // namespace

std::string runTable(const std::vector<RunRow>& rows) {
    std::vector<std::vector<std::string>> table = {kTableColumns};
    for (const RunRow& r : rows)
        table.push_back(tableCells(r));
    std::vector<std::size_t> width(kTableColumns.size(), 0);
    for (const auto& line : table)
        for (std::size_t i = 0; i < line.size(); ++i)
            width[i] = std::max(width[i], line[i].size());
    // Text left-aligned, numbers (seed onwards except data, lr and beta) right-aligned.
    auto right = [](std::size_t i) { return i == 3 || i == 4 || i >= 8; };
    std::string out;
    for (std::size_t k = 0; k < table.size(); ++k) {
        std::string line;
        for (std::size_t i = 0; i < table[k].size(); ++i) {
            std::string pad(width[i] - table[k][i].size(), ' ');
            line += (i == 0 ? "" : "  ") + (right(i) ? pad + table[k][i] : table[k][i] + pad);
        }
        while (!line.empty() && line.back() == ' ')
            line.pop_back();
        out += line + "\n";
        if (k == 0)
            continue;
        const RunRow& r = rows[k - 1];
        if (!r.summary.reason.empty() && r.summary.status != RunStatus::Finished)
            out += "    " + r.summary.reason + "\n";
        if (!r.has_config)
            out += "    config: " + r.config_problem + "\n";
        for (const RunAlert& a : r.summary.alerts)
            out += "    alert: " + a.message + "\n";
    }
    return out;
}

std::string runJson(const std::vector<RunRow>& rows) {
    nlohmann::ordered_json all = nlohmann::ordered_json::array();
    for (const RunRow& r : rows) {
        const RunSummary& s = r.summary;
        nlohmann::ordered_json j;
        j["run"] = s.id;
        j["dir"] = s.dir;
        j["name"] = s.name;
        j["recipe"] = s.recipe;
        j["status"] = runStatusName(s.status);
        j["reason"] = s.reason;
        j["alerts"] = nlohmann::ordered_json::array();
        for (const RunAlert& a : s.alerts)
            j["alerts"].push_back(
                {{"step", a.step}, {"stage", a.stage}, {"kind", a.kind}, {"message", a.message}});
        j["seed"] = r.has_config ? nlohmann::ordered_json(r.seed) : nullptr;
        j["data_seed"] = r.has_config ? nlohmann::ordered_json(r.data_seed) : nullptr;
        j["data"] = r.data;
        j["data_source"] = r.data_source;
        j["methods"] = nlohmann::ordered_json::array();
        j["lr"] = nlohmann::ordered_json::array();
        j["beta"] = nlohmann::ordered_json::array();
        for (const RunStageColumns& st : r.stages) {
            j["methods"].push_back(st.method);
            j["lr"].push_back(st.lr);
            j["beta"].push_back(st.beta ? nlohmann::ordered_json(*st.beta) : nullptr);
        }
        j["steps"] = s.step;
        j["total_steps"] = s.total_steps;
        // NaN (a metric not measured yet) is written as null.
        j["perplexity"] = s.metric("eval/perplexity", NAN);
        j["agility"] = s.metric("eval/agility", NAN);
        j["time_s"] = s.wall_time_s;
        j["started_at"] = s.started_at;
        j["finished_at"] = s.finished_at;
        j["config_problem"] = r.config_problem;
        all.push_back(j);
    }
    // A damaged run's reason may quote bytes of its file that are not UTF-8: replaced, never
    // thrown (nlohmann's type_error 316).
    return all.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

std::string runCsv(const std::vector<RunRow>& rows) {
    std::string out = csvRecord(kCsvColumns);
    for (const RunRow& r : rows)
        out += csvRecord(csvCells(r));
    return out;
}

}  // namespace rgpb
