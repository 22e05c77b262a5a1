// study.json: written by the planner's caller (writeStudyJson, StudyPlan.h), read back by
// loadStudyResults() together with the summaries of the runs it names.
#include "core/study/StudyResults.h"

#include <nlohmann/json.hpp>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>

#include "core/study/StudyPlan.h"
#include "core/util/Error.h"
#include "core/util/SafeFile.h"

namespace fs = std::filesystem;
using Json = nlohmann::ordered_json;

namespace rgpb {
namespace {

InfoRegime regimeOf(const std::string& name) {
    return name == "low" ? InfoRegime::Low : InfoRegime::High;
}

Json specJson(const StudySpec& spec) {
    Json tasks = Json::array();
    for (const StudyTask& t : spec.tasks)
        tasks.push_back({{"name", t.name},
                         {"regime", infoRegimeName(t.regime)},
                         {"source", t.data.source},
                         {"optional", t.optional}});
    return {{"name", spec.name},
            {"description", spec.description},
            {"quick", spec.quick},
            {"tasks", tasks},
            {"recipes", spec.recipes},
            {"betas", spec.betas},
            {"seeds", spec.seeds},
            {"data_seed", spec.data_seed},
            {"steps", spec.steps},
            {"select_by", spec.lr.select_by},
            {"validation_pairs", spec.lr.validation_pairs}};
}

Json provenanceJson(const StudyProvenance& p) {
    Json hashes = Json::object();
    for (const auto& [task, hash] : p.data_hashes)
        hashes[task] = hash;
    return {{"commit", p.commit},
            {"study_file", p.study_file},
            {"study_hash", p.study_hash},
            {"data_hashes", hashes},
            {"torch_version", p.torch_version},
            {"device", p.device},
            {"threads", p.threads},
            {"started_at", p.started_at},
            {"finished_at", p.finished_at}};
}

template <typename T>
T field(const Json& j, const char* key, T fallback) {
    auto it = j.find(key);
    if (it == j.end() || it->is_null())
        return fallback;
    return it->get<T>();
}

void readSpec(const Json& j, StudySpec& spec) {
    spec.name = field<std::string>(j, "name", "");
    spec.description = field<std::string>(j, "description", "");
    spec.quick = field<bool>(j, "quick", false);
    for (const Json& t : j.at("tasks")) {
        StudyTask task;
        task.name = t.at("name").get<std::string>();
        task.regime = regimeOf(field<std::string>(t, "regime", "high"));
        task.data.source = field<std::string>(t, "source", "");
        task.optional = field<bool>(t, "optional", false);
        spec.tasks.push_back(task);
    }
    spec.recipes = j.at("recipes").get<std::vector<std::string>>();
    spec.betas = j.at("betas").get<std::vector<double>>();
    spec.seeds = j.at("seeds").get<std::vector<uint64_t>>();
    spec.data_seed = field<int64_t>(j, "data_seed", 1);
    spec.steps = field<int64_t>(j, "steps", 0);
    spec.lr.select_by = field<std::string>(j, "select_by", "agility");
    spec.lr.validation_pairs = field<int64_t>(j, "validation_pairs", 0);
}

// The last stage's final evaluation, the chain's summed wall time and the first problem.
void readCellRuns(StudyCellResult& cell) {
    cell.status = RunStatus::Finished;
    for (const std::string& dir : cell.run_dirs) {
        if (!fs::exists(fs::path(dir) / "summary.json")) {
            cell.status = RunStatus::Running;  // not run yet
            cell.final_metrics.clear();
            return;
        }
        RunSummary s;
        try {
            s = readSummary(dir);
        } catch (const Error& e) {
            cell.status = RunStatus::Failed;
            cell.reason = std::string("damaged: ") + e.what();
            return;
        }
        cell.wall_time_s += s.wall_time_s;
        if (isActive(s.status) && !RunLock::isHeld(dir)) {
            s.status = RunStatus::Failed;
            s.reason = "interrupted: the process ended without finishing";
        }
        if (s.status != RunStatus::Finished) {
            cell.status = isActive(s.status) ? RunStatus::Running : s.status;
            cell.reason = s.reason;
            cell.final_metrics.clear();
            return;
        }
        cell.final_metrics.clear();
        for (const auto& [name, value] : s.final_metrics)
            if (name.rfind("eval/", 0) == 0)
                cell.final_metrics.emplace_back(name, value);
    }
}

// Mean of the finite log10 information differences of info_diff.csv (last column).
double meanLog10InfoDiff(const fs::path& csv) {
    std::ifstream in(csv);
    std::string line;
    std::getline(in, line);  // header
    double sum = 0;
    int64_t n = 0;
    while (std::getline(in, line)) {
        const auto comma = line.rfind(',');
        if (comma == std::string::npos)
            continue;
        try {
            const double v = std::stod(line.substr(comma + 1));
            if (std::isfinite(v)) {
                sum += v;
                ++n;
            }
        } catch (const std::exception&) {
            // "-inf" / empty: identical sides, no information difference to average
        }
    }
    return n ? sum / static_cast<double>(n) : std::numeric_limits<double>::quiet_NaN();
}

std::optional<StudyTaskMeasure> readMeasure(const Json& m) {
    const fs::path dir = m.at("dir").get<std::string>();
    if (!fs::exists(dir / "summary.json"))
        return std::nullopt;
    StudyTaskMeasure out;
    out.task = m.at("task").get<std::string>();
    out.regime = regimeOf(field<std::string>(m, "regime", "high"));
    const std::string path = (dir / "summary.json").string();
    try {
        const Json s = Json::parse(readFile(path));
        const Json& med = s.at("info_diff_log10_median");
        out.info_diff_log10_median =
            med.is_number() ? med.get<double>() : std::numeric_limits<double>::quiet_NaN();
        for (const Json& step : s.at("grad_diff")) {
            const Json& l1 = step.at("l1").at("mean");
            const Json& l2 = step.at("l2").at("mean");
            out.grad_diff_l1.push_back(l1.is_number() ? l1.get<double>() : NAN);
            out.grad_diff_l2.push_back(l2.is_number() ? l2.get<double>() : NAN);
        }
    } catch (const Json::exception& e) {
        throw InputError(path, std::string("not a gradlab measure summary: ") + e.what());
    }
    out.info_diff_log10_mean = meanLog10InfoDiff(dir / "info_diff.csv");
    return out;
}

}  // namespace

void writeStudyJson(const StudySpec& spec, const StudyPlan& plan,
                    const StudyProvenance& provenance) {
    Json cells = Json::array();
    for (const PlannedCell& c : plan.cells) {
        Json runs = Json::array();
        for (std::size_t i : c.runs)
            runs.push_back(plan.runs[i].run_dir);
        cells.push_back({{"task", c.task},
                         {"regime", infoRegimeName(c.regime)},
                         {"recipe", c.recipe},
                         {"beta", c.beta},
                         {"seed", c.seed},
                         {"runs", runs},
                         {"stage_lr", c.stage_lr}});
    }
    Json selections = Json::array();
    for (const StudySelection& s : plan.selections) {
        Json scores = Json::array();
        for (const auto& [lr, score] : s.scores)
            scores.push_back({{"lr", lr}, {"score", std::isfinite(score) ? Json(score) : Json()}});
        selections.push_back({{"task", s.task},
                              {"method", s.method},
                              {"select_by", s.select_by},
                              {"chosen", s.lr > 0 ? Json(s.lr) : Json()},
                              {"candidates", scores}});
    }
    Json measures = Json::array();
    for (const PlannedRun& r : plan.runs) {
        if (r.kind != PlannedRunKind::Measure)
            continue;
        const std::string task = fs::path(r.run_dir).filename().string();
        std::string regime = "high";
        for (const StudyTask& t : spec.tasks)
            if (t.name == task)
                regime = infoRegimeName(t.regime);
        measures.push_back({{"task", task}, {"regime", regime}, {"dir", r.run_dir}});
    }
    Json j = {{"format", "rgpb-study-1"},
              {"spec", specJson(spec)},
              {"source", spec.source},
              {"study_file", (fs::path(plan.study_dir) / "study.yaml").string()},
              {"study_hash", spec.source_hash},
              {"cells", cells},
              {"selections", selections},
              {"measures", measures},
              {"notes", plan.notes},
              {"provenance", provenanceJson(provenance)}};
    writeFileAtomic((fs::path(plan.study_dir) / "study.json").string(), j.dump(2) + "\n");
}

StudyResults loadStudyResults(const std::string& study_dir) {
    const std::string path = (fs::path(study_dir) / "study.json").string();
    if (!fs::exists(path))
        throw InputError(path, "no study.json: not a study folder (run 'rgpb study run' first)");
    StudyResults r;
    try {
        const Json j = Json::parse(readFile(path));
        readSpec(j.at("spec"), r.spec);
        r.spec.source = field<std::string>(j, "source", "");
        r.spec.source_hash = field<std::string>(j, "study_hash", "");
        for (const Json& c : j.at("cells")) {
            StudyCellResult cell;
            cell.task = c.at("task").get<std::string>();
            cell.regime = regimeOf(field<std::string>(c, "regime", "high"));
            cell.recipe = c.at("recipe").get<std::string>();
            cell.beta = c.at("beta").get<double>();
            cell.seed = c.at("seed").get<uint64_t>();
            cell.run_dirs = c.at("runs").get<std::vector<std::string>>();
            cell.stage_lr = c.at("stage_lr").get<std::vector<double>>();
            readCellRuns(cell);
            r.cells.push_back(std::move(cell));
        }
        for (const Json& s : j.at("selections")) {
            StudySelection sel;
            sel.task = s.at("task").get<std::string>();
            sel.method = s.at("method").get<std::string>();
            sel.select_by = field<std::string>(s, "select_by", "");
            sel.lr = field<double>(s, "chosen", 0.0);
            for (const Json& c : s.at("candidates"))
                sel.scores.emplace_back(c.at("lr").get<double>(), field<double>(c, "score", NAN));
            r.selections.push_back(std::move(sel));
        }
        for (const Json& m : j.at("measures"))
            if (auto measure = readMeasure(m))
                r.measures.push_back(std::move(*measure));
        r.notes = j.at("notes").get<std::vector<std::string>>();
        const Json& p = j.at("provenance");
        r.provenance.commit = field<std::string>(p, "commit", "");
        r.provenance.study_file = field<std::string>(p, "study_file", "");
        r.provenance.study_hash = field<std::string>(p, "study_hash", "");
        for (const auto& [task, hash] : p.at("data_hashes").items())
            r.provenance.data_hashes.emplace_back(task, hash.get<std::string>());
        r.provenance.torch_version = field<std::string>(p, "torch_version", "");
        r.provenance.device = field<std::string>(p, "device", "");
        r.provenance.threads = field<int64_t>(p, "threads", 0);
        r.provenance.started_at = field<std::string>(p, "started_at", "");
        r.provenance.finished_at = field<std::string>(p, "finished_at", "");
    } catch (const Json::exception& e) {
        throw InputError(path, std::string("malformed study.json: ") + e.what());
    }
    return r;
}

}  // namespace rgpb
