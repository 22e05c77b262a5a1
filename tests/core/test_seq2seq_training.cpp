// T5 (encoder-decoder) training, issue #20: the sequence-to-sequence layout of a pair batch
// against hand-worked tensors, the pair log-probabilities against the model called directly,
// the objectives' logit gradients against spec.md section 4.4's closed forms with the logits
// coming out of a T5 decoder, the model keys of a run config, and a T5 run end to end (learning,
// resume equal to an uninterrupted run, Hugging Face export and import bit for bit).
#include <torch/torch.h>

#include <QtTest>

#include "tests/support/TestMain.h"

#include <QTemporaryDir>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>

#include "core/analytic/GradientMeasureModel.h"
#include "core/config/RunConfig.h"
#include "core/data/PairBatch.h"
#include "core/model/HfImport.h"
#include "core/model/LanguageModel.h"
#include "core/model/Safetensors.h"
#include "core/objectives/Objective.h"
#include "core/tokenizer/TokenizerFactory.h"
#include "core/train/Evaluation.h"
#include "core/train/HfRunExport.h"
#include "core/train/ModelSource.h"
#include "core/train/PairForward.h"
#include "core/train/Trainer.h"
#include "core/util/Error.h"
#include "tests/support/Approx.h"
#include "tests/support/ErrorText.h"
#include "tests/support/SpmModelFile.h"

// This file's code has its own namespace: the group's tests build as one unity batch.
namespace rgpb_test_seq2seq_training {

using namespace rgpb;
using rgpb::test::contains;
using torch::Tensor;
namespace fs = std::filesystem;

namespace {

// Byte tokenizer specials: pad 0, bos 1, eos 2, sep 3.
TokenizedSequence sequence(std::vector<int32_t> prompt, std::vector<int32_t> response) {
    TokenizedSequence s;
    s.ids.push_back(1);
    s.ids.insert(s.ids.end(), prompt.begin(), prompt.end());
    s.ids.push_back(3);
    s.response_start = static_cast<int32_t>(s.ids.size());
    s.ids.insert(s.ids.end(), response.begin(), response.end());
    s.ids.push_back(2);
    return s;
}

Tensor ids2d(std::vector<std::vector<int64_t>> rows) {
    std::vector<Tensor> out;
    for (auto& r : rows)
        out.push_back(torch::tensor(r, torch::kInt64));
    return torch::stack(out);
}

T5Config smallT5(bool gated) {
    T5Config c = T5Config::named("t5-micro", 40);
    c.d_model = 16;
    c.d_kv = 8;
    c.d_ff = 24;
    c.num_layers = c.num_decoder_layers = 2;
    c.num_heads = 2;
    c.relative_attention_num_buckets = 8;
    c.relative_attention_max_distance = 16;
    if (gated) {
        c.feed_forward_proj = "gated-gelu";
        c.tie_word_embeddings = false;
    }
    c.pad_token_id = c.decoder_start_token_id = 0;
    c.eos_token_id = 2;
    return c;
}

// A CausalDialogue-like batch: each pair's negative has the same response after another
// context, except pair 1 whose response differs too (ids below 40).
std::vector<TokenizedPair> causalPairs() {
    std::vector<TokenizedPair> p(3);
    p[0].pos = sequence({10, 11, 12}, {20, 21});
    p[0].neg = sequence({10, 14, 12}, {20, 21});
    p[1].pos = sequence({13}, {22});
    p[1].neg = sequence({15, 16}, {23, 24, 25});
    p[2].pos = sequence({17, 18, 19, 30}, {26, 27, 28});
    p[2].neg = sequence({31}, {26, 27, 28});
    return p;
}

// The decoder labels of a sequence as the layout defines them: its response and EOS.
std::vector<int64_t> labelsOf(const TokenizedSequence& s) {
    return std::vector<int64_t>(s.ids.begin() + s.response_start, s.ids.end());
}
// The encoder input: prompt and EOS.
std::vector<int64_t> encoderOf(const TokenizedSequence& s) {
    std::vector<int64_t> out(s.ids.begin() + 1, s.ids.begin() + s.response_start - 1);
    out.push_back(2);
    return out;
}

// The decoder's next-token log-distributions [T, V] (double) for one sequence, the model called
// on that sequence alone with inputs built here from the definition: no padding, no batch mates.
Tensor directLogDist(T5& model, const TokenizedSequence& s) {
    torch::NoGradGuard no_grad;
    const std::vector<int64_t> labels = labelsOf(s);
    std::vector<int64_t> dec{0};
    dec.insert(dec.end(), labels.begin(), labels.end() - 1);
    Tensor enc = torch::tensor(encoderOf(s), torch::kInt64).unsqueeze(0);
    Tensor logits = model->forward(enc, {}, torch::tensor(dec, torch::kInt64).unsqueeze(0), {});
    return torch::log_softmax(logits.to(torch::kFloat64), -1)[0];
}

// log p(response EOS | prompt).
double directLogProb(T5& model, const TokenizedSequence& s) {
    const std::vector<int64_t> labels = labelsOf(s);
    const Tensor lp = directLogDist(model, s);
    double sum = 0;
    for (std::size_t t = 0; t < labels.size(); ++t)
        sum += lp[static_cast<int64_t>(t)][labels[t]].item<double>();
    return sum;
}

// Softmax P and one-hot labels on each side's decoder positions, from the logits alone.
struct Side {
    Tensor P, onehot, mask;  // [B, T, V], [B, T, V], [B, T] double
    std::vector<double> S, T;
};

Side side(const Tensor& logits, const std::vector<TokenizedSequence>& seqs) {
    Side s;
    const int64_t b = logits.size(0), t = logits.size(1), v = logits.size(2);
    Tensor lg = logits.detach().to(torch::kFloat64);
    s.P = torch::softmax(lg, -1);
    Tensor logP = torch::log_softmax(lg, -1);
    s.onehot = torch::zeros({b, t, v}, torch::kFloat64);
    s.mask = torch::zeros({b, t}, torch::kFloat64);
    for (int64_t i = 0; i < b; ++i) {
        const std::vector<int64_t> y = labelsOf(seqs[static_cast<std::size_t>(i)]);
        double sum = 0;
        for (std::size_t k = 0; k < y.size(); ++k) {
            const auto kk = static_cast<int64_t>(k);
            s.onehot[i][kk][y[k]] = 1.0;
            s.mask[i][kk] = 1.0;
            sum += logP[i][kk][y[k]].item<double>();
        }
        s.S.push_back(sum);
        s.T.push_back(static_cast<double>(y.size()));
    }
    return s;
}

// coef[i] * (onehot - P) on row i's decoder positions.
Tensor residual(const Side& s, const std::vector<double>& coef) {
    Tensor c = torch::tensor(coef, torch::kFloat64).view({-1, 1, 1});
    return c * (s.onehot - s.P * s.mask.unsqueeze(-1));
}

std::string t5RunConfig(const std::string& stages, const std::string& extra = "") {
    return "name: t5\nseed: 5\nthreads: 2\n"
           "data: {synthetic: {count: 160, regime: context-contrast}, eval_pairs: 24, "
           "max_length: 64, max_prompt_length: 48}\n"
           "model: {architecture: t5, size: t5-micro, hidden_size: 64, num_layers: 2, "
           "num_heads: 2, intermediate_size: 128}\n"
           "optimizer: {lr: 3.0e-3, warmup_steps: 2, batch_size: 8}\n"
           "eval: {every: 4, batch_size: 24, samples: 0}\n"
           "checkpoint: {every: 4, keep_last: 3}\n" +
           extra + "stages:\n" + stages;
}

struct StepRecorder : TrainingObserver {
    std::vector<StepMetrics> steps;
    void onStep(const StepMetrics& m) override { steps.push_back(m); }
};

RunSummary train(const std::string& yaml, const std::string& dir, StepRecorder& rec,
                 TrainerOptions o = {}) {
    o.run_dir = dir;
    Trainer t(parseRunConfig(yaml, "t5.yaml"), o);
    RunControl control;
    return t.run(rec, control);
}

}  // namespace

class TestSeq2SeqTraining : public QObject {
    Q_OBJECT

private Q_SLOTS:
    // The layout worked out by hand for two rows of different lengths.
    void layoutMatchesHandWorkedTensors() {
        const TokenizedSequence a = sequence({10, 11, 12}, {20, 21});
        const TokenizedSequence b = sequence({13}, {22});
        const SequenceBatch batch = collate({&a, &b}, 0);
        const Seq2SeqBatch s = toSeq2Seq(batch, /*eos=*/2, /*start=*/0, /*pad=*/0);
        QVERIFY(s.encoder_ids.equal(ids2d({{10, 11, 12, 2}, {13, 2, 0, 0}})));
        QVERIFY(s.encoder_mask.equal(ids2d({{1, 1, 1, 1}, {1, 1, 0, 0}}).to(torch::kBool)));
        QVERIFY(s.decoder_ids.equal(ids2d({{0, 20, 21}, {0, 22, 0}})));
        QVERIFY(s.decoder_mask.equal(ids2d({{1, 1, 1}, {1, 1, 0}}).to(torch::kBool)));
        QVERIFY(s.labels.equal(ids2d({{20, 21, 2}, {22, 2, 0}})));
        QVERIFY(s.loss_mask.equal(s.decoder_mask));
        // The loss tokens are the decoder-only layout's, in the same order.
        QCOMPARE(batch.loss_mask.sum().item<int64_t>(), s.loss_mask.sum().item<int64_t>());
        QVERIFY(
            batch.labels.masked_select(batch.loss_mask).equal(s.labels.masked_select(s.loss_mask)));
    }

    // S+ and S- of a padded batch of pairs equal each sequence scored alone.
    void pairLogProbsAreTheResponseGivenItsContext() {
        for (bool gated : {false, true}) {
            torch::manual_seed(11);
            T5 model(smallT5(gated));
            model->eval();
            const std::vector<TokenizedPair> pairs = causalPairs();
            torch::NoGradGuard no_grad;
            const PairForward f =
                forwardPairs(model, collatePairs(pairs, {0, 1, 2}, 0), torch::kCPU);
            for (std::size_t i = 0; i < pairs.size(); ++i) {
                const auto row = static_cast<int64_t>(i);
                RGPB_COMPARE_NEAR(f.logprobs.pos.sum[row].item<double>(),
                                  directLogProb(model, pairs[i].pos), 2e-5);
                RGPB_COMPARE_NEAR(f.logprobs.neg.sum[row].item<double>(),
                                  directLogProb(model, pairs[i].neg), 2e-5);
                QCOMPARE(f.logprobs.pos.count[row].item<double>(),
                         static_cast<double>(labelsOf(pairs[i].pos).size()));
            }
            // Encoder tokens (prompt + EOS) and decoder tokens (START + response) of the rows,
            // positives then negatives.
            QCOMPARE(f.tokens, int64_t(4 + 2 + 5) + (4 + 3 + 2) + (3 + 2 + 4) + (3 + 4 + 4));
        }
    }

    // d loss / d logits of the decoder equals spec.md 4.4's closed forms: MLE -(1/(B T+))
    // (onehot - P+); DPO -+(beta/B) s(-h) (onehot - P); ExMATE the MLE term plus
    // (beta/(B T-)) exp(m-) (onehot - P-) on the negative side.
    void objectiveGradientsMatchClosedForms() {
        const std::vector<TokenizedPair> pairs = causalPairs();
        std::vector<TokenizedSequence> pos, neg;
        for (const TokenizedPair& p : pairs) {
            pos.push_back(p.pos);
            neg.push_back(p.neg);
        }
        const double beta = 0.5;
        const Tensor ref = torch::tensor({-9.0, -11.5, -14.0}, torch::kFloat64);
        const Tensor ref_neg = torch::tensor({-10.0, -15.0, -12.5}, torch::kFloat64);
        using Expected = std::function<std::pair<Tensor, Tensor>(const Side&, const Side&)>;
        const double B = 3;
        auto mle = [&](const Side& p) {
            std::vector<double> c;
            for (double t : p.T)
                c.push_back(-1.0 / (B * t));
            return residual(p, c);
        };
        const std::vector<std::pair<ObjectiveKind, Expected>> cases = {
            {ObjectiveKind::Mle,
             [&](const Side& p, const Side& n) {
                 return std::make_pair(mle(p), torch::zeros_like(n.P));
             }},
            {ObjectiveKind::Dpo,
             [&](const Side& p, const Side& n) {
                 std::vector<double> cp, cn;
                 for (int i = 0; i < 3; ++i) {
                     const double h = beta * ((p.S[i] - ref[i].item<double>()) -
                                              (n.S[i] - ref_neg[i].item<double>()));
                     const double s = 1.0 / (1.0 + std::exp(h));  // sigmoid(-h)
                     cp.push_back(-beta * s / B);
                     cn.push_back(beta * s / B);
                 }
                 return std::make_pair(residual(p, cp), residual(n, cn));
             }},
            {ObjectiveKind::Exmate,
             [&](const Side& p, const Side& n) {
                 std::vector<double> cn;
                 for (int i = 0; i < 3; ++i)
                     cn.push_back(beta * std::exp(n.S[i] / n.T[i]) / (B * n.T[i]));
                 return std::make_pair(mle(p), residual(n, cn));
             }},
        };
        for (const auto& [kind, expected] : cases) {
            torch::manual_seed(7);
            T5 model(smallT5(true));
            model->to(torch::kFloat64);
            model->eval();
            PairForward f = forwardPairs(model, collatePairs(pairs, {0, 1, 2}, 0), torch::kCPU);
            f.pos_logits.retain_grad();
            f.neg_logits.retain_grad();
            f.logprobs.ref_pos_sum = ref;
            f.logprobs.ref_neg_sum = ref_neg;
            auto objective = makeObjective(ObjectiveSpec::single(kind, beta));
            objective->compute(f.logprobs).loss.backward();
            const Side p = side(f.pos_logits, pos), n = side(f.neg_logits, neg);
            auto [gp, gn] = expected(p, n);
            const Tensor ap = f.pos_logits.grad();
            const Tensor an =
                f.neg_logits.grad().defined() ? f.neg_logits.grad() : torch::zeros_like(gn);
            const QString name = QString::fromStdString(objectiveKindName(kind));
            QVERIFY2((ap - gp).abs().max().item<double>() < 1e-12, qPrintable(name));
            QVERIFY2((an - gn).abs().max().item<double>() < 1e-12, qPrintable(name));
            QVERIFY(gp.abs().max().item<double>() > 1e-4);
            // The gradient reaches the encoder, where a CausalDialogue pair differs.
            Tensor g =
                model->named_parameters()["encoder.block.0.layer.0.SelfAttention.q.weight"].grad();
            QVERIFY2(g.defined() && g.abs().max().item<double>() > 0, qPrintable(name));
        }
    }

    // The gradient lab's measurement on a T5: S+, S- per pair and the exact ExMATE ascent
    // coefficient of y+_t (spec.md 4.4: (onehot(y+) - P+) - beta exp(m-) (onehot(y-) - P-),
    // read at y+_t) from the decoder's distributions computed here.
    void gradientLabMeasuresAnEncoderDecoder() {
        torch::manual_seed(13);
        T5 model(smallT5(false));
        model->eval();
        const std::vector<TokenizedPair> pairs = causalPairs();
        GradientMeasureOptions o;
        o.method = ObjectiveKind::Exmate;
        o.beta = 0.5;
        o.steps = 2;
        o.batch_size = 2;  // a full batch and a partial one
        const GradientMeasureResult r = measureTokenizedPairs(model, pairs, 0, o);
        QCOMPARE(r.info.size(), pairs.size());
        for (const InfoDiffRow& row : r.info) {
            RGPB_COMPARE_NEAR(row.s_pos, directLogProb(model, pairs[row.pair].pos), 2e-5);
            RGPB_COMPARE_NEAR(row.s_neg, directLogProb(model, pairs[row.pair].neg), 2e-5);
        }
        QVERIFY(!r.decomposition.empty());
        for (const DecompositionRow& d : r.decomposition) {
            const TokenizedPair& p = pairs[d.pair];
            const auto t = static_cast<int64_t>(d.step - 1);
            QCOMPARE(d.y_pos, static_cast<int32_t>(labelsOf(p.pos)[d.step - 1]));
            const Tensor pp = directLogDist(model, p.pos)[t].exp();
            const Tensor pn = directLogDist(model, p.neg)[t].exp();
            const double m_neg =
                directLogProb(model, p.neg) / static_cast<double>(labelsOf(p.neg).size());
            const double neg_at_ypos =
                (d.y_neg == d.y_pos ? 1.0 : 0.0) - pn[d.y_pos].item<double>();
            const double expected =
                (1.0 - pp[d.y_pos].item<double>()) - o.beta * std::exp(m_neg) * neg_at_ypos;
            RGPB_COMPARE_NEAR(d.exact_pos, expected, 1e-5);
        }
    }

    // model.size must be a size of model.architecture; T5 has no positions or rotary keys.
    void modelKeysAreCheckedAgainstTheArchitecture() {
        const std::string stages = "stages: [{method: mle, steps: 1}]\n";
        const auto problem = [&](const std::string& model) {
            try {
                parseRunConfig("model: " + model + "\n" + stages, "m.yaml");
            } catch (const InputError& e) {
                return std::string(e.what());
            }
            return std::string();
        };
        QVERIFY(problem("{architecture: t5, size: t5-small}").empty());
        std::string e = problem("{architecture: t5, size: micro}");
        QVERIFY2(contains(e, "m.yaml:1:") && contains(e, "model.size") &&
                     contains(e, "t5-micro, t5-small, t5-base, t5-large"),
                 e.c_str());
        e = problem("{size: t5-micro}");
        QVERIFY2(contains(e, "model.size") && contains(e, "pythia-70m"), e.c_str());
        e = problem("{architecture: t5, size: t5-micro, rotary_pct: 0.5}");
        QVERIFY2(contains(e, "model.rotary_pct") && contains(e, "not used by architecture t5"),
                 e.c_str());
        // The override keys give the T5 shape.
        RunConfig c = parseRunConfig(
            "model: {architecture: t5, size: t5-micro, hidden_size: 96, "
            "num_layers: 3, num_heads: 3, intermediate_size: 200}\n" +
                stages,
            "m.yaml");
        const T5Config t = freshModelShape(c.model, 260, 96, 0, 2).t5();
        QCOMPARE(t.d_model, int64_t(96));
        QCOMPARE(t.d_kv, int64_t(32));
        QCOMPARE(t.num_layers, int64_t(3));
        QCOMPARE(t.num_decoder_layers, int64_t(3));
        QCOMPARE(t.d_ff, int64_t(200));
        QCOMPARE(t.decoder_start_token_id, int64_t(0));
        QCOMPARE(t.eos_token_id, int64_t(2));
    }

    // A T5 CausalDialogue-like run, MLE then DPO: learning happens, a run stopped inside the
    // DPO stage and resumed equals the uninterrupted run, and its Hugging Face export imports
    // back bit for bit.
    void t5RunTrainsResumesAndExports() {
        const std::string yaml =
            t5RunConfig("  - {method: mle, steps: 6}\n  - {method: dpo, beta: 0.5, steps: 6}\n");
        QTemporaryDir tmp;
        StepRecorder full;
        const std::string full_dir = tmp.filePath("full").toStdString();
        RunSummary a = train(yaml, full_dir, full);
        QCOMPARE(a.status, RunStatus::Finished);
        QCOMPARE(full.steps.size(), std::size_t(12));
        QVERIFY2(full.steps[5].loss < full.steps[0].loss,
                 qPrintable(
                     QString("MLE loss %1 -> %2").arg(full.steps[0].loss).arg(full.steps[5].loss)));
        QVERIFY(std::isfinite(a.metric("eval/perplexity")));
        QVERIFY(std::isfinite(a.metric("eval/agility")));

        StepRecorder part, rest;
        TrainerOptions stop;
        stop.stop_after_step = 9;
        const std::string dir = tmp.filePath("resumed").toStdString();
        QCOMPARE(train(yaml, dir, part, stop).status, RunStatus::Cancelled);
        RunControl control;
        RunSummary b = Trainer::resume(dir)->run(rest, control);
        QCOMPARE(b.status, RunStatus::Finished);
        QCOMPARE(rest.steps.front().step, int64_t(10));
        for (std::size_t i = 0; i < rest.steps.size(); ++i)
            RGPB_COMPARE_NEAR(rest.steps[i].loss, full.steps[9 + i].loss, 1e-6);
        RGPB_COMPARE_NEAR(a.metric("eval/perplexity"), b.metric("eval/perplexity"), 1e-6);

        // The run loads back as a T5 and export -> import keeps every weight bit for bit.
        LoadedRun run = loadRun(full_dir, torch::kCPU);
        QVERIFY(run.model.seq2seq());
        const std::string hf = tmp.filePath("hf").toStdString();
        HfExportOptions eo;
        exportRunToHf(full_dir, hf, eo);
        QCOMPARE(readHfShape(hf).architecture(), std::string("t5"));
        const std::string imported = tmp.filePath("imported").toStdString();
        QCOMPARE(importHfModel(hf, imported).parameterCount(), run.model.shape().parameterCount());
        LanguageModel back = loadHfFolder(imported);
        const auto want = run.model.namedWeights();
        const auto got = back.namedWeights();
        QCOMPARE(got.size(), want.size());
        for (std::size_t i = 0; i < want.size(); ++i) {
            QCOMPARE(got[i].first, want[i].first);
            QVERIFY2(got[i].second.equal(want[i].second), want[i].first.c_str());
        }
        // model.from the imported folder: a new run starts from exactly those weights.
        QVERIFY(modelSourceProblem(imported).empty());
    }

    // A Hugging Face T5 folder as transformers writes one (config.json with model_type t5,
    // model.safetensors, spiece.model with the <extra_id_i> sentinels): import-hf keeps every
    // weight, and a run starts from it with model.from and its SentencePiece tokenizer.
    void hfT5FolderImportsAndTrains() {
        QTemporaryDir tmp;
        const std::string hf = tmp.filePath("hf").toStdString();
        fs::create_directories(hf);
        std::string corpus;
        for (const char* line : {"Al has pink. Bo has gold.", "User: Bo? Assistant: Bo has gold.",
                                 "Cy has red. Di has blue.", "User: Cy? Assistant: Cy has red."})
            for (int i = 0; i < 20; ++i)
                corpus += std::string(line) + "\n";
        fs::copy_file(test::trainSpm(tmp.path().toStdString(), corpus, 60), hf + "/spiece.model");
        const std::unique_ptr<Tokenizer> tok = loadTokenizerFrom(hf);
        QCOMPARE(tok->kind(), std::string("t5"));
        T5Config c = smallT5(true);
        c.vocab_size = tok->vocabSize() + 4;  // padded beyond the tokenizer, as t5-small is
        c.eos_token_id = tok->specials().eos;
        torch::manual_seed(3);
        const LanguageModel source(T5{c});
        saveHfModel(source, hf, {});

        const std::string imported = tmp.filePath("imported").toStdString();
        QCOMPARE(importHfModel(hf, imported).architecture(), std::string("t5"));
        const auto want = source.namedWeights(), got = loadHfFolder(imported).namedWeights();
        QCOMPARE(got.size(), want.size());
        for (std::size_t i = 0; i < want.size(); ++i)
            QVERIFY2(got[i].second.equal(want[i].second), want[i].first.c_str());

        const std::string yaml =
            "name: from-t5\nseed: 2\nthreads: 2\n"
            "data: {synthetic: {count: 64, regime: context-contrast}, "
            "eval_pairs: 8, max_length: 64, max_prompt_length: 48}\n"
            "model: {from: " +
            imported +
            "}\noptimizer: {lr: 1.0e-3, warmup_steps: 1, batch_size: 4}\n"
            "eval: {every: 2, batch_size: 8, samples: 0}\n"
            "stages: [{method: exmate, beta: 0.5, steps: 2}]\n";
        StepRecorder rec;
        const std::string run_dir = tmp.filePath("run").toStdString();
        const RunSummary r = train(yaml, run_dir, rec);
        QVERIFY2(r.status == RunStatus::Finished, r.reason.c_str());
        QCOMPARE(rec.steps.size(), std::size_t(2));
        QVERIFY(std::isfinite(r.metric("eval/perplexity")));
        QCOMPARE(loadRun(run_dir, torch::kCPU).tokenizer->kind(), std::string("t5"));

        // Its export names T5's tokenizer for transformers, and the tokenizer reads back the same.
        const std::string exported = tmp.filePath("exported").toStdString();
        exportRunToHf(run_dir, exported, {});
        const nlohmann::json tc =
            nlohmann::json::parse(std::ifstream(exported + "/tokenizer_config.json"));
        QCOMPARE(tc.at("tokenizer_class").get<std::string>(), std::string("T5Tokenizer"));
        QCOMPARE(tc.at("extra_ids").get<int>(), 100);
        QCOMPARE(tc.at("eos_token").get<std::string>(), std::string("</s>"));
        const std::string text = "Cy has red. <extra_id_0> Bo?";
        QCOMPARE(loadTokenizerFrom(exported)->encode(text), tok->encode(text));
    }
};

RGPB_TEST_MAIN(TestSeq2SeqTraining)
}  // namespace rgpb_test_seq2seq_training
#include "test_seq2seq_training.moc"
