#include "core/study/StudyRunner.h"

#include <nlohmann/json.hpp>

#include <filesystem>
#include <map>
#include <set>

#include "core/config/SweepGrid.h"
#include "core/run/RunStore.h"
#include "core/util/Error.h"
#include "core/util/JsonFile.h"
#include "core/util/SafeFile.h"

namespace fs = std::filesystem;

namespace rgpb {
namespace {

std::string cellLabel(const PlannedCell& c) {
    std::string label = c.task + ": " + c.recipe;
    if (c.beta > 0)
        label += " b" + betaText(c.beta);
    return label + " s" + std::to_string(c.seed);
}

// The reason a failed run gives in its summary (or its measurement's failed.txt).
std::string failureReason(const PlannedRun& run) {
    const fs::path dir(run.run_dir);
    try {
        if (run.kind == PlannedRunKind::Measure)
            return readFile((dir / kMeasureFailedFile).string());
        if (!fs::exists(dir / "summary.json"))
            return "";
        RunSummary s = readSummary(run.run_dir);
        if (isActive(s.status))
            return "interrupted: the process ended without finishing";
        return s.reason;
    } catch (const Error& e) {
        return std::string("damaged: ") + e.what();
    }
}

// Whether run `i` may start now: ready, or failed and to be retried (once) with its
// dependencies finished.
bool startable(const StudyPlan& plan, std::size_t i, const std::vector<PlannedRunState>& states,
               bool retry, const std::set<std::string>& attempted) {
    if (attempted.count(plan.runs[i].run_dir))
        return false;
    if (states[i] == PlannedRunState::Ready)
        return true;
    if (states[i] != PlannedRunState::Failed || !retry)
        return false;
    for (std::size_t d : plan.runs[i].depends_on)
        if (states[d] != PlannedRunState::Finished)
            return false;
    return true;
}

std::string earlierStart(const std::string& study_dir) {
    const fs::path path = fs::path(study_dir) / "study.json";
    if (!fs::exists(path))
        return "";
    try {
        auto j = parseJson(readFile(path.string()), path.string());
        return j.at("provenance").value("started_at", std::string());
    } catch (const std::exception&) {
        return "";
    }
}

}  // namespace

std::vector<StudyCellState> studyCellStates(const StudyPlan& plan) {
    std::vector<PlannedRunState> states;
    for (std::size_t i = 0; i < plan.runs.size(); ++i)
        states.push_back(plannedRunState(plan, i));
    std::vector<StudyCellState> out;
    for (const PlannedCell& cell : plan.cells) {
        StudyCellState cs{&cell, PlannedRunState::Finished, ""};
        for (std::size_t i : cell.runs) {
            std::vector<std::size_t> chain = plan.runs[i].depends_on;
            chain.push_back(i);
            for (std::size_t r : chain) {
                if (states[r] == PlannedRunState::Failed && cs.state != PlannedRunState::Failed) {
                    cs.state = PlannedRunState::Failed;
                    cs.reason = plan.runs[r].label + ": " + failureReason(plan.runs[r]);
                }
            }
            if (cs.state == PlannedRunState::Failed)
                break;
            if (states[i] != PlannedRunState::Finished) {
                if (cs.state == PlannedRunState::Finished || states[i] == PlannedRunState::Running)
                    cs.state = states[i];
                break;
            }
        }
        out.push_back(cs);
    }
    return out;
}

StudyRunOutcome runStudy(const StudySpec& spec, const std::string& studies_dir,
                         StudyExecutor& executor, const StudyRunOptions& options,
                         StudyProvenance provenance) {
    const std::string study_dir = (fs::absolute(studies_dir) / spec.name).string();
    const std::string copy = (fs::path(study_dir) / "study.yaml").string();
    // The copy is the file the spec was read from: kept when it is (resume reads the copy),
    // replaced when the study file given to `study run` has changed.
    const bool copy_current = fs::exists(copy) && fileContentHash(copy) == spec.source_hash;
    if (!copy_current && !spec.source.empty() && fs::exists(spec.source) &&
        fileContentHash(spec.source) == spec.source_hash)
        writeFileAtomic(copy, readFile(spec.source));
    if (const std::string earlier = earlierStart(study_dir); !earlier.empty())
        provenance.started_at = earlier;
    if (provenance.started_at.empty())
        provenance.started_at = isoTimeNow();
    provenance.study_file = copy;
    provenance.study_hash = spec.source_hash;

    const int jobs = std::max(1, options.jobs);
    std::set<std::string> attempted;
    std::map<std::string, std::string> running;  // run_dir -> label
    StudyRunOutcome out;
    while (true) {
        StudyPlan plan = planStudy(spec, studies_dir);
        provenance.data_hashes = plan.data_hashes;
        std::vector<PlannedRunState> states;
        for (std::size_t i = 0; i < plan.runs.size(); ++i)
            states.push_back(plannedRunState(plan, i));
        out = StudyRunOutcome{};
        out.runs_total = plan.runs.size();
        for (PlannedRunState s : states) {
            out.runs_finished += s == PlannedRunState::Finished;
            out.runs_failed += s == PlannedRunState::Failed;
        }
        if (!executor.stopRequested()) {
            for (std::size_t i = 0; i < plan.runs.size(); ++i) {
                if (static_cast<int>(running.size()) >= jobs)
                    break;
                if (running.count(plan.runs[i].run_dir) ||
                    !startable(plan, i, states, options.retry_failed, attempted))
                    continue;
                attempted.insert(plan.runs[i].run_dir);
                running[plan.runs[i].run_dir] = plan.runs[i].label;
                executor.start(plan.runs[i]);
            }
        }
        const bool done = out.runs_finished == out.runs_total;
        if (done && provenance.finished_at.empty())
            provenance.finished_at = isoTimeNow();
        writeStudyJson(spec, plan, provenance);
        if (options.progress) {
            StudyProgress p{out.runs_finished, out.runs_failed, out.runs_total, {}};
            for (const auto& [dir, label] : running)
                p.running.push_back(label);
            options.progress(p);
        }
        if (running.empty()) {
            for (const StudyCellState& c : studyCellStates(plan)) {
                ++out.cells_total;
                if (c.state == PlannedRunState::Finished)
                    ++out.cells_finished;
                else if (c.state == PlannedRunState::Failed)
                    out.failed_cells.push_back(cellLabel(*c.cell) + ": " + c.reason);
            }
            out.stopped = executor.stopRequested() && !done;
            return out;
        }
        running.erase(executor.waitAny());
    }
}

StudySpec loadStudyOfFolder(const std::string& study_dir) {
    const std::string json_path = (fs::path(study_dir) / "study.json").string();
    const std::string copy = (fs::path(study_dir) / "study.yaml").string();
    if (!fs::exists(json_path) || !fs::exists(copy))
        throw InputError(study_dir, "not a study folder (no study.json and study.yaml)");
    std::string source = copy;
    try {
        auto j = parseJson(readFile(json_path), json_path);
        source = j.value("source", copy);
    } catch (const nlohmann::json::exception& e) {
        throw InputError(json_path, std::string("malformed study.json: ") + e.what());
    }
    // Relative paths of the study file are resolved from the original file's folder.
    StudySpec spec = parseStudySpec(readFile(copy), source);
    return spec;
}

}  // namespace rgpb
