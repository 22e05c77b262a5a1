// Method lm on documents of text, and runs that start from another run (model.from = a run
// folder or one of its checkpoints): an lm run on synthetic-text learns, its perplexity is the
// token-weighted one (recomputed here sequence by sequence, outside the batching), the metrics
// that compare two sides are not reported; a stage run starts from the source run's weights
// (the newest checkpoint, or the one named) with its tokenizer; and the configs that cannot
// train fail with their reason before a run folder exists. One lm run (initTestCase) is the
// source of every stage run here.
#include <torch/torch.h>

#include <QtTest>

#include "tests/support/TestMain.h"

#include <QTemporaryDir>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "core/config/RunConfig.h"
#include "core/data/PairBatch.h"
#include "core/model/Safetensors.h"
#include "core/run/RunStore.h"
#include "core/tokenizer/TokenizerFactory.h"
#include "core/train/Evaluation.h"
#include "core/train/ModelSource.h"
#include "core/train/Trainer.h"
#include "core/train/TrainingData.h"
#include "core/util/Error.h"
#include "tests/support/ErrorText.h"

// This file's code has its own namespace: the group's tests build as one unity batch.
namespace rgpb_test_text_data {

using namespace rgpb;
using rgpb::test::contains;
namespace fs = std::filesystem;

namespace {

// The source run: next-token training on the synthetic task's statements, with a SentencePiece
// tokenizer trained on them (so "keeps its tokenizer" is not true of any byte-level run;
// 296 is the one size SentencePiece accepts for these 400 short documents).
std::string lmConfig() {
    return "name: base\nseed: 4\nthreads: 2\n"
           "data: {source: synthetic-text, synthetic: {count: 400}, eval_pairs: 40,\n"
           "       max_length: 64, max_prompt_length: 8}\n"
           "tokenizer: {kind: sentencepiece, vocab_size: 296}\n"
           "model: {size: micro, num_layers: 1}\n"
           "optimizer: {lr: 3.0e-3, warmup_steps: 2, batch_size: 16}\n"
           "eval: {every: 20, batch_size: 40, samples: 1}\n"
           "checkpoint: {every: 20, keep_last: 5}\n"
           "stages:\n  - {method: lm, steps: 60}\n";
}

// A stage run on the synthetic pair task from `from`; lr 1e-12, so one AdamW step moves no
// weight by more than ~1e-12 and its weights are still its starting weights.
std::string stageConfig(const std::string& from) {
    return "name: stage\nseed: 9\nthreads: 2\n"
           "data: {synthetic: {count: 120}, eval_pairs: 24, max_length: 64, "
           "max_prompt_length: 48}\n"
           "model: {from: " +
           from +
           "}\n"
           "optimizer: {lr: 1.0e-12, warmup_steps: 0, batch_size: 8}\n"
           "eval: {every: 0, batch_size: 24, samples: 0}\n"
           "stages:\n  - {method: mle, steps: 1}\n";
}

struct Recorder : TrainingObserver {
    std::vector<EvalReport> evals;
    std::string failure;
    void onEval(const EvalReport& r) override { evals.push_back(r); }
    void onFailed(const RunSummary& s) override { failure = s.reason; }
};

RunSummary train(const RunConfig& config, const std::string& run_dir, Recorder& rec) {
    TrainerOptions o;
    o.run_dir = run_dir;
    Trainer trainer(config, o);
    RunControl control;
    return trainer.run(rec, control);
}

// Perplexity of `docs` under `model`, one sequence at a time with no padding: exp of minus the
// summed log-probability of every response token (and EOS) over their count.
double perplexityBySequence(GptNeoX& model, const Tokenizer& tok, const std::vector<PairText>& docs,
                            const LengthLimits& limits, double* mean_of_means) {
    torch::NoGradGuard no_grad;
    double logp = 0, tokens = 0, means = 0;
    for (const PairText& d : docs) {
        const TokenizedSequence s = tokenizePair(tok, d, limits).pos;
        const torch::Tensor ids =
            torch::tensor(std::vector<int64_t>(s.ids.begin(), s.ids.end())).unsqueeze(0);
        const torch::Tensor lp = torch::log_softmax(model->forward(ids)[0].to(torch::kFloat64), -1);
        double seq = 0;
        for (std::size_t t = static_cast<std::size_t>(s.response_start); t < s.ids.size(); ++t)
            seq += lp[static_cast<int64_t>(t - 1)][s.ids[t]].item<double>();
        const double n = static_cast<double>(s.ids.size()) - s.response_start;
        logp += seq;
        tokens += n;
        means += seq / n;
    }
    *mean_of_means = means / static_cast<double>(docs.size());
    return std::exp(-logp / tokens);
}

// Evaluation of the run or checkpoint at `path` on the eval pairs of `config`, outside any
// trainer: the weights read straight from that checkpoint.
double perplexityOf(const std::string& path, const RunConfig& config) {
    LoadedRun run = loadRun(path, torch::kCPU);
    LengthLimits limits;
    limits.max_length = static_cast<int>(config.data.max_length);
    limits.max_prompt_length = static_cast<int>(config.data.max_prompt_length);
    const auto pairs =
        tokenizePairs(*run.tokenizer, loadPairTexts(config.data, config.dataSeed()).eval, limits);
    EvaluationOptions o;
    o.batch_size = 24;
    return evaluatePairs(run.model, pairs, run.tokenizer->specials().pad, torch::kCPU, o)
        .perplexity;
}

// Every weight of `a` equals that of `b` to 1e-9 (the lr-1e-12 step's movement is ~1e-12).
bool sameWeights(const LanguageModel& a, const LanguageModel& b) {
    auto x = a.namedWeights(), y = b.namedWeights();
    if (x.size() != y.size())
        return false;
    for (std::size_t i = 0; i < x.size(); ++i) {
        if (x[i].first != y[i].first || !torch::allclose(x[i].second, y[i].second, 0.0, 1e-9))
            return false;
    }
    return true;
}

std::string fileBytes(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

}  // namespace

class TestTextData : public QObject {
    Q_OBJECT

    QTemporaryDir tmp_;
    std::string base_;  // the lm run every stage run here starts from
    Recorder base_rec_;
    RunSummary base_summary_;

    std::string path(const char* name) const { return tmp_.filePath(name).toStdString(); }

private Q_SLOTS:
    void initTestCase() {
        torch::set_num_threads(2);
        base_ = path("base");
        base_summary_ = train(parseRunConfig(lmConfig(), "base.yaml"), base_, base_rec_);
        QVERIFY2(base_summary_.status == RunStatus::Finished, base_rec_.failure.c_str());
    }

    void lmLowersTheTokenWeightedPerplexityOfDocuments() {
        const double first = base_rec_.evals.front().metrics.perplexity;
        const double last = base_rec_.evals.back().metrics.perplexity;
        qInfo("lm on synthetic-text: eval perplexity %.3f -> %.3f over 60 steps", first, last);
        QCOMPARE(base_rec_.evals.size(), std::size_t(4));  // steps 0, 20, 40, 60
        QVERIFY2(last < 0.5 * first, qPrintable(QString("%1 -> %2").arg(first).arg(last)));

        // The reported perplexity is the token-weighted one of spec.md section 3, recomputed
        // here one document at a time from the last checkpoint; the mean of per-document means
        // gives another number, so the test tells the two apart.
        LoadedRun run = loadRun(base_, torch::kCPU);
        LengthLimits limits;
        limits.max_length = 64;
        limits.max_prompt_length = 8;
        double mean_of_means = 0;
        const double by_sequence = perplexityBySequence(
            run.model.neox(), *run.tokenizer, loadPairTexts(run.config.data, run.config.dataSeed()).eval,
            limits, &mean_of_means);
        const double reported = base_summary_.metric("eval/perplexity");
        QVERIFY2(std::abs(reported - by_sequence) < 1e-4 * by_sequence,
                 qPrintable(QString("%1 vs %2").arg(reported).arg(by_sequence)));
        QVERIFY(std::abs(std::exp(-mean_of_means) - by_sequence) > 1e-3 * by_sequence);

        // Documents have no negative side: what compares two sides is not reported at all.
        bool nll = false;
        for (const MetricEvent& e : readMetrics(base_)) {
            for (const auto& [name, value] : e.values) {
                for (const char* absent : {"agility", "neg_prob", "logp_margin", "info_diff",
                                           "grad_diff", "reward", "mean_logp_neg"})
                    QVERIFY2(name.find(absent) == std::string::npos, name.c_str());
                nll = nll || (e.split == "train" && name == "lm/nll" && value > 0);
            }
        }
        QVERIFY(nll);
        QVERIFY(std::isnan(base_rec_.evals.back().metrics.agility));
        QVERIFY(base_summary_.metric("eval/pos_prob", -1) > 0);
        QCOMPARE(base_summary_.metric("eval/agility", -1.0), -1.0);
    }

    void aStageRunStartsFromTheRunWithItsTokenizer() {
        const std::string dir = path("from-run");
        const RunConfig config = parseRunConfig(stageConfig(base_), "stage.yaml");
        Recorder rec;
        const RunSummary s = train(config, dir, rec);
        QVERIFY2(s.status == RunStatus::Finished, rec.failure.c_str());
        // The resolved config names the absolute run folder; the tokenizer is the run's.
        const RunConfig saved = loadRunConfig(dir + "/config.yaml");
        QCOMPARE(saved.model.from, fs::absolute(base_).lexically_normal().string());
        QCOMPARE(saved.tokenizer.kind, std::string("model"));
        auto tok = loadTokenizer(dir + "/tokenizer");
        auto base_tok = loadTokenizer(base_ + "/tokenizer");
        QCOMPARE(tok->kind(), std::string("sentencepiece"));
        QVERIFY(tok->encode("Al has pink. Bo?") == base_tok->encode("Al has pink. Bo?"));
        QCOMPARE(fileBytes(dir + "/tokenizer/spm.model"),
                 fileBytes(base_ + "/tokenizer/spm.model"));
        // Its weights are those of the run's newest checkpoint, and its first evaluation is
        // what that checkpoint, read back on its own, scores on the same pairs.
        QVERIFY(sameWeights(loadRun(dir, torch::kCPU).model, loadRun(base_, torch::kCPU).model));
        const double expected = perplexityOf(base_, config);
        const double first = rec.evals.front().metrics.perplexity;
        QVERIFY2(std::abs(first - expected) < 1e-6 * expected,
                 qPrintable(QString("%1 vs %2").arg(first).arg(expected)));
    }

    void aCheckpointFolderStartsFromThatCheckpoint() {
        const std::string step20 = base_ + "/checkpoints/step-00000020";
        QVERIFY(isCheckpointFolder(step20));
        const std::string dir = path("from-checkpoint");
        const RunConfig config = parseRunConfig(stageConfig(step20), "stage.yaml");
        Recorder rec;
        const RunSummary s = train(config, dir, rec);
        QVERIFY2(s.status == RunStatus::Finished, rec.failure.c_str());
        QVERIFY(sameWeights(loadRun(dir, torch::kCPU).model, loadRun(step20, torch::kCPU).model));
        const double at20 = perplexityOf(step20, config), newest = perplexityOf(base_, config);
        const double first = rec.evals.front().metrics.perplexity;
        QVERIFY2(std::abs(first - at20) < 1e-6 * at20,
                 qPrintable(QString("%1 vs %2").arg(first).arg(at20)));
        QVERIFY(std::abs(newest - at20) > 1e-3 * at20);  // the named one, not the newest
    }

    // Documents are held out for evaluation and validation as pairs are, and a broken text-jsonl
    // line is named by file:line whichever policy applies.
    void textSourcesHoldOutDocumentsLikePairs() {
        DataConfig d;
        d.source = "synthetic-text";
        d.synthetic_count = 100;
        d.eval_pairs = 10;
        d.validation_pairs = 5;
        const DataSplit split = loadPairTexts(d, 3);
        QCOMPARE(split.train.size(), std::size_t(85));
        QCOMPARE(split.eval.size(), std::size_t(10));
        QCOMPARE(split.validation.size(), std::size_t(5));
        std::set<std::string> origins;
        for (const auto* part : {&split.train, &split.eval, &split.validation})
            for (const PairText& p : *part)
                origins.insert(p.origin);
        QCOMPARE(origins.size(), std::size_t(100));  // disjoint, and every document is used
        d.validation_pairs = 0;
        QVERIFY(loadPairTexts(d, 3).eval.front().origin == split.eval.front().origin);

        const std::string file = path("docs.jsonl");
        std::ofstream(file) << "{\"text\": \"one\"}\n{\"text\": \"two\"}\n{\"text\": \"three\"}\n"
                            << "{\"text\" \"four\"}\n{\"text\": \"five\"}\n";
        DataConfig f;
        f.source = file;
        f.format = "text-jsonl";
        f.eval_pairs = 1;
        ReadReport report;
        QCOMPARE(loadPairTexts(f, 1, &report).train.size(), std::size_t(3));
        QCOMPARE(report.skipped, std::size_t(1));
        f.on_malformed = "stop";
        const std::string m = test::messageOf<InputError>([&] { loadPairTexts(f, 1); });
        QVERIFY2(contains(m, file + ":4: invalid JSON") &&
                     contains(m, "expected one JSON object per line"),
                 m.c_str());
    }

    // A checkpoint whose tensors do not fit the shape its run's config.yaml gives, and a stage
    // that cannot train on its data: failed with the reason, and no run folder left behind.
    void whatCannotStartFailsBeforeTheRunFolder() {
        const fs::path wrong = path("wrong");
        fs::create_directories(wrong / "checkpoints");
        fs::copy(base_ + "/tokenizer", wrong / "tokenizer", fs::copy_options::recursive);
        fs::copy(base_ + "/checkpoints/step-00000060", wrong / "checkpoints" / "step-00000060",
                 fs::copy_options::recursive);
        RunConfig two = loadRunConfig(base_ + "/config.yaml");
        two.model.num_layers = 2;
        std::ofstream(wrong / "config.yaml") << toYaml(two);
        const std::string dir = path("wrong-stage");
        Recorder rec;
        RunSummary s = train(parseRunConfig(stageConfig(wrong.string()), "s.yaml"), dir, rec);
        QCOMPARE(s.status, RunStatus::Failed);
        const std::string weights =
            (wrong / "checkpoints/step-00000060/model.safetensors").string();
        QVERIFY2(contains(s.reason, weights + ": tensor 'gpt_neox.layers.1.") &&
                     contains(s.reason, "is missing (the model expects shape"),
                 s.reason.c_str());
        QVERIFY(!fs::exists(dir));

        // A config made in code (as sweeps and studies make them) skips the parser's rule.
        RunConfig lm_on_pairs = parseRunConfig(lmConfig(), "base.yaml");
        lm_on_pairs.data.source = "synthetic";
        s = train(lm_on_pairs, path("lm-on-pairs"), rec);
        QCOMPARE(s.status, RunStatus::Failed);
        QVERIFY2(contains(s.reason, "stages.0.method: 'lm'") &&
                     contains(s.reason, "needs a text source"),
                 s.reason.c_str());
        QVERIFY(!fs::exists(path("lm-on-pairs")));
    }
};

RGPB_TEST_MAIN(TestTextData)
}  // namespace rgpb_test_text_data
#include "test_text_data.moc"
