// The plan and the runner, with a fake executor that writes summary.json instead of training:
// shared stages and the base are planned (and run) once, resume reruns only what did not finish,
// learning rates are selected on the validation split and used by the stage runs, matched cells
// share base and seed, a failed run fails only the cells that depend on it.
#include <QtTest>

#include "tests/support/TestMain.h"

#include <QTemporaryDir>
#include <algorithm>
#include <deque>
#include <filesystem>
#include <functional>
#include <map>
#include <set>

#include "core/run/RunStore.h"
#include "core/study/StudyPlan.h"
#include "core/study/StudyResults.h"
#include "core/study/StudyRunner.h"
#include "core/util/SafeFile.h"

// This file's code has its own namespace: the group's tests build as one unity batch.
namespace rgpb_test_study_plan {

using namespace rgpb;
namespace fs = std::filesystem;

const char* kPlanSpec =
    "name: plan\n"
    "run: {model: {size: micro}, optimizer: {lr: 0.002}}\n"
    "base: {pretrain: {data: {source: synthetic-text}, steps: 30}}\n"
    "tasks:\n"
    "  - {name: low, data: {source: synthetic, synthetic: {regime: context-contrast}}}\n"
    "recipes: [mle, dpo, exmate, mle -> dpo, mle -> exmate, exmate -> dpo]\n"
    "betas: [0.5, 1]\n"
    "seeds: [1, 2, 3]\n"
    "steps: 20\n";

// Instead of training: writes the run's config.yaml and a summary (finished unless `fail` says
// otherwise, with metrics from `metrics`), or a measurement's summary.json.
class FakeExecutor : public StudyExecutor {
public:
    std::function<NamedValues(const PlannedRun&)> metrics = [](const PlannedRun&) {
        return NamedValues{{"eval/agility", 0.1}, {"eval/perplexity", 5.0}};
    };
    std::function<bool(const PlannedRun&)> fail = [](const PlannedRun&) { return false; };
    std::size_t stop_after = 0;  // ask to stop after this many starts (0: never)
    std::vector<PlannedRun> started;

    void start(const PlannedRun& run) override {
        started.push_back(run);
        if (run.kind == PlannedRunKind::Measure) {
            writeFileAtomic(run.run_dir + "/summary.json",
                            "{\"info_diff_log10_median\": -2.5, \"grad_diff\": []}\n");
        } else {
            writeFileAtomic(run.run_dir + "/config.yaml", toYaml(run.config));
            RunSummary s;
            s.dir = run.run_dir;
            s.status = fail(run) ? RunStatus::Failed : RunStatus::Finished;
            s.reason = s.status == RunStatus::Failed ? "diverged (fake)" : "";
            s.wall_time_s = 2.0;
            s.final_metrics = metrics(run);
            writeSummary(run.run_dir, s);
        }
        ended_.push_back(run.run_dir);
    }
    std::string waitAny() override {
        std::string dir = ended_.front();
        ended_.pop_front();
        return dir;
    }
    bool stopRequested() const override { return stop_after && started.size() >= stop_after; }

private:
    std::deque<std::string> ended_;
};

std::size_t countKind(const std::vector<PlannedRun>& runs, PlannedRunKind kind) {
    return static_cast<std::size_t>(std::count_if(
        runs.begin(), runs.end(), [&](const PlannedRun& r) { return r.kind == kind; }));
}

const PlannedCell& findCell(const StudyPlan& plan, const std::string& recipe, double beta,
                            uint64_t seed) {
    for (const PlannedCell& c : plan.cells)
        if (c.recipe == recipe && c.beta == beta && c.seed == seed)
            return c;
    throw std::runtime_error("no cell " + recipe);
}

class TestStudyPlan : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void sharedStagesAndTheBaseArePlannedOnce() {
        QTemporaryDir tmp;
        const StudySpec spec = parseStudySpec(kPlanSpec, tmp.filePath("plan.yaml").toStdString());
        const StudyPlan plan = planStudy(spec, tmp.path().toStdString());
        // 1 base, 1 measurement; MLE: 3 (one per seed, for every beta); DPO, ExMATE: 2 betas x 3
        // seeds each; the second stages of mle -> dpo, mle -> exmate and exmate -> dpo: 6 each.
        // mle -> X reuses the MLE runs and exmate -> dpo the ExMATE runs.
        QCOMPARE(countKind(plan.runs, PlannedRunKind::Base), std::size_t(1));
        QCOMPARE(countKind(plan.runs, PlannedRunKind::Measure), std::size_t(1));
        QCOMPARE(countKind(plan.runs, PlannedRunKind::Stage), std::size_t(3 + 6 + 6 + 3 * 6));
        QCOMPARE(plan.cells.size(), std::size_t(3 + 5 * 6));
        const PlannedCell& mle = findCell(plan, "mle", 0.0, 2);
        const PlannedCell& mle_dpo = findCell(plan, "mle -> dpo", 1.0, 2);
        const PlannedCell& mle_ex = findCell(plan, "mle -> exmate", 0.5, 2);
        QCOMPARE(mle_dpo.runs[0], mle.runs[0]);
        QCOMPARE(mle_ex.runs[0], mle.runs[0]);
        QCOMPARE(findCell(plan, "exmate -> dpo", 0.5, 3).runs[0],
                 findCell(plan, "exmate", 0.5, 3).runs[0]);
        // The second stage starts from the first and depends on it; dependencies come first.
        const PlannedRun& second = plan.runs[mle_dpo.runs[1]];
        QCOMPARE(QString::fromStdString(second.config.model.from),
                 QString::fromStdString(plan.runs[mle.runs[0]].run_dir));
        QCOMPARE(QString::fromStdString(second.config.tokenizer.kind), QString("model"));
        for (std::size_t i = 0; i < plan.runs.size(); ++i)
            for (std::size_t d : plan.runs[i].depends_on)
                QVERIFY(d < i);
        // A DPO stage of 20 steps x 16 pairs sees fewer than the 2600 training pairs (3000 - 200
        // eval - 200 validation): its reference is computed per batch instead of cached for all.
        QVERIFY(second.config.stages[0].on_the_fly_reference);
        QVERIFY(!plan.runs[mle.runs[0]].config.stages[0].on_the_fly_reference);
        // Folder names: <studies>/.runs/<slug>-<16 hex digits>.
        const fs::path dir(second.run_dir);
        QCOMPARE(QString::fromStdString(dir.parent_path().string()),
                 QString::fromStdString((fs::path(tmp.path().toStdString()) / ".runs").string()));
        const std::string name = dir.filename().string();
        QVERIFY2(name.rfind("low-mle-dpo-b1-s2-", 0) == 0, name.c_str());
        QCOMPARE(name.size(), std::string("low-mle-dpo-b1-s2-").size() + 16);
    }

    void twoStudiesShareTheBaseRun() {
        QTemporaryDir tmp;
        const std::string studies = tmp.path().toStdString();
        FakeExecutor exec;
        StudySpec a = parseStudySpec(kPlanSpec, tmp.filePath("a.yaml").toStdString());
        std::string other = kPlanSpec;
        other.replace(0, 10, "name: other\n");
        other.replace(other.find("recipes: [mle, "), 15, "recipes: [");
        StudySpec b = parseStudySpec(other, tmp.filePath("b.yaml").toStdString());
        writeFileAtomic(a.source, kPlanSpec);
        writeFileAtomic(b.source, other);
        StudyRunOutcome ra = runStudy(a, studies, exec, {}, {});
        QCOMPARE(ra.runs_finished, ra.runs_total);
        QVERIFY(ra.failed_cells.empty());
        const std::size_t after_a = exec.started.size();
        QCOMPARE(countKind(exec.started, PlannedRunKind::Base), std::size_t(1));
        StudyRunOutcome rb = runStudy(b, studies, exec, {}, {});
        QCOMPARE(rb.runs_finished, rb.runs_total);
        // The second study trained no base; its stage runs (same as the first study's) were not
        // rerun either: only its own measurement folder was new.
        QCOMPARE(countKind(exec.started, PlannedRunKind::Base), std::size_t(1));
        QCOMPARE(exec.started.size() - after_a, std::size_t(1));
        QCOMPARE(exec.started.back().kind, PlannedRunKind::Measure);
    }

    void resumeRunsOnlyTheUnfinishedRuns() {
        QTemporaryDir tmp;
        const std::string studies = tmp.path().toStdString();
        StudySpec spec = parseStudySpec(kPlanSpec, tmp.filePath("s.yaml").toStdString());
        writeFileAtomic(spec.source, kPlanSpec);
        // Interrupted after 10 starts: the 10th run was killed mid-way (summary "running", no
        // lock held) and the rest never started.
        FakeExecutor first;
        first.stop_after = 10;
        first.fail = [&](const PlannedRun&) { return false; };
        StudyRunOutcome r1 = runStudy(spec, studies, first, {}, {});
        QVERIFY(r1.stopped);
        QCOMPARE(first.started.size(), std::size_t(10));
        RunSummary killed = readSummary(first.started.back().run_dir);
        killed.status = RunStatus::Running;
        writeSummary(first.started.back().run_dir, killed);

        StudyPlan plan = planStudy(spec, studies);
        QCOMPARE(plannedRunState(plan, 0), PlannedRunState::Finished);  // the base
        std::set<std::string> unfinished;
        for (std::size_t i = 0; i < plan.runs.size(); ++i)
            if (plannedRunState(plan, i) != PlannedRunState::Finished)
                unfinished.insert(plan.runs[i].run_dir);
        QCOMPARE(unfinished.size(), plan.runs.size() - 9);

        FakeExecutor second;
        StudyRunOptions resume;
        resume.retry_failed = true;
        StudyRunOutcome r2 = runStudy(spec, studies, second, resume, {});
        std::set<std::string> rerun;
        for (const PlannedRun& run : second.started)
            rerun.insert(run.run_dir);
        QCOMPARE(rerun, unfinished);  // the interrupted run and the ones never started, only
        QCOMPARE(second.started.size(), unfinished.size());
        QCOMPARE(r2.runs_finished, r2.runs_total);
        QCOMPARE(r2.cells_finished, r2.cells_total);
    }

    void learningRatesAreSelectedOnTheValidationSplit() {
        QTemporaryDir tmp;
        std::string text = kPlanSpec;
        text +=
            "lr: {grid: {mle: [0.001, 0.003, 0.01], dpo: [0.0001, 0.0003]}, "
            "validation_pairs: 40, seed: 9}\n";
        StudySpec spec = parseStudySpec(text, tmp.filePath("s.yaml").toStdString());
        writeFileAtomic(spec.source, text);
        const std::string studies = tmp.path().toStdString();
        // Before any selection run ends, stage runs of the selected methods wait for them.
        StudyPlan before = planStudy(spec, studies);
        QVERIFY(!before.settled);
        QCOMPARE(countKind(before.runs, PlannedRunKind::Selection), std::size_t(3 + 2));
        for (const PlannedRun& r : before.runs) {
            if (r.kind == PlannedRunKind::Base)
                continue;  // pretrained on text, not on the task's pairs
            QCOMPARE(r.config.data.validation_pairs, int64_t(40));  // one train set everywhere
            QCOMPARE(QString::fromStdString(r.config.eval.split),
                     QString(r.kind == PlannedRunKind::Selection ? "validation" : "eval"));
            if (r.kind == PlannedRunKind::Selection) {
                QCOMPARE(r.config.seed, uint64_t(9));
                if (r.config.stages[0].beta())  // DPO: the middle beta; MLE has none
                    QCOMPARE(*r.config.stages[0].beta(), 1.0);
                QCOMPARE(QString::fromStdString(r.config.model.from),
                         QString::fromStdString(before.runs[0].run_dir));
            }
        }
        // Validation agility peaks at mle 0.003 and dpo 0.0001; the eval split is never asked
        // for: a selection run is given validation metrics only.
        FakeExecutor exec;
        exec.metrics = [](const PlannedRun& r) {
            const double lr = *r.config.stages[0].lr;
            const double agility = lr == 0.003 || lr == 0.0001 ? 0.3 : lr == 0.01 ? 0.2 : 0.1;
            return NamedValues{{"eval/agility", agility}};
        };
        runStudy(spec, studies, exec, {}, {});
        StudyPlan after = planStudy(spec, studies);
        QVERIFY(after.settled);
        for (const PlannedCell& c : after.cells) {
            const std::vector<std::string> methods = recipeMethods(c.recipe);
            for (std::size_t k = 0; k < methods.size(); ++k) {
                const double want = methods[k] == "mle"   ? 0.003
                                    : methods[k] == "dpo" ? 0.0001
                                                          : 0.002;  // exmate: run.optimizer.lr
                QCOMPARE(c.stage_lr[k], want);
                QCOMPARE(*after.runs[c.runs[k]].config.stages[0].lr, want);
            }
        }
        // Every stage run started after the selection runs of its methods had finished.
        std::map<std::string, std::size_t> order;
        for (std::size_t i = 0; i < exec.started.size(); ++i)
            order[exec.started[i].run_dir] = i;
        for (const PlannedRun& r : after.runs)
            for (std::size_t d : r.depends_on)
                QVERIFY(order.at(after.runs[d].run_dir) < order.at(r.run_dir));
        // study.json records the choice and every candidate's validation score.
        StudyResults res = loadStudyResults(after.study_dir);
        QCOMPARE(res.selections.size(), std::size_t(2));
        QCOMPARE(QString::fromStdString(res.selections[0].method), QString("mle"));
        QCOMPARE(res.selections[0].lr, 0.003);
        QCOMPARE(res.selections[0].scores.size(), std::size_t(3));
        QCOMPARE(res.selections[0].scores[2], std::make_pair(0.01, 0.2));
    }

    void matchedCellsShareBaseSeedAndEvalSet() {
        QTemporaryDir tmp;
        StudySpec spec = parseStudySpec(kPlanSpec, tmp.filePath("s.yaml").toStdString());
        const StudyPlan plan = planStudy(spec, tmp.path().toStdString());
        const std::string base = plan.runs[0].run_dir;
        for (const PlannedCell& c : plan.cells) {
            const PlannedRun& first = plan.runs[c.runs[0]];
            QCOMPARE(QString::fromStdString(first.config.model.from), QString::fromStdString(base));
            for (std::size_t i : c.runs) {
                QCOMPARE(plan.runs[i].config.seed, c.seed);
                QCOMPARE(plan.runs[i].config.data_seed, int64_t(1));  // one eval set
            }
        }
    }

    void aFailedRunFailsOnlyTheCellsThatNeedIt() {
        QTemporaryDir tmp;
        StudySpec spec = parseStudySpec(kPlanSpec, tmp.filePath("s.yaml").toStdString());
        writeFileAtomic(spec.source, kPlanSpec);
        FakeExecutor exec;
        // The MLE stage of seed 2 diverges: "mle" s2 and the mle -> X cells of seed 2 fail.
        exec.fail = [](const PlannedRun& r) {
            return r.config.seed == 2 && r.config.stages[0].objective.describe() == "mle";
        };
        StudyRunOutcome out = runStudy(spec, tmp.path().toStdString(), exec, {}, {});
        QCOMPARE(out.failed_cells.size(), std::size_t(1 + 2 + 2));
        QVERIFY2(out.failed_cells[0].find("low: mle s2: ") == 0, out.failed_cells[0].c_str());
        QVERIFY2(out.failed_cells[0].find("diverged (fake)") != std::string::npos,
                 out.failed_cells[0].c_str());
        QCOMPARE(out.cells_finished, out.cells_total - 5);
        // The results carry each cell's status, reason, summed wall time and last metrics.
        StudyResults res = loadStudyResults(tmp.filePath("plan").toStdString());
        QCOMPARE(res.cells.size(), out.cells_total);
        int failed = 0;
        for (const StudyCellResult& c : res.cells) {
            if (c.status == RunStatus::Failed) {
                ++failed;
                QCOMPARE(c.seed, uint64_t(2));
                continue;
            }
            QCOMPARE(c.status, RunStatus::Finished);
            QCOMPARE(c.wall_time_s, 2.0 * static_cast<double>(c.run_dirs.size()));
            QCOMPARE(c.final_metrics.size(), std::size_t(2));
        }
        QCOMPARE(failed, 5);
        QCOMPARE(res.measures.size(), std::size_t(1));
        QCOMPARE(res.measures[0].info_diff_log10_median, -2.5);
        QVERIFY(!res.provenance.started_at.empty());
        QVERIFY(res.provenance.finished_at.empty());  // not every run finished
    }
};

RGPB_TEST_MAIN(TestStudyPlan)
}  // namespace rgpb_test_study_plan
#include "test_study_plan.moc"
