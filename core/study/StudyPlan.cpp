#include "core/study/StudyPlan.h"

#include <sys/stat.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <limits>
#include <map>
#include <mutex>
#include <optional>
#include <set>

#include "core/config/SweepGrid.h"
#include "core/run/RunStore.h"
#include "core/util/Error.h"

namespace fs = std::filesystem;

namespace rgpb {

std::string plannedRunHash(const RunConfig& config, const std::string& from_hash,
                           const std::string& data_hash) {
    RunConfig c = config;
    c.threads = 0;  // how many cores train it does not change what is trained
    if (!from_hash.empty())
        c.model.from = "run:" + from_hash;
    return contentHash(toYaml(c) + "\ndata:" + data_hash);
}

const char* plannedRunStateName(PlannedRunState state) {
    switch (state) {
        case PlannedRunState::Pending:
            return "pending";
        case PlannedRunState::Ready:
            return "ready";
        case PlannedRunState::Running:
            return "running";
        case PlannedRunState::Finished:
            return "finished";
        case PlannedRunState::Failed:
            return "failed";
    }
    return "?";
}

PlannedRunState plannedRunState(const StudyPlan& plan, std::size_t index) {
    const PlannedRun& run = plan.runs.at(index);
    const fs::path dir(run.run_dir);
    const bool has_summary = fs::exists(dir / "summary.json");
    if (run.kind == PlannedRunKind::Measure) {
        if (has_summary)
            return PlannedRunState::Finished;
        if (fs::exists(dir / kMeasureFailedFile))
            return PlannedRunState::Failed;
    } else if (has_summary) {
        try {
            const RunSummary s = readSummary(run.run_dir);
            if (s.status == RunStatus::Finished)
                return PlannedRunState::Finished;
            if (isActive(s.status))
                return RunLock::isHeld(run.run_dir) ? PlannedRunState::Running
                                                    : PlannedRunState::Failed;  // interrupted
            return PlannedRunState::Failed;
        } catch (const Error&) {
            return PlannedRunState::Failed;  // damaged
        }
    }
    if (fs::exists(dir) && RunLock::isHeld(run.run_dir))
        return PlannedRunState::Running;  // started, no summary written yet
    for (std::size_t d : run.depends_on) {
        if (plannedRunState(plan, d) != PlannedRunState::Finished)
            return PlannedRunState::Pending;
    }
    return PlannedRunState::Ready;
}

namespace {

// The base's pretraining: next-token training on unlabeled text.
const char* const kBaseMethod = "lm";

// Data files are hashed once per process unless they change (size or time).
std::string cachedFileHash(const std::string& path) {
    static std::mutex mutex;
    static std::map<std::string, std::pair<std::string, std::string>> cache;
    struct stat st {};
    std::string key;
    if (::stat(path.c_str(), &st) == 0)
        key = std::to_string(st.st_size) + ":" + std::to_string(st.st_mtim.tv_sec) + "." +
              std::to_string(st.st_mtim.tv_nsec);
    std::lock_guard<std::mutex> lock(mutex);
    auto it = cache.find(path);
    if (it != cache.end() && it->second.first == key)
        return it->second.second;
    const std::string hash = fileContentHash(path);
    cache[path] = {key, hash};
    return hash;
}

std::string dataHash(const DataConfig& data) {
    if (data.source == "synthetic" || data.source == "synthetic-text")
        return "";  // the config (regime, count, data_seed) determines the data
    return cachedFileHash(data.source);
}

// The score a finished selection run gets (higher is better), NaN when it has none.
double selectionScore(const std::string& run_dir, const std::string& select_by) {
    RunSummary s = readSummary(run_dir);
    const double v = s.metric("eval/" + select_by, std::numeric_limits<double>::quiet_NaN());
    return select_by == "perplexity" ? -v : v;
}

class Planner {
public:
    Planner(const StudySpec& spec, const std::string& studies_dir) : spec_(spec) {
        runs_dir_ = (fs::absolute(studies_dir) / ".runs").lexically_normal();
        plan_.study_dir = (fs::absolute(studies_dir) / spec.name).lexically_normal().string();
    }

    StudyPlan make() {
        base_ = planBase();
        for (const StudyTask& task : spec_.tasks) {
            if (task.optional && task.data.source != "synthetic" &&
                task.data.source != "synthetic-text" && !fs::exists(task.data.source)) {
                plan_.notes.push_back("task " + task.name + " skipped: " + task.data.source +
                                      " is absent");
                continue;
            }
            task_hash_ = dataHash(task.data);
            plan_.data_hashes.emplace_back(task.name,
                                           task_hash_.empty() ? "generated" : task_hash_);
            planMeasure(task);
            for (const std::string& method : studyMethods())
                lrs_[method] = planSelection(task, method);
            for (const std::string& recipe : spec_.recipes)
                planRecipe(task, recipe);
        }
        return std::move(plan_);
    }

private:
    std::vector<std::string> studyMethods() const {
        std::set<std::string> seen;
        std::vector<std::string> out;
        for (const std::string& r : spec_.recipes)
            for (const std::string& m : recipeMethods(r))
                if (seen.insert(m).second)
                    out.push_back(m);
        return out;
    }

    // Adds a run unless an identical one is planned; its index either way.
    std::size_t add(PlannedRunKind kind, const std::string& label, RunConfig config,
                    std::optional<std::size_t> from, const std::string& data_hash,
                    std::vector<std::size_t> deps = {}) {
        std::string from_hash;
        if (from) {
            from_hash = hashes_.at(*from);
            config.model.from = plan_.runs[*from].run_dir;
            config.tokenizer.kind = "model";  // the tokenizer of the run it starts from
            deps.push_back(*from);
        }
        const std::string hash = plannedRunHash(config, from_hash, data_hash);
        const std::string dir = (runs_dir_ / (runNameSlug(config.name) + "-" + hash)).string();
        for (std::size_t i = 0; i < plan_.runs.size(); ++i) {
            if (plan_.runs[i].run_dir == dir)
                return i;
        }
        std::sort(deps.begin(), deps.end());
        deps.erase(std::unique(deps.begin(), deps.end()), deps.end());
        plan_.runs.push_back(PlannedRun{kind, label, dir, std::move(config), std::move(deps)});
        hashes_.push_back(hash);
        return plan_.runs.size() - 1;
    }

    // What every study run shares: the spec's run section, its data seed and validation pairs.
    RunConfig common(const DataConfig& data, uint64_t seed) const {
        RunConfig c = spec_.run;
        c.data = data;
        c.data.validation_pairs = spec_.lr.validation_pairs;
        c.seed = seed;
        c.data_seed = spec_.data_seed;
        c.stages.clear();
        return c;
    }

    static StageConfig stage(const std::string& method, double beta, int64_t steps, double lr) {
        StageConfig st;
        st.objective = ObjectiveSpec::single(parseObjectiveKind(method), beta);
        st.name = st.objective.describe();
        st.steps = steps;
        st.lr = lr;
        return st;
    }

    // DPO's reference log-probs are cached for every training pair at the start of a stage
    // unless computed batch by batch from a frozen copy; a short study stage sees fewer pairs
    // than the training side holds, where the batch-by-batch reference is the cheaper (same
    // values: the frozen model at the stage's start).
    static void chooseReference(StageConfig& st, const RunConfig& c) {
        if (st.objective.terms[0].kind != ObjectiveKind::Dpo)
            return;
        int64_t pairs = c.data.limit;
        if (c.data.source == "synthetic")
            pairs = c.data.synthetic_count;
        const int64_t train = pairs - c.data.eval_pairs - c.data.validation_pairs;
        const int64_t seen = st.steps * c.optimizer.batch_size * c.optimizer.grad_accum;
        st.on_the_fly_reference = pairs > 0 && seen < train;
    }

    std::optional<std::size_t> planBase() {
        if (!spec_.base.from.empty())
            return std::nullopt;
        RunConfig c = spec_.run;
        c.name = "base";
        c.data = spec_.base.text;
        c.seed = spec_.base.seed;
        c.data_seed = spec_.data_seed;
        c.stages = {stage(kBaseMethod, 0.1, spec_.base.steps, spec_.base.lr)};
        std::string label = "base (lm, " + std::to_string(spec_.base.steps) + " steps)";
        return add(PlannedRunKind::Base, label, std::move(c), std::nullopt,
                   dataHash(spec_.base.text));
    }

    // A run that starts from the base: model.from is the base run or the base folder.
    std::size_t addFromBase(PlannedRunKind kind, const std::string& label, RunConfig c,
                            std::vector<std::size_t> deps = {}) {
        if (!base_) {
            c.model.from = spec_.base.from;
            c.tokenizer.kind = "model";
        }
        return add(kind, label, std::move(c), base_, task_hash_, std::move(deps));
    }

    void planMeasure(const StudyTask& task) {
        PlannedRun m;
        m.kind = PlannedRunKind::Measure;
        m.label = task.name + ": information and gradient difference under the base";
        m.run_dir = (fs::path(plan_.study_dir) / "measures" / task.name).string();
        m.config = common(task.data, spec_.base.seed);
        m.config.name = "measure-" + task.name;
        // What is measured: the information and gradient difference do not depend on it; the
        // measurement's decomposition is DPO's at the study's middle beta.
        m.config.stages = {
            stage("dpo", spec_.betas[spec_.betas.size() / 2], 1, spec_.run.optimizer.lr)};
        m.config.model.from = base_ ? plan_.runs[*base_].run_dir : spec_.base.from;
        m.config.tokenizer.kind = "model";
        if (base_)
            m.depends_on.push_back(*base_);
        plan_.runs.push_back(std::move(m));
        hashes_.push_back("");
    }

    struct LrChoice {
        double lr = 0;
        std::vector<std::size_t> waiting_on;  // selection runs not yet done
    };

    // The learning rate of `method` on `task`: the one candidate, the best finished selection
    // run (once none is pending), or the first candidate while the selection runs are pending.
    LrChoice planSelection(const StudyTask& task, const std::string& method) {
        auto grid = spec_.lr.grid.find(method);
        if (grid == spec_.lr.grid.end())
            return {spec_.run.optimizer.lr, {}};
        if (grid->second.size() == 1)
            return {grid->second[0], {}};
        const double beta = spec_.betas[spec_.betas.size() / 2];
        StudySelection sel{task.name, method, 0.0, {}, spec_.lr.select_by};
        std::vector<std::size_t> runs;
        bool pending = false;
        double best = -std::numeric_limits<double>::infinity();
        for (double lr : grid->second) {
            RunConfig c = common(task.data, spec_.lr.seed);
            c.name = task.name + "-select-" + method + "-lr" + betaText(lr);
            c.eval.split = "validation";  // select on validation pairs; never the eval split
            c.stages = {stage(method, method == "mle" ? 0.1 : beta, spec_.steps, lr)};
            chooseReference(c.stages[0], c);
            const std::string label = task.name + ": select " + method + " lr " + betaText(lr);
            const std::size_t i = addFromBase(PlannedRunKind::Selection, label, std::move(c));
            runs.push_back(i);
            const PlannedRunState st = plannedRunState(plan_, i);
            if (st != PlannedRunState::Finished && st != PlannedRunState::Failed) {
                pending = true;
                continue;
            }
            if (st == PlannedRunState::Failed)
                continue;
            const double score = selectionScore(plan_.runs[i].run_dir, spec_.lr.select_by);
            sel.scores.emplace_back(lr, spec_.lr.select_by == "perplexity" ? -score : score);
            if (std::isfinite(score) && score > best) {
                best = score;
                sel.lr = lr;
            }
        }
        if (pending) {
            sel.lr = 0.0;
            plan_.settled = false;
            plan_.selections.push_back(sel);
            return {grid->second[0], runs};
        }
        if (sel.lr == 0.0 && !sel.scores.empty()) {
            // Every selection run that finished has no finite score: nothing to choose by.
            sel.lr = grid->second[0];
            plan_.notes.push_back(task.name + ": no " + method + " selection run gave a finite " +
                                  spec_.lr.select_by + "; the first candidate lr " +
                                  betaText(sel.lr) + " is used");
        } else if (sel.lr == 0.0) {
            // Every selection run failed: the stage runs wait on them and fail with them.
            plan_.selections.push_back(sel);
            return {grid->second[0], runs};
        }
        plan_.selections.push_back(sel);
        return {sel.lr, {}};
    }

    void planRecipe(const StudyTask& task, const std::string& recipe) {
        const std::vector<std::string> methods = recipeMethods(recipe);
        const bool uses_beta = std::any_of(methods.begin(), methods.end(),
                                           [](const std::string& m) { return m != "mle"; });
        const std::vector<double> betas = uses_beta ? spec_.betas : std::vector<double>{0.0};
        for (double beta : betas) {
            for (uint64_t seed : spec_.seeds) {
                PlannedCell cell{task.name, task.regime, recipe, beta, seed, {}, {}};
                std::optional<std::size_t> prev;
                std::string chain = task.name;
                for (std::size_t k = 0; k < methods.size(); ++k) {
                    const std::string& m = methods[k];
                    const LrChoice& lr = lrs_.at(m);
                    // MLE ignores beta: its stage is one run for every beta of the study.
                    const double stage_beta = m == "mle" ? 0.1 : beta;
                    chain += "-" + m + (m == "mle" ? "" : "-b" + betaText(beta));
                    RunConfig c = common(task.data, seed);
                    c.name = chain + "-s" + std::to_string(seed);
                    c.stages = {stage(m, stage_beta, spec_.steps, lr.lr)};
                    chooseReference(c.stages[0], c);
                    std::string label = task.name + ": " + recipe +
                                        (uses_beta ? " b" + betaText(beta) : "") + " s" +
                                        std::to_string(seed);
                    if (methods.size() > 1)
                        label += " (stage " + std::to_string(k + 1) + ")";
                    const std::size_t i = prev ? add(PlannedRunKind::Stage, label, std::move(c),
                                                     prev, task_hash_, lr.waiting_on)
                                               : addFromBase(PlannedRunKind::Stage, label,
                                                             std::move(c), lr.waiting_on);
                    cell.runs.push_back(i);
                    cell.stage_lr.push_back(lr.lr);
                    prev = i;
                }
                plan_.cells.push_back(std::move(cell));
            }
        }
    }

    const StudySpec& spec_;
    fs::path runs_dir_;
    StudyPlan plan_;
    std::vector<std::string> hashes_;  // per planned run
    std::optional<std::size_t> base_;
    std::string task_hash_;
    std::map<std::string, LrChoice> lrs_;
};

}  // namespace

StudyPlan planStudy(const StudySpec& spec, const std::string& studies_dir) {
    return Planner(spec, studies_dir).make();
}

}  // namespace rgpb
