// The live gradient diagnostics (issue 15): the negative weights against the spec's closed forms
// on hand-computed inputs, the positive/negative gradient split against the objective's full
// autograd gradient, and a real DPO run that writes diagnostics.jsonl and token snapshots the
// readers read back, whose numbers agree with its own eval_pairs.csv; diagnostics off writes none
// and trains bit-identically.
#include <torch/torch.h>

#include <QtTest>

#include "tests/support/TestMain.h"

#include <QTemporaryDir>
#include <cmath>
#include <filesystem>

#include "core/config/RunConfig.h"
#include "core/data/PairBatch.h"
#include "core/diagnostics/Diagnostics.h"
#include "core/diagnostics/GradientSplit.h"
#include "core/diagnostics/NegativeWeights.h"
#include "core/model/GptNeoX.h"
#include "core/run/RunStore.h"
#include "core/train/PairForward.h"
#include "core/train/Trainer.h"
#include "tests/support/Approx.h"

// This file's code has its own namespace: the group's tests build as one unity batch.
namespace rgpb_test_gradient_diagnostics {

using namespace rgpb;
namespace fs = std::filesystem;

namespace {

// Sequence log-probs from per-token values and a mask, as sequenceLogProbs() defines them.
SequenceLogProbs side(std::vector<std::vector<double>> l, std::vector<std::vector<double>> m) {
    const auto b = static_cast<int64_t>(l.size()), t = static_cast<int64_t>(l[0].size());
    SequenceLogProbs s;
    s.token_logp = torch::zeros({b, t}, torch::kFloat64);
    s.mask = torch::zeros({b, t}, torch::kFloat64);
    for (int64_t i = 0; i < b; ++i)
        for (int64_t j = 0; j < t; ++j) {
            s.mask[i][j] = m[i][j];
            s.token_logp[i][j] = m[i][j] > 0 ? l[i][j] : 0.0;
        }
    s.sum = s.token_logp.sum(1);
    s.count = s.mask.sum(1);
    s.mean = s.sum / s.count;
    return s;
}

double at(const torch::Tensor& t, int64_t i) {
    return t[i].item<double>();
}

std::string config(const std::string& extra) {
    return "name: d\nseed: 5\nthreads: 2\n"
           "data: {synthetic: {count: 200, regime: response-contrast}, eval_pairs: 24, "
           "max_length: 64, max_prompt_length: 48}\n"
           "model: {size: micro}\n"
           "optimizer: {lr: 3.0e-3, warmup_steps: 2, batch_size: 8}\n"
           "eval: {every: 4, batch_size: 24, samples: 0}\n" +
           extra +
           "stages:\n  - {name: sft, method: mle, steps: 4}\n"
           "  - {name: pref, method: dpo, beta: 0.5, steps: 8}\n";
}

struct LastCheckpoint : TrainingObserver {
    std::string path;
    std::vector<DiagnosticsRow> rows;
    void onCheckpoint(int64_t, const std::string& p) override { path = p; }
    void onDiagnostics(const DiagnosticsRow& r) override { rows.push_back(r); }
};

RunSummary train(const std::string& yaml, const std::string& dir, LastCheckpoint& obs) {
    TrainerOptions o;
    o.run_dir = dir;
    Trainer t(parseRunConfig(yaml, "test.yaml"), o);
    RunControl control;
    return t.run(obs, control);
}

}  // namespace

class TestGradientDiagnostics : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void dpoWeightIsBetaSigmoidMinusH() {
        PairLogProbs b;
        b.pos = side({{-2.0}, {-1.0}}, {{1}, {1}});
        b.neg = side({{-3.0}, {-1.0}}, {{1}, {1}});
        b.ref_pos_sum = torch::tensor({-2.5, -1.0}, torch::kFloat64);
        b.ref_neg_sum = torch::tensor({-2.5, -1.0}, torch::kFloat64);
        // h = 0.5 ((-2 + 2.5) - (-3 + 2.5)) = 0.5; second pair h = 0.
        auto w = negativeWeights(ObjectiveSpec::single(ObjectiveKind::Dpo, 0.5), b);
        QCOMPARE(w.size(), std::size_t(1));
        QCOMPARE(w[0].term, std::string("dpo"));
        QCOMPARE(w[0].formula, std::string("beta*sigmoid(-h)"));
        RGPB_COMPARE_NEAR(at(w[0].values, 0), 0.5 * 0.37754066879814546, 1e-15);
        RGPB_COMPARE_NEAR(at(w[0].values, 1), 0.25, 1e-15);
        // Conservative DPO (e = 0.1): beta ((1-e) s(-h) - e s(h)).
        ObjectiveSpec smooth = ObjectiveSpec::single(ObjectiveKind::Dpo, 0.5);
        smooth.terms[0].dpo.label_smoothing = 0.1;
        w = negativeWeights(smooth, b);
        RGPB_COMPARE_NEAR(at(w[0].values, 0),
                          0.5 * (0.9 * 0.37754066879814546 - 0.1 * 0.62245933120185454), 1e-15);
        // reference_free: S_ref = 0, h = 0.5 (-2 + 3) = 0.5 again for the first pair.
        ObjectiveSpec free = ObjectiveSpec::single(ObjectiveKind::Dpo, 0.5);
        free.terms[0].dpo.reference_free = true;
        w = negativeWeights(free, PairLogProbs{b.pos, b.neg, {}, {}});
        RGPB_COMPARE_NEAR(at(w[0].values, 0), 0.5 * 0.37754066879814546, 1e-15);
        // Without the reference it needs there is no weight; IPO has none.
        QVERIFY(negativeWeights(ObjectiveSpec::single(ObjectiveKind::Dpo, 0.5),
                                PairLogProbs{b.pos, b.neg, {}, {}})
                    .empty());
        ObjectiveSpec ipo = ObjectiveSpec::single(ObjectiveKind::Dpo, 0.5);
        ipo.terms[0].dpo.ipo = true;
        QVERIFY(negativeWeights(ipo, b).empty());
    }

    void ulAndExmateWeights() {
        PairLogProbs b;
        b.pos = side({{-1.0, -1.0, -1.0}, {-1.0, -1.0, -1.0}}, {{1, 1, 1}, {1, 1, 1}});
        // Pair 0: P- = 0.5, 0.2 (third token masked out): max odds 1. Pair 1: P- = 0.9, 0.1,
        // 0.99: max odds 99.
        b.neg = side(
            {{std::log(0.5), std::log(0.2), 0.0}, {std::log(0.9), std::log(0.1), std::log(0.99)}},
            {{1, 1, 0}, {1, 1, 1}});
        auto w = negativeWeights(ObjectiveSpec::single(ObjectiveKind::Unlikelihood, 0.3), b);
        QCOMPARE(w[0].formula, std::string("max_t P-/(1-P-)"));
        RGPB_COMPARE_NEAR(at(w[0].values, 0), 1.0, 1e-12);
        RGPB_COMPARE_NEAR(at(w[0].values, 1), 99.0, 1e-9);
        // P- clamped like the loss: at most ul_max_prob = 0.8, odds 4.
        ObjectiveSpec clamped = ObjectiveSpec::single(ObjectiveKind::Unlikelihood, 0.3);
        clamped.terms[0].ul_max_prob = 0.8;
        RGPB_COMPARE_NEAR(at(negativeWeights(clamped, b)[0].values, 1), 4.0, 1e-12);
        // ExMATE: beta exp(m-); pair 0: m- = (log 0.5 + log 0.2) / 2 = log 0.1**0.5.
        w = negativeWeights(ObjectiveSpec::single(ObjectiveKind::Exmate, 0.5), b);
        QCOMPARE(w[0].formula, std::string("beta*exp(m-)"));
        RGPB_COMPARE_NEAR(at(w[0].values, 0), 0.5 * std::sqrt(0.1), 1e-15);
        RGPB_COMPARE_NEAR(at(w[0].values, 1), 0.5 * std::cbrt(0.9 * 0.1 * 0.99), 1e-15);
        // In a mix, a term's weight multiplies; MLE gives none.
        ObjectiveSpec mix = ObjectiveSpec::single(ObjectiveKind::Exmate, 0.5);
        mix.terms[0].weight = 2.0;
        mix.terms.push_back(ObjectiveSpec::single(ObjectiveKind::Mle).terms[0]);
        w = negativeWeights(mix, b);
        QCOMPARE(w.size(), std::size_t(1));
        QCOMPARE(w[0].formula, std::string("2*beta*exp(m-)"));
        RGPB_COMPARE_NEAR(at(w[0].values, 0), std::sqrt(0.1), 1e-15);
        QVERIFY(negativeWeights(ObjectiveSpec::single(ObjectiveKind::Mle), b).empty());
    }

    void parameterGroupsByName() {
        QCOMPARE(parameterGroup("gpt_neox.embed_in.weight"), std::string("embeddings"));
        QCOMPARE(parameterGroup("gpt_neox.layers.0.mlp.dense_h_to_4h.bias"),
                 std::string("layer 1"));
        QCOMPARE(parameterGroup("gpt_neox.layers.11.attention.dense.weight"),
                 std::string("layer 12"));
        QCOMPARE(parameterGroup("gpt_neox.final_layer_norm.weight"), std::string("head"));
        QCOMPARE(parameterGroup("embed_out.weight"), std::string("head"));
    }

    void positivePlusNegativeIsTheFullGradient_data() {
        QTest::addColumn<QString>("method");
        QTest::newRow("dpo") << "dpo";
        QTest::newRow("ul") << "ul";
        QTest::newRow("exmate") << "exmate";
        QTest::newRow("dpo+mle") << "dpo+mle";
    }
    void positivePlusNegativeIsTheFullGradient() {
        QFETCH(QString, method);
        torch::manual_seed(11);
        ModelConfig mc = ModelConfig::named("micro", 64);
        mc.num_layers = 2;
        GptNeoX model(mc);
        model->eval();
        std::vector<TokenizedPair> pairs = {
            {{{1, 5, 6, 3, 7, 8, 9, 2}, 4}, {{1, 5, 6, 3, 10, 11, 2}, 4}},
            {{{1, 12, 3, 13, 14, 2}, 3}, {{1, 12, 3, 15, 2}, 3}},
            {{{1, 20, 21, 22, 3, 23, 2}, 5}, {{1, 20, 21, 22, 3, 24, 25, 26, 2}, 5}}};
        const SequenceBatch batch = collatePairs(pairs, {0, 1, 2}, 0);
        ObjectiveSpec spec = ObjectiveSpec::single(ObjectiveKind::Dpo, 0.5);
        if (method == "ul")
            spec = ObjectiveSpec::single(ObjectiveKind::Unlikelihood, 0.7);
        if (method == "exmate")
            spec = ObjectiveSpec::single(ObjectiveKind::Exmate, 0.5);
        if (method == "dpo+mle") {
            spec.terms.push_back(ObjectiveSpec::single(ObjectiveKind::Mle).terms[0]);
            spec.terms.back().weight = 0.2;
        }
        auto objective = makeObjective(spec);
        // A reference a little off the model, so that DPO's h is not 0.
        auto forward = [&] {
            PairForward f = forwardPairs(model, batch, torch::kCPU);
            f.logprobs.ref_pos_sum = f.logprobs.pos.sum.detach() - 0.3;
            f.logprobs.ref_neg_sum = f.logprobs.neg.sum.detach() + 0.2;
            return f;
        };
        PairForward f = forward();
        const SideGradients split = splitGradient(model, *objective, f.logprobs);
        for (const auto& p : model->parameters())
            QVERIFY(!p.grad().defined());  // the optimizer's gradient is never touched
        std::vector<torch::Tensor> params = model->parameters();
        PairForward g = forward();
        auto full = torch::autograd::grad({objective->compute(g.logprobs).loss}, params, {}, false,
                                          false, true);
        double worst = 0, scale = 0;
        for (std::size_t i = 0; i < params.size(); ++i) {
            torch::Tensor want = full[i].defined() ? full[i] : torch::zeros_like(params[i]);
            worst =
                std::max(worst, (split.pos[i] + split.neg[i] - want).abs().max().item<double>());
            scale = std::max(scale, want.abs().max().item<double>());
        }
        QVERIFY(scale > 0);
        QVERIFY2(
            worst <= 1e-5 * scale,
            qPrintable(QString("max |pos + neg - full| %1, max |full| %2").arg(worst).arg(scale)));
        // Groups: embeddings, the two layers, head, all; "all" holds every group's squares.
        const auto groups = groupGradients(split);
        QCOMPARE(groups.size(), std::size_t(5));
        QCOMPARE(groups[0].name, std::string("embeddings"));
        QCOMPARE(groups[2].name, std::string("layer 2"));
        QCOMPARE(groups[3].name, std::string("head"));
        QCOMPARE(groups[4].name, std::string("all"));
        double pp = 0, nn = 0, pn = 0;
        for (std::size_t i = 0; i < params.size(); ++i) {
            pp += split.pos[i].to(torch::kFloat64).pow(2).sum().item<double>();
            nn += split.neg[i].to(torch::kFloat64).pow(2).sum().item<double>();
            pn += (split.pos[i].to(torch::kFloat64) * split.neg[i].to(torch::kFloat64))
                      .sum()
                      .item<double>();
        }
        RGPB_COMPARE_NEAR_REL(groups[4].pos_norm, std::sqrt(pp), 1e-12);
        RGPB_COMPARE_NEAR_REL(groups[4].neg_norm, std::sqrt(nn), 1e-12);
        RGPB_COMPARE_NEAR(groups[4].cosine, pn / std::sqrt(pp * nn), 1e-12);
    }

    void exmateSidesAreItsTwoTerms() {
        // ExMATE's loss is -m+ + beta exp(m-): its positive side is the gradient of the first
        // term alone, its negative side that of the second.
        torch::manual_seed(12);
        ModelConfig mc = ModelConfig::named("micro", 64);
        mc.num_layers = 1;
        GptNeoX model(mc);
        model->eval();
        std::vector<TokenizedPair> pairs = {{{{1, 5, 3, 7, 8, 2}, 3}, {{1, 5, 3, 9, 2}, 3}},
                                            {{{1, 6, 3, 10, 2}, 3}, {{1, 6, 3, 11, 12, 2}, 3}}};
        const SequenceBatch batch = collatePairs(pairs, {0, 1}, 0);
        auto objective = makeObjective(ObjectiveSpec::single(ObjectiveKind::Exmate, 0.5));
        PairForward f = forwardPairs(model, batch, torch::kCPU);
        const SideGradients split = splitGradient(model, *objective, f.logprobs);
        std::vector<torch::Tensor> params = model->parameters();
        PairForward g = forwardPairs(model, batch, torch::kCPU);
        auto pos =
            torch::autograd::grad({(-g.logprobs.pos.mean).mean()}, params, {}, true, false, true);
        auto neg = torch::autograd::grad({(0.5 * torch::exp(g.logprobs.neg.mean)).mean()}, params,
                                         {}, false, false, true);
        for (std::size_t i = 0; i < params.size(); ++i) {
            QVERIFY(torch::allclose(split.pos[i],
                                    pos[i].defined() ? pos[i] : torch::zeros_like(params[i]), 1e-5,
                                    1e-7));
            QVERIFY(torch::allclose(split.neg[i],
                                    neg[i].defined() ? neg[i] : torch::zeros_like(params[i]), 1e-5,
                                    1e-7));
        }
    }

    void dpoRunWritesDiagnosticsThatAgreeWithItsEvaluation() {
        QTemporaryDir tmp;
        const std::string dir = tmp.filePath("on").toStdString();
        LastCheckpoint obs;
        RunSummary s = train(
            config("diagnostics: {probe_pairs: 4, token_pairs: 3, top_pairs: 5}\n"), dir, obs);
        QCOMPARE(s.status, RunStatus::Finished);
        const auto rows = readDiagnostics(dir);
        QCOMPARE(rows.size(), std::size_t(4));  // steps 0, 4 (end of sft), 8, 12
        QCOMPARE(obs.rows.size(), rows.size());
        QCOMPARE(rows[1].step, int64_t(4));
        QCOMPARE(rows[1].stage, 0);
        QVERIFY(rows[1].weights.empty() && rows[1].gradients.empty());  // MLE: no negative side
        const DiagnosticsRow& last = rows.back();
        QCOMPARE(last.step, int64_t(12));
        QCOMPARE(last.stage, 1);
        QCOMPARE(last.stage_name, std::string("pref"));
        QCOMPARE(last.probe_pairs, std::size_t(4));
        QCOMPARE(last.gradients.back().name, std::string("all"));
        QVERIFY(last.gradients.back().pos_norm > 0 && last.gradients.back().neg_norm > 0);
        QVERIFY(last.seconds > 0);
        // The DPO stage's baseline is the evaluation that ended the sft stage (step 4): the
        // weights the stage started from, which its reference was cached from too.
        StageBaseline base;
        QVERIFY(readStageBaseline(dir, 1, base));
        QCOMPARE(base.step, int64_t(4));
        const EvalPairs now = readEvalPairs(dir);
        QCOMPARE(now.step, int64_t(12));
        QCOMPARE(now.pairs.size(), std::size_t(24));
        // Weights and displacement recomputed from eval_pairs.csv and the baseline by hand.
        QCOMPARE(last.weights.size(), std::size_t(1));
        std::size_t displaced = 0;
        for (std::size_t i = 0; i < now.pairs.size(); ++i) {
            const double dp = now.pairs[i].s_pos - base.s_pos[i];
            const double dn = now.pairs[i].s_neg - base.s_neg[i];
            const double h = 0.5 * (dp - dn);
            RGPB_COMPARE_NEAR(last.weights[0].values[i], 0.5 / (1 + std::exp(h)), 1e-5);
            displaced += dp < 0 && dp - dn > 0;
        }
        QCOMPARE(last.displacement.pairs, displaced);
        RGPB_COMPARE_NEAR(last.displacement.share, displaced / 24.0, 1e-15);
        QVERIFY(last.displacement.top.size() == std::min<std::size_t>(5, displaced));
        // Its scalars joined the evaluation's metrics row.
        bool found = false;
        for (const MetricEvent& e : readMetrics(dir)) {
            if (e.split != "eval" || e.step != 12)
                continue;
            for (const auto& [k, v] : e.values) {
                if (k == "diag/dpo_weight_median") {
                    found = true;
                    RGPB_COMPARE_NEAR(v, last.weights[0].median, 1e-12);
                }
            }
        }
        QVERIFY(found);
        // Token files: the pieces of 3 pairs, a snapshot per evaluation whose per-token values
        // add up to the evaluation's S+ and S-.
        const auto pieces = readTokenPieces(dir);
        QCOMPARE(pieces.size(), std::size_t(3));
        QCOMPARE(listTokenSnapshots(dir), (std::vector<int64_t>{0, 4, 8, 12}));
        const TokenSnapshot snap = readTokenSnapshot(dir, 12);
        QCOMPARE(snap.stage_start_step, int64_t(4));
        for (std::size_t i = 0; i < 3; ++i) {
            QCOMPARE(snap.pos[i].size(), pieces[i].pos.size());
            QCOMPARE(snap.neg[i].size(), pieces[i].neg.size());
            QCOMPARE(pieces[i].pos.back(), std::string("<eos>"));
            double sp = 0, sn = 0;
            for (double v : snap.pos[i])
                sp += v;
            for (double v : snap.neg[i])
                sn += v;
            RGPB_COMPARE_NEAR(sp, now.pairs[i].s_pos, 1e-4);
            RGPB_COMPARE_NEAR(sn, now.pairs[i].s_neg, 1e-4);
        }

        // Diagnostics off: none of their files, and the same weights bit for bit.
        const std::string off_dir = tmp.filePath("off").toStdString();
        LastCheckpoint off;
        QCOMPARE(train(config("diagnostics: {enabled: false}\n"), off_dir, off).status,
                 RunStatus::Finished);
        QVERIFY(!fs::exists(off_dir + "/diagnostics.jsonl"));
        QVERIFY(!fs::exists(off_dir + "/diagnostics"));
        QVERIFY(off.rows.empty());
        QCOMPARE(fs::path(off.path).filename(), fs::path(obs.path).filename());
        QVERIFY(readFile(off.path + "/model.safetensors") ==
                readFile(obs.path + "/model.safetensors"));
    }

    void resumedRunMeasuresFromTheSameBaseline() {
        // Stopped at step 10, inside the DPO stage and after its first evaluation (step 8):
        // the resumed run reads the stage's baseline back and its rows equal an uninterrupted
        // run's.
        QTemporaryDir tmp;
        const std::string yaml = config("diagnostics: {probe_pairs: 2, token_pairs: 2}\n");
        LastCheckpoint full_obs;
        QCOMPARE(train(yaml, tmp.filePath("full").toStdString(), full_obs).status,
                 RunStatus::Finished);
        const std::string dir = tmp.filePath("resumed").toStdString();
        TrainerOptions stop;
        stop.run_dir = dir;
        stop.stop_after_step = 10;
        {
            Trainer t(parseRunConfig(yaml, "test.yaml"), stop);
            RunControl control;
            LastCheckpoint obs;
            QCOMPARE(t.run(obs, control).status, RunStatus::Cancelled);
        }
        auto trainer = Trainer::resume(dir);
        RunControl control;
        LastCheckpoint rest;
        QCOMPARE(trainer->run(rest, control).status, RunStatus::Finished);
        const auto a = readDiagnostics(tmp.filePath("full").toStdString());
        const auto b = readDiagnostics(dir);
        QCOMPARE(b.size(), a.size());
        QCOMPARE(b.back().step, int64_t(12));
        QCOMPARE(b.back().displacement.pairs, a.back().displacement.pairs);
        for (std::size_t i = 0; i < a.back().weights[0].values.size(); ++i)
            RGPB_COMPARE_NEAR(b.back().weights[0].values[i], a.back().weights[0].values[i], 1e-6);
        RGPB_COMPARE_NEAR(b.back().gradients.back().cosine, a.back().gradients.back().cosine, 1e-5);
        QCOMPARE(listTokenSnapshots(dir), listTokenSnapshots(tmp.filePath("full").toStdString()));
        StageBaseline base;  // kept from before the stop, not taken again at step 12
        QVERIFY(readStageBaseline(dir, 1, base));
        QCOMPARE(base.step, int64_t(4));
    }
};

}  // namespace rgpb_test_gradient_diagnostics

using rgpb_test_gradient_diagnostics::TestGradientDiagnostics;
RGPB_TEST_MAIN(TestGradientDiagnostics)
#include "test_gradient_diagnostics.moc"
