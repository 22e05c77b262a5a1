// Generation on trained runs: samples.jsonl written at every evaluation (count, steps, judged,
// equal to the generator's greedy output, truncated on resume), and the comparison set of
// `rgpb compare` (comparison.json and items.jsonl fields, references of synthetic prompts,
// responses equal to what the Generator produces for each run, checkpoint selection, cancel).
#include <torch/torch.h>
#include <nlohmann/json.hpp>

#include <QtTest>

#include "tests/support/TestMain.h"

#include <QRegularExpression>
#include <QTemporaryDir>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <set>

#include "core/config/RunConfig.h"
#include "core/data/SyntheticTask.h"
#include "core/generate/Comparison.h"
#include "core/generate/Generator.h"
#include "core/generate/SampleLog.h"
#include "core/run/RunStore.h"
#include "core/train/Evaluation.h"
#include "core/train/Trainer.h"
#include "core/train/TrainingData.h"
#include "core/util/Error.h"
#include "tests/support/ErrorText.h"

// This file's code has its own namespace: the group's tests build as one unity batch.
namespace rgpb_test_comparison {

using namespace rgpb;
using rgpb::test::messageOf;
namespace fs = std::filesystem;

namespace {

std::string config(uint64_t seed, const std::string& extra = "") {
    return "name: gen\nseed: " + std::to_string(seed) +
           "\nthreads: 2\n"
           "data: {synthetic: {count: 120}, eval_pairs: 16, max_length: 64, max_prompt_length: "
           "48}\n"
           "model: {size: micro, hidden_size: 32, num_layers: 2, num_heads: 2, "
           "intermediate_size: 64}\n"
           "optimizer: {lr: 3.0e-3, warmup_steps: 1, batch_size: 8}\n"
           "eval: {every: 2, batch_size: 16, samples: 2, sample_max_new_tokens: 12}\n"
           "checkpoint: {every: 2, keep_last: 3}\n" +
           extra + "stages:\n  - {method: mle, steps: 4}\n";
}

struct SampleRecorder : TrainingObserver {
    std::vector<SamplesReport> reports;
    void onSamples(const SamplesReport& r) override { reports.push_back(r); }
};

RunSummary train(const std::string& yaml, const std::string& dir, TrainingObserver& observer,
                 TrainerOptions o = {}) {
    o.run_dir = dir;
    Trainer t(parseRunConfig(yaml, "test.yaml"), o);
    RunControl control;
    return t.run(observer, control);
}

std::vector<nlohmann::json> jsonLines(const std::string& path) {
    std::vector<nlohmann::json> out;
    std::ifstream in(path);
    for (std::string line; std::getline(in, line);)
        out.push_back(nlohmann::json::parse(line));
    return out;
}

// The JSON files hold UTF-8: a byte model's bytes that are not valid UTF-8 are written as U+FFFD.
std::string asWritten(const std::string& text) {
    return nlohmann::json::parse(
               nlohmann::json(text).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace))
        .get<std::string>();
}

std::vector<GeneratedText> generateWith(const std::string& path,
                                        const std::vector<std::string>& prompts,
                                        const GenerationSettings& s) {
    LoadedRun run = loadRun(path, torch::kCPU);
    Generator g(run.model, run.tokenizer->specials(), torch::kCPU);
    return g.generateText(*run.tokenizer, prompts, run.config.data.max_prompt_length, s);
}

}  // namespace

class TestComparison : public QObject {
    Q_OBJECT

    QTemporaryDir tmp_;
    std::string run_a_, run_b_;

private Q_SLOTS:
    void initTestCase() {
        QVERIFY(tmp_.isValid());
        run_a_ = tmp_.filePath("run-a").toStdString();
        run_b_ = tmp_.filePath("run-b").toStdString();
        SampleRecorder a, b;
        QCOMPARE(train(config(3), run_a_, a).status, RunStatus::Finished);
        QCOMPARE(train(config(4), run_b_, b).status, RunStatus::Finished);
        QCOMPARE(a.reports.size(), std::size_t(3));  // evaluations at steps 0, 2, 4
    }

    void samplesAreWrittenAtEveryEvaluation() {
        auto reports = readSamples(run_a_);
        QCOMPARE(reports.size(), std::size_t(3));
        const int64_t steps[] = {0, 2, 4};
        const RunConfig cfg = loadRunConfig(run_a_ + "/config.yaml");
        auto eval = loadPairTexts(cfg.data, cfg.dataSeed()).eval;
        for (std::size_t i = 0; i < reports.size(); ++i) {
            QCOMPARE(reports[i].step, steps[i]);
            QCOMPARE(reports[i].samples.size(), std::size_t(2));
            // The same prompts at every evaluation: the first distinct eval prompts.
            QCOMPARE(reports[i].samples[0].prompt, eval[0].prompt_pos);
            for (const GenerationSample& s : reports[i].samples) {
                QVERIFY(s.correct.has_value());  // synthetic prompts have a known answer
                PairText p;
                p.prompt_pos = s.prompt;
                QCOMPARE(*s.correct, isCorrectResponse(p, s.response));
            }
        }
        QVERIFY(reports[0].samples[1].prompt != reports[0].samples[0].prompt);
        // The last evaluation ran on the final weights: greedy generation on the final
        // checkpoint gives the same responses.
        GenerationSettings g;
        g.max_new_tokens = 12;
        auto again =
            generateWith(run_a_, {reports[2].samples[0].prompt, reports[2].samples[1].prompt}, g);
        QCOMPARE(asWritten(again[0].response), reports[2].samples[0].response);
        QCOMPARE(asWritten(again[1].response), reports[2].samples[1].response);
        // Raw lines: {step, stage, prompt, response, correct}.
        auto lines = jsonLines(run_a_ + "/samples.jsonl");
        QCOMPARE(lines.size(), std::size_t(6));
        for (const char* key : {"step", "stage", "prompt", "response", "correct"})
            QVERIFY2(lines[0].contains(key), key);
        QVERIFY(lines[0]["correct"].is_boolean());
    }

    void resumeKeepsOneSetPerEvaluation() {
        const std::string dir = tmp_.filePath("resumed").toStdString();
        SampleRecorder first;
        TrainerOptions stop;
        stop.stop_after_step = 3;
        QCOMPARE(train(config(3), dir, first, stop).status, RunStatus::Cancelled);
        // A crash after an evaluation but before the checkpoint would leave its samples: the
        // resume from step 3 must drop lines after it.
        appendSamples(dir, SamplesReport{9, 0, {GenerationSample{"x", "y", std::nullopt}}});
        auto t = Trainer::resume(dir);
        SampleRecorder second;
        RunControl control;
        QCOMPARE(t->run(second, control).status, RunStatus::Finished);
        std::vector<int64_t> steps;
        for (const SamplesReport& r : readSamples(dir))
            steps.push_back(r.step);
        QCOMPARE(steps, std::vector<int64_t>({0, 2, 4}));
    }

    void samplesOffWritesNoFile() {
        const std::string dir = tmp_.filePath("off").toStdString();
        SampleRecorder rec;
        std::string yaml = config(3);
        yaml.replace(yaml.find("samples: 2"), 10, "samples: 0");
        QCOMPARE(train(yaml, dir, rec).status, RunStatus::Finished);
        QVERIFY(rec.reports.empty());
        QVERIFY(!fs::exists(fs::path(dir) / "samples.jsonl"));
    }

    void comparisonSetOnTheEvalSplit() {
        ComparisonRequest r;
        r.run_a = run_a_;
        r.run_b = run_b_;
        r.prompts = ComparisonPrompts::EvalSplit;
        r.count = 3;
        r.generation.max_new_tokens = 10;
        r.generation.temperature = 0.8;
        r.generation.top_k = 20;
        r.generation.top_p = 0.9;
        r.generation.seed = 5;
        r.out_dir = tmp_.filePath("cmp").toStdString();
        std::vector<ComparisonProgress> progress;
        ComparisonSet set =
            runComparison(r, [&](const ComparisonProgress& p) { progress.push_back(p); });
        QVERIFY(!progress.empty());
        QCOMPARE(progress.back().model, 1);
        QCOMPARE(progress.back().generation.prompts_done, int64_t(3));

        auto meta = nlohmann::json::parse(readFile(r.out_dir + "/comparison.json"));
        QCOMPARE(meta["version"].get<int>(), 1);
        QCOMPARE(meta["models"].size(), std::size_t(2));
        QCOMPARE(meta["models"][0]["name"].get<std::string>(), std::string("run-a"));
        QCOMPARE(meta["models"][1]["name"].get<std::string>(), std::string("run-b"));
        QCOMPARE(meta["models"][0]["run"].get<std::string>(),
                 fs::absolute(run_a_).lexically_normal().string());
        QCOMPARE(meta["models"][0]["checkpoint"].get<std::string>(), std::string("final"));
        QCOMPARE(meta["generation"]["max_new_tokens"].get<int>(), 10);
        QCOMPARE(meta["generation"]["temperature"].get<double>(), 0.8);
        QCOMPARE(meta["generation"]["top_k"].get<int>(), 20);
        QCOMPARE(meta["generation"]["top_p"].get<double>(), 0.9);
        QCOMPARE(meta["generation"]["seed"].get<int>(), 5);
        QVERIFY(meta["prompt_source"].get<std::string>().find("eval split") != std::string::npos);
        QVERIFY(QRegularExpression("^\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ$")
                    .match(QString::fromStdString(meta["created"].get<std::string>()))
                    .hasMatch());

        const RunConfig cfg = loadRunConfig(run_a_ + "/config.yaml");
        std::vector<std::string> expected_prompts;
        for (const PairText& p : loadPairTexts(cfg.data, cfg.dataSeed()).eval) {
            if (std::find(expected_prompts.begin(), expected_prompts.end(), p.prompt_pos) ==
                expected_prompts.end())
                expected_prompts.push_back(p.prompt_pos);
            if (expected_prompts.size() == 3)
                break;
        }
        auto items = jsonLines(r.out_dir + "/items.jsonl");
        QCOMPARE(items.size(), std::size_t(3));
        auto a = generateWith(run_a_, expected_prompts, r.generation);
        auto b = generateWith(run_b_, expected_prompts, r.generation);
        for (std::size_t i = 0; i < items.size(); ++i) {
            const auto& it = items[i];
            QCOMPARE(it["index"].get<std::size_t>(), i);
            QCOMPARE(it["prompt"].get<std::string>(), expected_prompts[i]);
            QCOMPARE(it["reference"].get<std::string>(), *syntheticAnswer(expected_prompts[i]));
            QCOMPARE(it["responses"][0].get<std::string>(), asWritten(a[i].response));
            QCOMPARE(it["responses"][1].get<std::string>(), asWritten(b[i].response));
            QCOMPARE(it["new_tokens"][0].get<int64_t>(), a[i].new_tokens);
            QCOMPARE(it["new_tokens"][1].get<int64_t>(), b[i].new_tokens);
        }
        QCOMPARE(set.items.size(), std::size_t(3));
    }

    void comparisonFromSyntheticPromptsAndFiles() {
        ComparisonRequest r;
        r.run_a = run_a_;
        r.run_b = run_b_;
        r.prompts = ComparisonPrompts::Synthetic;
        r.count = 4;
        r.generation.max_new_tokens = 4;
        r.out_dir = tmp_.filePath("cmp-synthetic").toStdString();
        runComparison(r);
        auto items = jsonLines(r.out_dir + "/items.jsonl");
        QCOMPARE(items.size(), std::size_t(4));
        std::set<std::string> prompts;
        for (const auto& it : items) {
            prompts.insert(it["prompt"].get<std::string>());
            QCOMPARE(it["reference"].get<std::string>(),
                     *syntheticAnswer(it["prompt"].get<std::string>()));
        }
        QCOMPARE(prompts.size(), std::size_t(4));

        const std::string file = tmp_.filePath("prompts.txt").toStdString();
        std::ofstream(file) << "Hello\nHow are you?\\nAssistant:\n";
        r.prompts = ComparisonPrompts::File;
        r.prompts_file = file;
        r.count = 10;
        r.out_dir = tmp_.filePath("cmp-file").toStdString();
        r.checkpoint_b = "step-2";
        runComparison(r);
        items = jsonLines(r.out_dir + "/items.jsonl");
        QCOMPARE(items.size(), std::size_t(2));
        QVERIFY(items[0]["reference"].is_null());
        QCOMPARE(items[1]["prompt"].get<std::string>(), std::string("How are you?\nAssistant:"));
        auto meta = nlohmann::json::parse(readFile(r.out_dir + "/comparison.json"));
        QCOMPARE(meta["models"][1]["checkpoint"].get<std::string>(), std::string("step-2"));
        // Model B answered with its step-2 weights.
        auto b2 = generateWith(checkpointPath(run_b_, "step-2"), {"Hello"}, r.generation);
        QCOMPARE(items[0]["responses"][1].get<std::string>(), asWritten(b2[0].response));
    }

    void checkpointSelectionAndErrors() {
        QVERIFY(checkpointPath(run_a_, "step-4").find("step-00000004") != std::string::npos);
        QCOMPARE(checkpointPath(run_a_, "final"), run_a_);
        QCOMPARE(messageOf<InputError>([&] { checkpointPath(run_a_, "step-3"); }),
                 run_a_ + ": no checkpoint step-3 (available: step-2, step-4)");
        QVERIFY(messageOf<ArgumentError>([&] {
                    checkpointPath(run_a_, "last");
                }).find("'final' or 'step-N'") != std::string::npos);

        ComparisonRequest r;
        r.run_a = run_a_;
        r.run_b = run_b_;
        r.count = 0;
        r.out_dir = tmp_.filePath("never").toStdString();
        QVERIFY(messageOf<ArgumentError>([&] {
                    runComparison(r);
                }).find("argument 'count' must be > 0") != std::string::npos);
        r.count = 2;
        std::atomic<bool> cancel{true};
        QCOMPARE(messageOf<CancelledError>([&] { runComparison(r, {}, &cancel); }),
                 std::string("cancelled by the user"));
        QVERIFY(!fs::exists(fs::path(r.out_dir) / "items.jsonl"));
        r.prompts = ComparisonPrompts::File;
        r.prompts_file = tmp_.filePath("missing.txt").toStdString();
        QVERIFY(messageOf<InputError>([&] { runComparison(r); }).find("cannot open") !=
                std::string::npos);
    }
};

RGPB_TEST_MAIN(TestComparison)
}  // namespace rgpb_test_comparison
#include "test_comparison.moc"
