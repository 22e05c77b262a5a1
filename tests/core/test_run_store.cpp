// The run store's files: atomic writes, summaries, run listing (including runs whose process
// died), metrics files and their truncation on resume, and the learning-rate schedule.
#include <QtTest>

#include "tests/support/TestMain.h"

#include <QTemporaryDir>
#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>

#include "core/run/RunStore.h"
#include "core/train/DataOrder.h"
#include "core/train/LrSchedule.h"
#include "core/util/Error.h"
#include "core/util/SafeFile.h"
#include "tests/support/Approx.h"
#include "tests/support/ErrorText.h"

// This file's code has its own namespace: the group's tests build as one unity batch.
namespace rgpb_test_run_store {

using namespace rgpb;
using rgpb::test::contains;
using rgpb::test::messageOf;
namespace fs = std::filesystem;

class TestRunStore : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void runStatusIsTextOnlyAtTheFileEdge() {
        for (RunStatus st : {RunStatus::Queued, RunStatus::Running, RunStatus::Paused,
                             RunStatus::Finished, RunStatus::Failed, RunStatus::Cancelled})
            QCOMPARE(parseRunStatus(runStatusName(st)), std::optional<RunStatus>(st));
        QCOMPARE(QString(runStatusName(RunStatus::Cancelled)), QString("cancelled"));
        QVERIFY(!parseRunStatus("Finished"));
        QVERIFY(isActive(RunStatus::Paused) && !isActive(RunStatus::Failed));
        // A summary whose status is no run status is refused with the file and what is allowed.
        QTemporaryDir tmp;
        QFile f(tmp.filePath("summary.json"));
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write("{\"status\": \"done\"}");
        f.close();
        try {
            readSummary(tmp.path().toStdString());
            QFAIL("an unknown status was accepted");
        } catch (const InputError& e) {
            QVERIFY2(QString(e.what()).contains("unknown run status 'done'"), e.what());
        }
    }

    void atomicWriteReplacesWholeFile() {
        QTemporaryDir tmp;
        std::string p = tmp.filePath("a/b/file.txt").toStdString();
        writeFileAtomic(p, "first");
        writeFileAtomic(p, "second");
        QCOMPARE(QString::fromStdString(readFile(p)), QString("second"));
        QCOMPARE(QDir(tmp.filePath("a/b")).entryList(QDir::Files), QStringList{"file.txt"});
        QVERIFY_THROWS_EXCEPTION(InputError, readFile(tmp.filePath("missing").toStdString()));
    }

    void readAndCreateFailuresSayWhy() {
        QTemporaryDir tmp;
        const std::string missing = tmp.filePath("missing.yaml").toStdString();
        auto m = messageOf<InputError>([&] { readFile(missing); });
        QVERIFY2(contains(m, missing) && contains(m, "No such file or directory"), m.c_str());
        // A folder given where a file is expected is not "an empty file".
        m = messageOf<InputError>([&] { readFile(tmp.path().toStdString()); });
        QVERIFY2(contains(m, "is a folder"), m.c_str());
        // A runs folder that cannot exist (a file is in the way) names the reason.
        const std::string blocker = tmp.filePath("file").toStdString();
        writeFileAtomic(blocker, "x");
        m = messageOf<Error>([&] { createRunDir(blocker, "run"); });
        QVERIFY2(contains(m, blocker) && (contains(m, "Not a directory") || contains(m, "exists")),
                 m.c_str());
        m = messageOf<Error>([&] { createRunDir(blocker + "/sub", "run"); });
        QVERIFY2(contains(m, "Not a directory"), m.c_str());
    }

    void summariesAndListing() {
        QTemporaryDir tmp;
        std::string runs = tmp.path().toStdString();
        std::string a = createRunDir(runs, "exmate beta/0.5");
        QVERIFY(fs::path(a).filename().string().rfind("exmate_beta_0.5-", 0) == 0);
        std::string b = createRunDir(runs, "exmate beta/0.5");
        QVERIFY(a != b);
        RunSummary s;
        s.name = "x";
        s.status = RunStatus::Finished;
        s.started_at = "2026-01-01T00:00:00Z";
        s.final_metrics = {{"eval/perplexity", 12.5}, {"eval/agility", NAN}};
        writeSummary(a, s);
        RunSummary r = readSummary(a);
        QCOMPARE(r.metric("eval/perplexity"), 12.5);
        QVERIFY(std::isnan(r.metric("eval/agility")));
        // A run that claims to be running but holds no live lock died: listed as failed.
        s.status = RunStatus::Running;
        s.started_at = "2026-01-02T00:00:00Z";
        writeSummary(b, s);
        auto list = listRuns(runs);
        QCOMPARE(list.size(), std::size_t(2));
        QCOMPARE(QString::fromStdString(list[0].dir), QString::fromStdString(b));  // newest first
        QCOMPARE(list[0].status, RunStatus::Failed);
        QVERIFY(QString::fromStdString(list[0].reason).contains("interrupted"));
        // A corrupt summary names the file.
        std::ofstream(fs::path(a) / "summary.json") << "{not json";
        try {
            readSummary(a);
            QFAIL("no error");
        } catch (const InputError& e) {
            QVERIFY(QString(e.what()).contains("summary.json"));
        }
        // ... and the run is still listed, as damaged with that reason; so is an empty one.
        std::string c = createRunDir(runs, "empty");
        std::ofstream(fs::path(c) / "summary.json").flush();
        list = listRuns(runs);
        QCOMPARE(list.size(), std::size_t(3));
        for (const std::string& damaged : {a, c}) {
            const auto it = std::find_if(list.begin(), list.end(),
                                         [&](const RunSummary& r) { return r.dir == damaged; });
            QVERIFY(it != list.end());
            QCOMPARE(it->status, RunStatus::Failed);
            QVERIFY2(QString::fromStdString(it->reason).startsWith("damaged: ") &&
                         QString::fromStdString(it->reason).contains("summary.json"),
                     it->reason.c_str());
            QCOMPARE(it->id, fs::path(damaged).filename().string());
        }
    }

    void runColoursAreStoredAndDistinct() {
        QTemporaryDir tmp;
        std::string runs = tmp.path().toStdString();
        // Every new run folder gets the next palette colour no listed run uses, in run.json.
        std::string a = createRunDir(runs, "a");
        std::string b = createRunDir(runs, "b");
        const auto& palette = runColorPalette();
        QCOMPARE(readRunColor(a), palette[0]);
        QCOMPARE(readRunColor(b), palette[1]);
        QVERIFY(QString::fromStdString(readFile(a + "/run.json")).contains("\"#1f77b4\""));
        // A freed colour is taken again; the colour survives (listRuns reads it back).
        writeRunColor(a, palette[2]);
        std::string c = createRunDir(runs, "c");
        QCOMPARE(readRunColor(c), palette[0]);
        RunSummary s;
        s.status = RunStatus::Finished;
        writeSummary(c, s);
        QCOMPARE(listRuns(runs).front().color, palette[0]);
        // A run made before colours existed gets one on first use, and keeps it.
        fs::remove(fs::path(b) / "run.json");
        QCOMPARE(assignRunColor(b), palette[1]);
        QCOMPARE(assignRunColor(b), palette[1]);
        // All taken: the least used one.
        std::vector<std::string> all(palette.begin(), palette.end());
        all.push_back(palette[0]);
        QCOMPARE(nextRunColor(all), palette[1]);
        // Bad colours are refused, naming the file.
        std::ofstream(fs::path(a) / "run.json") << "{\"color\": \"red\"}";
        try {
            readRunColor(a);
            QFAIL("a bad colour was accepted");
        } catch (const InputError& e) {
            QVERIFY2(
                QString(e.what()).contains("run.json") && QString(e.what()).contains("#rrggbb"),
                e.what());
        }
        QVERIFY_THROWS_EXCEPTION(Error, writeRunColor(a, "blue"));
    }

    void metricsFilesAndTruncation() {
        QTemporaryDir tmp;
        std::string dir = tmp.path().toStdString();
        {
            MetricsLog log(dir);
            for (int step = 1; step <= 5; ++step)
                log.write(step, 0, "train", {{"loss", 1.0 / step}});
            log.write(5, 0, "eval", {{"perplexity", 3.0}, {"agility", INFINITY}});
        }
        auto events = readMetrics(dir);
        QCOMPARE(events.size(), std::size_t(6));
        QCOMPARE(events[1].values[0].second, 0.5);
        QVERIFY(std::isnan(events[5].values[1].second));  // non-finite written as null
        MetricsLog::truncateAfter(dir, 3);
        events = readMetrics(dir);
        QCOMPARE(events.size(), std::size_t(3));
        QCOMPARE(events.back().step, int64_t(3));
        std::string csv = readFile((fs::path(dir) / "metrics.csv").string());
        QCOMPARE(QString::fromStdString(csv),
                 QString("step,stage,split,metric,value\n1,0,train,loss,1\n2,0,train,loss,0.5\n"
                         "3,0,train,loss,0.333333333\n"));
        // A torn last line (a process killed mid-write) is dropped, so the run can resume...
        std::ofstream(fs::path(dir) / "metrics.jsonl", std::ios::app) << "{\"step\": 4, \"sta";
        QCOMPARE(readMetrics(dir).size(), std::size_t(3));
        // ...but a malformed line with more after it is corruption, reported with its line.
        std::ofstream(fs::path(dir) / "metrics.jsonl", std::ios::app)
            << "\n{\"step\": 5, \"stage\": 0, \"split\": \"train\"}\n";
        try {
            readMetrics(dir);
            QFAIL("no error");
        } catch (const InputError& e) {
            QVERIFY2(QString(e.what()).contains("metrics.jsonl:4"), e.what());
        }
    }

    void evalPairsRoundTripAndErrors() {
        QTemporaryDir tmp;
        std::string dir = tmp.path().toStdString();
        QCOMPARE(readEvalPairs(dir).pairs.size(), std::size_t(0));  // none yet: not an error
        EvalPairs e{
            75, 1, {{-1.0 / 3.0, 7, -12.345678901234567, 9, {}, {}}, {-0.1, 1, -2, 2, {}, {}}}};
        writeEvalPairs(dir, e);
        EvalPairs back = readEvalPairs(dir);
        QCOMPARE(back.step, int64_t(75));
        QCOMPARE(back.stage, 1);
        QCOMPARE(back.pairs.size(), std::size_t(2));
        QCOMPARE(back.pairs[0].s_pos, -1.0 / 3.0);  // 17 digits: exact
        QCOMPARE(back.pairs[0].s_neg, -12.345678901234567);
        QCOMPARE(back.pairs[1].t_neg, 2.0);
        std::ofstream(fs::path(dir) / "eval_pairs.csv", std::ios::app) << "75,1,2,-1,x,-1,1\n";
        try {
            readEvalPairs(dir);
            QFAIL("no error");
        } catch (const InputError& err) {
            QVERIFY2(QString(err.what()).contains("eval_pairs.csv:4") &&
                         QString(err.what()).contains("column 5"),
                     err.what());
        }
    }

    void learningRateSchedule() {
        // Warmup 10 to peak 1e-3: step 5 -> 5e-4. Cosine over steps 11..110 down to 0.1 * peak:
        // at the midpoint (step 60.5) 0.55e-3; at the last step 1e-4.
        QCOMPARE(learningRateAt(5, 110, 1e-3, 10, "cosine", 0.1), 5e-4);
        QCOMPARE(learningRateAt(11, 110, 1e-3, 10, "cosine", 0.1), 1e-3);
        RGPB_COMPARE_NEAR(learningRateAt(110, 110, 1e-3, 10, "cosine", 0.1), 1e-4, 1e-15);
        double mid = 0.5 * (learningRateAt(60, 110, 1e-3, 10, "cosine", 0.1) +
                            learningRateAt(61, 110, 1e-3, 10, "cosine", 0.1));
        RGPB_COMPARE_NEAR(mid, 0.55e-3, 1e-6);
        QCOMPARE(learningRateAt(50, 110, 1e-3, 10, "constant", 0.1), 1e-3);
    }

    void dataOrderIsAPermutationAndResumable() {
        DataOrder a(42, 10);
        auto first = a.next(10);
        std::vector<std::size_t> sorted = first;
        std::sort(sorted.begin(), sorted.end());
        for (std::size_t i = 0; i < 10; ++i)
            QCOMPARE(sorted[i], i);
        auto more = a.next(7);  // wraps into epoch 1
        QCOMPARE(a.epoch(), int64_t(1));
        QVERIFY(more != std::vector<std::size_t>(first.begin(), first.begin() + 7));
        DataOrder b(42, 10, a.epoch(), a.cursor());
        QCOMPARE(b.next(5), a.next(5));
        DataOrder c(43, 10);
        QVERIFY(c.next(10) != first);
    }

    // data.batch_order: by-length: every pair once per epoch, batches of similar length, a
    // seeded order, exact on resume.
    void dataOrderByLengthGroupsBatches() {
        const std::size_t n = 1000, batch = 8;
        std::vector<int> lengths(n);
        for (std::size_t i = 0; i < n; ++i)
            lengths[i] = static_cast<int>((i * 7919) % 97) + 3;  // 3..99, scattered
        DataOrder a(5, lengths, batch);
        const auto epoch = a.next(n);
        std::vector<std::size_t> sorted = epoch;
        std::sort(sorted.begin(), sorted.end());
        for (std::size_t i = 0; i < n; ++i)
            QCOMPARE(sorted[i], i);
        // Padding: a batch pads to its longest pair. Shuffled batches of 8 from 3..99 pad
        // about half their slots; sorted windows of 256 pairs leave a spread of ~3 per batch.
        auto padFraction = [&](const std::vector<std::size_t>& order) {
            double slots = 0, real = 0;
            for (std::size_t b = 0; b + batch <= order.size(); b += batch) {
                int longest = 0;
                for (std::size_t k = b; k < b + batch; ++k) {
                    longest = std::max(longest, lengths[order[k]]);
                    real += lengths[order[k]];
                }
                slots += static_cast<double>(longest * static_cast<int>(batch));
            }
            return 1.0 - real / slots;
        };
        DataOrder shuffled(5, n);
        const double pad_shuffled = padFraction(shuffled.next(n));
        const double pad_grouped = padFraction(epoch);
        qInfo("padding: shuffled %.3f, by length %.3f", pad_shuffled, pad_grouped);
        QVERIFY(pad_shuffled > 0.3);
        QVERIFY(pad_grouped < 0.05);
        // Inside a window batches come in a shuffled order, not longest first.
        int descending = 0;
        for (std::size_t b = batch; b < DataOrder::kLengthGroupBatches * batch; b += batch)
            descending += lengths[epoch[b]] <= lengths[epoch[b - batch]] ? 1 : 0;
        QVERIFY(descending < static_cast<int>(DataOrder::kLengthGroupBatches) - 4);
        // Resumable, and seeded.
        DataOrder b(5, lengths, batch, a.epoch(), a.cursor());
        QCOMPARE(b.next(300), a.next(300));
        DataOrder c(6, lengths, batch);
        QVERIFY(c.next(n) != epoch);
    }
};

RGPB_TEST_MAIN(TestRunStore)
}  // namespace rgpb_test_run_store
#include "test_run_store.moc"
