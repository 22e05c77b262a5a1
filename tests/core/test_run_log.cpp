// Each run's train.log holds that run's records only, even when two runs train at once in one
// process (as the workbench's queue runs them), and is on disk while the run goes; records sent
// to listeners name the run they belong to.
#include <QtTest>

#include "tests/support/TestMain.h"

#include <spdlog/spdlog.h>
#include <QTemporaryDir>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "core/config/RunConfig.h"
#include "core/train/Trainer.h"
#include "core/util/Log.h"

// This file's code has its own namespace: the group's tests build as one unity batch.
namespace rgpb_test_run_log {

using namespace rgpb;
namespace fs = std::filesystem;

namespace {

std::string readText(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

// A short MLE run on the micro model whose stage is named `name` (its log lines say "'name'").
std::string tinyConfig(const std::string& name) {
    return "name: " + name +
           "\nseed: 5\nthreads: 1\n"
           "data: {synthetic: {count: 48, regime: response-contrast}, eval_pairs: 8, "
           "max_length: 48, max_prompt_length: 32}\n"
           "model: {size: micro}\n"
           "optimizer: {lr: 1.0e-3, warmup_steps: 1, batch_size: 4}\n"
           "eval: {every: 2, batch_size: 8}\n"
           "stages:\n  - {name: " +
           name + "_stage, method: mle, steps: 6}\n";
}

// Holds each run at its start until both have started, so their logging overlaps for sure.
class StartGate {
public:
    explicit StartGate(int runs) : waiting_(runs) {}
    bool arriveAndWait() {
        std::unique_lock<std::mutex> lock(mutex_);
        if (--waiting_ == 0)
            all_.notify_all();
        return all_.wait_for(lock, std::chrono::seconds(120), [this] { return waiting_ == 0; });
    }

private:
    std::mutex mutex_;
    std::condition_variable all_;
    int waiting_;
};

struct GatedRun : TrainingObserver {
    GatedRun(StartGate& g, fs::path log) : gate(g), log_path(std::move(log)) {}
    StartGate& gate;
    fs::path log_path;
    bool gate_passed = false;
    bool first_eval_seen = false;
    std::string log_at_first_eval;  // train.log as the first evaluation found it on disk
    void onStart(const RunStartInfo&) override { gate_passed = gate.arriveAndWait(); }
    void onEval(const EvalReport&) override {
        if (first_eval_seen)
            return;
        first_eval_seen = true;
        log_at_first_eval = readText(log_path);
    }
};

}  // namespace

class TestRunLog : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void concurrentRunsKeepTheirOwnLogs() {
        QTemporaryDir tmp;
        const std::string names[2] = {"alpha", "bravo"};
        std::string dirs[2];
        for (int i = 0; i < 2; ++i)
            dirs[i] = tmp.filePath(QString::fromStdString("run-" + names[i])).toStdString();

        std::mutex records_mutex;
        std::vector<log::Record> records;
        const int listener = log::addListener([&](const log::Record& r) {
            std::lock_guard<std::mutex> lock(records_mutex);
            records.push_back(r);
        });

        StartGate gate(2);
        std::vector<std::unique_ptr<GatedRun>> observers;
        RunSummary summaries[2];
        std::vector<std::thread> threads;
        for (int i = 0; i < 2; ++i)
            observers.push_back(std::make_unique<GatedRun>(gate, fs::path(dirs[i]) / "train.log"));
        for (int i = 0; i < 2; ++i) {
            threads.emplace_back([&, i] {
                TrainerOptions o;
                o.run_dir = dirs[i];
                Trainer t(parseRunConfig(tinyConfig(names[i]), names[i] + ".yaml"), o);
                RunControl control;
                summaries[i] = t.run(*observers[static_cast<std::size_t>(i)], control);
            });
        }
        for (std::thread& t : threads)
            t.join();
        log::removeListener(listener);

        for (int i = 0; i < 2; ++i) {
            const int other = 1 - i;
            const GatedRun& obs = *observers[static_cast<std::size_t>(i)];
            QCOMPARE(summaries[i].status, RunStatus::Finished);
            QVERIFY2(obs.gate_passed, "the two runs did not train at the same time");
            const std::string own_stage = "'" + names[i] + "_stage'";
            const std::string other_stage = "'" + names[other] + "_stage'";
            const std::string text = readText(fs::path(dirs[i]) / "train.log");
            QVERIFY2(text.find(dirs[i]) != std::string::npos, text.c_str());
            QVERIFY2(text.find(own_stage) != std::string::npos, text.c_str());
            QVERIFY2(text.find(dirs[other]) == std::string::npos, text.c_str());
            QVERIFY2(text.find(other_stage) == std::string::npos, text.c_str());
            // Written as the run goes: the stage's first line is on disk by its first evaluation.
            QVERIFY(obs.first_eval_seen);
            QVERIFY2(
                obs.log_at_first_eval.find(own_stage) != std::string::npos,
                ("train.log at the first evaluation: '" + obs.log_at_first_eval + "'").c_str());
        }

        // Listeners get every record with the run it was logged for.
        int tagged[2] = {0, 0};
        for (const log::Record& r : records) {
            for (int i = 0; i < 2; ++i) {
                if (r.message.find("'" + names[i] + "_stage'") != std::string::npos) {
                    QCOMPARE(QString::fromStdString(r.run), QString::fromStdString(dirs[i]));
                    ++tagged[i];
                }
            }
        }
        QVERIFY(tagged[0] > 0 && tagged[1] > 0);
        QCOMPARE(QString::fromStdString(log::currentRun()), QString());
    }

    void runScopesNestAndFilterFiles() {
        QTemporaryDir tmp;
        const std::string all = tmp.filePath("all.log").toStdString();
        const std::string only_a = tmp.filePath("a.log").toStdString();
        const int all_id = log::addFile(all);
        const int a_id = log::addFile(only_a, "runs/a");
        auto logger = log::get("test");
        logger->info("outside");
        {
            log::RunScope a("runs/a");
            logger->info("inside a");
            {
                log::RunScope b("runs/b");
                QCOMPARE(QString::fromStdString(log::currentRun()), QString("runs/b"));
                logger->info("inside b");
            }
            QCOMPARE(QString::fromStdString(log::currentRun()), QString("runs/a"));
            logger->info("back in a");
        }
        QCOMPARE(QString::fromStdString(log::currentRun()), QString());
        log::removeFile(all_id);
        log::removeFile(a_id);
        const std::string a_text = readText(only_a), all_text = readText(all);
        QVERIFY(a_text.find("inside a") != std::string::npos);
        QVERIFY(a_text.find("back in a") != std::string::npos);
        QVERIFY(a_text.find("inside b") == std::string::npos);
        QVERIFY(a_text.find("outside") == std::string::npos);
        for (const char* line : {"outside", "inside a", "inside b", "back in a"})
            QVERIFY2(all_text.find(line) != std::string::npos, line);
    }
};

RGPB_TEST_MAIN(TestRunLog)
}  // namespace rgpb_test_run_log
#include "test_run_log.moc"
