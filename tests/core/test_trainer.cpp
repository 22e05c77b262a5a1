// The trainer end to end on the micro model and synthetic data: learning happens, the run store
// is complete, resume equals an uninterrupted run, cancel, NaN handling, staged references, and
// failures (bad data path, CUDA absent) that end as failed runs with their reason.
#include <torch/torch.h>

#include <QtTest>

#include "tests/support/TestMain.h"

#include <QTemporaryDir>
#include <algorithm>
#include <filesystem>

#include "core/config/RunConfig.h"
#include "core/run/RunStore.h"
#include "core/train/Checkpoint.h"
#include "core/train/Trainer.h"
#include "core/util/Error.h"
#include "tests/support/Approx.h"
#include "tests/support/SmallDisk.h"

// This file's code has its own namespace: the group's tests build as one unity batch.
namespace rgpb_test_trainer {

using namespace rgpb;
namespace fs = std::filesystem;

namespace {

std::string smallConfig(const std::string& stages, const std::string& extra = "") {
    return "name: t\nseed: 3\nthreads: 2\n"
           "data: {synthetic: {count: 240, regime: response-contrast}, eval_pairs: 32, max_length: "
           "64, "
           "max_prompt_length: 48}\n"
           "model: {size: micro}\n"
           "optimizer: {lr: 3.0e-3, warmup_steps: 2, batch_size: 8}\n"
           "eval: {every: 4, batch_size: 32}\n" +
           extra + "stages:\n" + stages;
}

// Records what the trainer reports.
struct Recorder : TrainingObserver {
    std::vector<StepMetrics> steps;
    std::vector<EvalReport> evals;
    std::vector<std::string> checkpoints;
    int finished = 0, failed = 0;
    RunControl* cancel_control = nullptr;
    int64_t cancel_at = -1;
    // Cancels mid-way through the first such phase after `cancel_phase_after` steps (-1: never).
    RunPhase cancel_phase = RunPhase::Preparing;
    int64_t cancel_phase_after = -1;
    int64_t steps_done = 0;
    void onPhase(const PhaseProgress& p) override {
        if (cancel_control && cancel_phase_after >= 0 && p.phase == cancel_phase &&
            steps_done >= cancel_phase_after && p.done > 0 && p.done < p.total)
            cancel_control->requestCancel();
    }
    void onStep(const StepMetrics& m) override {
        steps.push_back(m);
        steps_done = m.step;
        if (cancel_control && m.step == cancel_at)
            cancel_control->requestCancel();
    }
    void onEval(const EvalReport& r) override { evals.push_back(r); }
    void onCheckpoint(int64_t, const std::string& p) override { checkpoints.push_back(p); }
    void onFinished(const RunSummary&) override { ++finished; }
    void onFailed(const RunSummary&) override { ++failed; }
};

double namedValue(const NamedValues& values, const std::string& key) {
    for (const auto& [k, v] : values)
        if (k == key)
            return v;
    return std::nan("");
}

RunSummary runConfig(const std::string& yaml, const std::string& run_dir, Recorder& rec,
                     TrainerOptions o = {}) {
    o.run_dir = run_dir;
    Trainer t(parseRunConfig(yaml, "test.yaml"), o);
    RunControl control;
    rec.cancel_control = &control;
    return t.run(rec, control);
}

}  // namespace

class TestTrainer : public QObject {
    Q_OBJECT

private Q_SLOTS:
    // A disk that fills up at the first checkpoint: the run fails there with the reason, and
    // every file it wrote before stays whole (issue #17).
    void aFullDiskFailsTheRunAndKeepsItsFilesWhole() {
        QTemporaryDir tmp;
        test::SmallDisk disk(tmp.path().toStdString(), "3m");  // the micro model's weights: 4 MB
        if (!disk.mounted())
            QSKIP(disk.skipMessage().c_str());
        const std::string dir = tmp.filePath("run").toStdString();
        Recorder rec;
        RunSummary s = runConfig(smallConfig("  - {method: mle, steps: 40}\n",
                                             "checkpoint: {every: 10, keep_last: 2}\n"),
                                 dir, rec);
        QCOMPARE(s.status, RunStatus::Failed);
        QVERIFY2(s.reason.find("No space left on device") != std::string::npos, s.reason.c_str());
        QCOMPARE(s.step, int64_t(10));
        // What is on disk says so, and every file is whole.
        const RunSummary on_disk = readSummary(dir);
        QCOMPARE(on_disk.status, RunStatus::Failed);
        QCOMPARE(on_disk.reason, s.reason);
        const auto events = readMetrics(dir);  // an InputError on a half line
        const bool eval_at_8 = std::any_of(events.begin(), events.end(), [](const MetricEvent& e) {
            return e.split == "eval" && e.step == 8;  // the evaluation before the checkpoint
        });
        QVERIFY(eval_at_8);
        QVERIFY(events.back().step <= 10);
        for (const auto& e : fs::recursive_directory_iterator(dir)) {
            const std::string name = e.path().filename().string();
            QVERIFY2(name.find(".tmp") == std::string::npos &&
                         name.find(".partial") == std::string::npos && name != "run.lock",
                     e.path().c_str());
        }
    }

    void mleLowersPerplexityAndWritesRunStore() {
        QTemporaryDir tmp;
        std::string dir = tmp.filePath("run").toStdString();
        Recorder rec;
        RunSummary s = runConfig(smallConfig("  - {method: mle, steps: 200}\n",
                                             "checkpoint: {every: 50, keep_last: 2}\n"),
                                 dir, rec);
        QCOMPARE(s.status, RunStatus::Finished);
        QCOMPARE(rec.finished, 1);
        QCOMPARE(rec.steps.size(), std::size_t(200));
        QVERIFY(rec.evals.size() >= 2);
        double first = rec.evals.front().metrics.perplexity,
               last = rec.evals.back().metrics.perplexity;
        qInfo("eval perplexity %.3f -> %.3f over 200 steps", first, last);
        // A byte model starts near the vocabulary size (~260) and must fall well below it.
        QVERIFY2(last < 0.5 * first, qPrintable(QString("%1 -> %2").arg(first).arg(last)));
        for (const char* f : {"config.yaml", "metrics.jsonl", "metrics.csv", "train.log",
                              "summary.json", "tokenizer/rgpb_tokenizer.json"}) {
            QVERIFY2(fs::exists(fs::path(dir) / f), f);
        }
        QVERIFY(!fs::exists(fs::path(dir) / "run.lock"));
        // keep_last 2 of the checkpoints at 50, 100, 150, 200.
        std::vector<std::string> kept;
        for (auto& e : fs::directory_iterator(fs::path(dir) / "checkpoints"))
            kept.push_back(e.path().filename());
        std::sort(kept.begin(), kept.end());
        QCOMPARE(kept.size(), std::size_t(2));
        QCOMPARE(QString::fromStdString(kept.back()), QString("step-00000200"));
        RunSummary read = readSummary(dir);
        QCOMPARE(read.status, RunStatus::Finished);
        QCOMPARE(read.step, int64_t(200));
        RGPB_COMPARE_NEAR(read.metric("eval/perplexity"), last, 1e-9);
        // The last evaluation's per-pair sums are on disk; perplexity recomputed from them
        // (exp(-sum S+ / sum T+), spec section 3) is the logged one.
        EvalPairs ep = readEvalPairs(dir);
        QCOMPARE(ep.step, int64_t(200));
        QCOMPARE(ep.pairs.size(), static_cast<std::size_t>(rec.evals.back().pairs.size()));
        double s_sum = 0, t_sum = 0;
        for (const PairRecord& p : ep.pairs) {
            s_sum += p.s_pos;
            t_sum += p.t_pos;
        }
        RGPB_COMPARE_NEAR_REL(std::exp(-s_sum / t_sum), last, 1e-9);
        auto events = readMetrics(dir);
        int train = 0, eval = 0;
        for (auto& e : events)
            (e.split == "train" ? train : eval)++;
        QCOMPARE(train, 200);
        QCOMPARE(eval, static_cast<int>(rec.evals.size()));
        // The resolved config is loadable and equal.
        RunConfig saved = loadRunConfig((fs::path(dir) / "config.yaml").string());
        QCOMPARE(saved.stages[0].steps, int64_t(200));
    }

    void resumedRunEqualsUninterruptedRun() {
        const std::string yaml =
            smallConfig("  - {method: mle, steps: 6}\n  - {method: dpo, beta: 0.5, steps: 6}\n");
        QTemporaryDir tmp;
        Recorder full;
        RunSummary a = runConfig(yaml, tmp.filePath("full").toStdString(), full);
        QCOMPARE(a.status, RunStatus::Finished);

        Recorder part;
        TrainerOptions stop;
        stop.stop_after_step = 9;  // inside the DPO stage
        std::string dir = tmp.filePath("resumed").toStdString();
        RunSummary b1 = runConfig(yaml, dir, part, stop);
        QCOMPARE(b1.status, RunStatus::Cancelled);
        QCOMPARE(b1.step, int64_t(9));
        Recorder rest;
        auto trainer = Trainer::resume(dir);
        RunControl control;
        RunSummary b = trainer->run(rest, control);
        QCOMPARE(b.status, RunStatus::Finished);
        QCOMPARE(rest.steps.front().step, int64_t(10));
        // Every metric of the resumed run equals the uninterrupted one.
        for (std::size_t i = 0; i < rest.steps.size(); ++i) {
            const StepMetrics& x = full.steps[9 + i];
            const StepMetrics& y = rest.steps[i];
            QCOMPARE(y.step, x.step);
            QVERIFY2(std::abs(x.loss - y.loss) < 1e-6,
                     qPrintable(QString("step %1: %2 vs %3").arg(x.step).arg(x.loss).arg(y.loss)));
        }
        RGPB_COMPARE_NEAR(a.metric("eval/perplexity"), b.metric("eval/perplexity"), 1e-6);
        RGPB_COMPARE_NEAR(a.metric("eval/agility"), b.metric("eval/agility"), 1e-7);
        RGPB_COMPARE_NEAR(a.metric("eval/reward_margin"), b.metric("eval/reward_margin"), 1e-6);
        // The metrics files hold each step once.
        int train = 0;
        for (auto& e : readMetrics(dir))
            train += e.split == "train";
        QCOMPARE(train, 12);
    }

    // A cancel in the middle of a DPO stage's reference caching or of an evaluation still
    // checkpoints the step reached (issue #17: a scheduler's SIGTERM may come at any moment), and
    // the resume finishes what was cut (the reference, the evaluation) then trains on: the same
    // evaluations and final metrics as a run never interrupted.
    void cancelMidPhaseThenResumeEqualsUninterrupted_data() {
        QTest::addColumn<int>("phase");
        QTest::addColumn<int>("after");
        QTest::addColumn<int>("checkpoint_step");
        QTest::newRow("caching the DPO reference") << int(RunPhase::CachingReference) << 6 << 6;
        QTest::newRow("evaluating step 8") << int(RunPhase::Evaluating) << 8 << 8;
        QTest::newRow("evaluating step 0") << int(RunPhase::Evaluating) << 0 << 0;
    }

    void cancelMidPhaseThenResumeEqualsUninterrupted() {
        QFETCH(int, phase);
        QFETCH(int, after);
        QFETCH(int, checkpoint_step);
        const std::string yaml =
            smallConfig("  - {method: mle, steps: 6}\n  - {method: dpo, beta: 0.5, steps: 6}\n");
        QTemporaryDir tmp;
        // The uninterrupted run, once for all rows.
        const std::string full_dir = uninterrupted_.filePath("full").toStdString();
        if (uninterrupted_summary_.status != RunStatus::Finished) {
            Recorder full;
            uninterrupted_summary_ = runConfig(yaml, full_dir, full);
            QCOMPARE(uninterrupted_summary_.status, RunStatus::Finished);
        }
        const RunSummary& a = uninterrupted_summary_;

        const std::string dir = tmp.filePath("cut").toStdString();
        Recorder cut;
        cut.cancel_phase = static_cast<RunPhase>(phase);
        cut.cancel_phase_after = after;
        RunSummary b1 = runConfig(yaml, dir, cut);
        QCOMPARE(b1.status, RunStatus::Cancelled);
        QCOMPARE(b1.step, int64_t(checkpoint_step));
        QVERIFY2(!latestCheckpoint(dir).empty(), "a cancel mid-phase keeps a checkpoint");

        Recorder rest;
        RunControl control;
        RunSummary b = Trainer::resume(dir)->run(rest, control);
        QCOMPARE(b.status, RunStatus::Finished);
        // Every evaluation of the uninterrupted run happened once, with the same numbers.
        std::vector<std::pair<int64_t, double>> want, got;
        for (const MetricEvent& e : readMetrics(full_dir))
            if (e.split == "eval")
                want.emplace_back(e.step, namedValue(e.values, "perplexity"));
        for (const MetricEvent& e : readMetrics(dir))
            if (e.split == "eval")
                got.emplace_back(e.step, namedValue(e.values, "perplexity"));
        QCOMPARE(got.size(), want.size());
        for (std::size_t i = 0; i < want.size(); ++i) {
            QCOMPARE(got[i].first, want[i].first);
            RGPB_COMPARE_NEAR(got[i].second, want[i].second, 1e-9);
        }
        RGPB_COMPARE_NEAR(a.metric("eval/reward_margin"), b.metric("eval/reward_margin"), 1e-9);
    }

    void dpoReferenceIsTheStartOfStageModel() {
        // After an MLE stage moved the weights, a DPO stage with a negligible lr must see rewards
        // ~0: its reference is the model as the stage started, not the initial model.
        QTemporaryDir tmp;
        Recorder rec;
        RunSummary s =
            runConfig(smallConfig("  - {method: mle, steps: 12}\n"
                                  "  - {method: dpo, beta: 1.0, steps: 2, lr: 1.0e-12}\n"),
                      tmp.filePath("r").toStdString(), rec);
        QCOMPARE(s.status, RunStatus::Finished);
        const PairMetrics& m = rec.evals.back().metrics;
        QVERIFY(m.has_rewards);
        QVERIFY2(std::abs(m.reward_chosen) < 1e-3 && std::abs(m.reward_rejected) < 1e-3,
                 qPrintable(QString("%1 %2").arg(m.reward_chosen).arg(m.reward_rejected)));
        // The first DPO step's loss is -log sigmoid(0) = ln 2 exactly when policy = reference.
        QVERIFY2(std::abs(rec.steps[12].loss - std::log(2.0)) < 1e-4,
                 qPrintable(QString::number(rec.steps[12].loss)));
    }

    void cancelStopsWithCheckpoint() {
        QTemporaryDir tmp;
        Recorder rec;
        rec.cancel_at = 3;
        std::string dir = tmp.filePath("c").toStdString();
        RunSummary s =
            runConfig(smallConfig("  - {method: exmate, beta: 1.0, steps: 50}\n"), dir, rec);
        QCOMPARE(s.status, RunStatus::Cancelled);
        QCOMPARE(rec.steps.size(), std::size_t(3));
        QCOMPARE(rec.failed, 1);
        QVERIFY(!latestCheckpoint(dir).empty());
        QCOMPARE(readSummary(dir).status, RunStatus::Cancelled);
    }

    void nanStepsAreSkippedThenFail() {
        QTemporaryDir tmp;
        Recorder ok;
        TrainerOptions o;
        o.nan_loss_at_steps = {2};
        RunSummary s = runConfig(smallConfig("  - {method: ul, beta: 0.5, steps: 4}\n"),
                                 tmp.filePath("a").toStdString(), ok, o);
        QCOMPARE(s.status, RunStatus::Finished);
        QVERIFY(ok.steps[1].skipped);
        QVERIFY(!ok.steps[2].skipped);
        Recorder bad;
        o.nan_loss_at_steps = {2, 3, 4};
        std::string dir = tmp.filePath("b").toStdString();
        s = runConfig(
            smallConfig("  - {method: ul, beta: 0.5, steps: 8}\n", "max_nonfinite_steps: 3\n"), dir,
            bad, o);
        QCOMPARE(s.status, RunStatus::Failed);
        QVERIFY2(QString::fromStdString(s.reason).contains("3 steps in a row had a NaN/Inf loss"),
                 s.reason.c_str());
        QVERIFY2(QString::fromStdString(s.reason).contains("step 4"), s.reason.c_str());
        QCOMPARE(readSummary(dir).status, RunStatus::Failed);
    }

    void badDataPathFailsWithReason() {
        QTemporaryDir tmp;
        Recorder rec;
        std::string dir = tmp.filePath("bad").toStdString();
        std::string yaml =
            "data: {source: /no/such/pairs.jsonl}\nstages: [{method: mle, steps: 2}]\n";
        RunSummary s = runConfig(yaml, dir, rec);
        QCOMPARE(s.status, RunStatus::Failed);
        QVERIFY2(QString::fromStdString(s.reason).contains("/no/such/pairs.jsonl"),
                 s.reason.c_str());
        QCOMPARE(rec.failed, 1);
        RunSummary read = readSummary(dir);
        QCOMPARE(read.status, RunStatus::Failed);
    }

    void cudaAbsentFailsClearly() {
        if (torch::cuda::is_available())
            QSKIP("CUDA is available here");
        QTemporaryDir tmp;
        Recorder rec;
        RunSummary s = runConfig("device: cuda\nstages: [{method: mle, steps: 2}]\n",
                                 tmp.filePath("g").toStdString(), rec);
        QCOMPARE(s.status, RunStatus::Failed);
        QVERIFY2(QString::fromStdString(s.reason).contains("CUDA is not available"),
                 s.reason.c_str());
    }

    void lockRefusesSecondWriter() {
        QTemporaryDir tmp;
        std::string dir = tmp.path().toStdString();
        RunLock first(dir);
        QVERIFY(RunLock::isHeld(dir));
        QVERIFY_THROWS_EXCEPTION(Error, RunLock second(dir));
    }

private:
    QTemporaryDir uninterrupted_;
    RunSummary uninterrupted_summary_;
};

RGPB_TEST_MAIN(TestTrainer)
}  // namespace rgpb_test_trainer
#include "test_trainer.moc"
