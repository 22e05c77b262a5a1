// The objective library against the math of spec.md: autograd gradients against the exact
// per-logit closed forms of section 4.4, loss values against hand-computed numbers, numerical
// edge cases, and argument errors.
#include <torch/torch.h>

#include <QtTest>

#include "tests/support/TestMain.h"

#include <cmath>
#include <functional>

#include "core/objectives/DpoLoss.h"
#include "core/objectives/ExmateLoss.h"
#include "core/objectives/LmLoss.h"
#include "core/objectives/MixedObjective.h"
#include "core/objectives/MleLoss.h"
#include "core/objectives/UnlikelihoodLoss.h"
#include "core/util/Error.h"
#include "tests/support/Approx.h"

// This file's code has its own namespace: the group's tests build as one unity batch.
namespace rgpb_test_objectives {

using namespace rgpb;
using torch::Tensor;

namespace {

// A random batch of B pairs with unequal response lengths, prompt masks and padding.
struct RandomBatch {
    Tensor pos_logits, pos_labels, pos_mask;  // [B, T+, V], [B, T+], [B, T+]
    Tensor neg_logits, neg_labels, neg_mask;
    Tensor ref_pos, ref_neg;  // [B]
};

RandomBatch makeBatch(int64_t seed) {
    torch::manual_seed(seed);
    const int64_t B = 3, Tp = 7, Tn = 5, V = 11;
    RandomBatch r;
    auto opts = torch::TensorOptions().dtype(torch::kFloat64);
    r.pos_logits = (2.0 * torch::randn({B, Tp, V}, opts)).requires_grad_(true);
    r.neg_logits = (2.0 * torch::randn({B, Tn, V}, opts)).requires_grad_(true);
    r.pos_labels = torch::randint(0, V, {B, Tp}, torch::kLong);
    r.neg_labels = torch::randint(0, V, {B, Tn}, torch::kLong);
    // Response spans [start, end): prompt before, padding after (labels there set to -100 to
    // prove they are never read).
    const int64_t ps[B][2] = {{2, 7}, {1, 4}, {3, 5}};
    const int64_t ns[B][2] = {{1, 5}, {2, 3}, {0, 4}};
    r.pos_mask = torch::zeros({B, Tp}, torch::kBool);
    r.neg_mask = torch::zeros({B, Tn}, torch::kBool);
    for (int64_t b = 0; b < B; ++b) {
        r.pos_mask[b].slice(0, ps[b][0], ps[b][1]).fill_(true);
        r.neg_mask[b].slice(0, ns[b][0], ns[b][1]).fill_(true);
    }
    r.pos_labels.masked_fill_(~r.pos_mask, -100);
    r.neg_labels.masked_fill_(~r.neg_mask, -100);
    // References near the policy's own sums (as at the start of a DPO stage), so that h stays
    // moderate and s(-h) is far from 0 for every beta.
    torch::NoGradGuard no_grad;
    auto sums = [](const Tensor& logits, const Tensor& labels, const Tensor& mask) {
        Tensor lp = torch::log_softmax(logits, -1).gather(2, labels.clamp_min(0).unsqueeze(2));
        return (lp.squeeze(2) * mask.to(torch::kFloat64)).sum(1);
    };
    r.ref_pos = sums(r.pos_logits, r.pos_labels, r.pos_mask) + 0.3 * torch::randn({B}, opts);
    r.ref_neg = sums(r.neg_logits, r.neg_labels, r.neg_mask) + 0.3 * torch::randn({B}, opts);
    return r;
}

PairLogProbs logProbs(const RandomBatch& r, bool with_ref) {
    PairLogProbs p;
    p.pos = sequenceLogProbs(r.pos_logits, r.pos_labels, r.pos_mask, "positive");
    p.neg = sequenceLogProbs(r.neg_logits, r.neg_labels, r.neg_mask, "negative");
    if (with_ref) {
        p.ref_pos_sum = r.ref_pos;
        p.ref_neg_sum = r.ref_neg;
    }
    return p;
}

// Independent per-row quantities: log-softmax computed directly, sums by explicit loops.
struct Side {
    Tensor P;       // [B, T, V] softmax
    Tensor onehot;  // [B, T, V] (zero rows where masked)
    Tensor mask;    // [B, T] double
    std::vector<double> S, T, m;
    Tensor tokenP;  // [B, T] P(y_t)
};

Side side(const Tensor& logits, const Tensor& labels, const Tensor& mask) {
    Side s;
    Tensor lg = logits.detach();
    s.P = torch::softmax(lg, -1);
    Tensor logP = torch::log_softmax(lg, -1);
    s.mask = mask.to(torch::kFloat64);
    Tensor safe = labels.masked_fill(~mask, 0);
    s.onehot = torch::one_hot(safe, lg.size(2)).to(torch::kFloat64) * s.mask.unsqueeze(-1);
    s.tokenP = torch::zeros_like(s.mask);
    for (int64_t b = 0; b < lg.size(0); ++b) {
        double S = 0, T = 0;
        for (int64_t t = 0; t < lg.size(1); ++t) {
            if (!mask[b][t].item<bool>())
                continue;
            int64_t y = labels[b][t].item<int64_t>();
            S += logP[b][t][y].item<double>();
            T += 1;
            s.tokenP[b][t] = s.P[b][t][y];
        }
        s.S.push_back(S);
        s.T.push_back(T);
        s.m.push_back(S / T);
    }
    return s;
}

// coef[b] * (onehot - P) on the masked positions of row b.
Tensor scaledResidual(const Side& s, const std::vector<double>& coef) {
    Tensor c = torch::tensor(coef, torch::kFloat64).view({-1, 1, 1});
    return c * (s.onehot - s.P * s.mask.unsqueeze(-1));
}

double sigmoid(double x) {
    return 1.0 / (1.0 + std::exp(-x));
}

// Runs `objective` on a fresh random batch, backpropagates, and compares d loss / d logits with
// the expected gradients built by `expected(pos, neg, B)` -> {grad_pos, grad_neg}.
void checkGradients(const Objective& objective, bool with_ref, int64_t seed,
                    const std::function<std::pair<Tensor, Tensor>(const Side&, const Side&,
                                                                  const RandomBatch&)>& expected) {
    RandomBatch r = makeBatch(seed);
    PairLogProbs lp = logProbs(r, with_ref);
    Tensor loss = objective.compute(lp).loss;
    QVERIFY(std::isfinite(loss.item<double>()));
    loss.backward();
    Side pos = side(r.pos_logits, r.pos_labels, r.pos_mask);
    Side neg = side(r.neg_logits, r.neg_labels, r.neg_mask);
    auto [gp, gn] = expected(pos, neg, r);
    Tensor ap = r.pos_logits.grad().defined() ? r.pos_logits.grad() : torch::zeros_like(gp);
    Tensor an = r.neg_logits.grad().defined() ? r.neg_logits.grad() : torch::zeros_like(gn);
    double ep = (ap - gp).abs().max().item<double>();
    double en = (an - gn).abs().max().item<double>();
    QVERIFY2(ep < 1e-10, qPrintable(QString("%1: positive-side gradient off by %2")
                                        .arg(QString::fromStdString(objective.name()))
                                        .arg(ep)));
    QVERIFY2(en < 1e-10, qPrintable(QString("%1: negative-side gradient off by %2")
                                        .arg(QString::fromStdString(objective.name()))
                                        .arg(en)));
    // The closed forms must not be trivially zero, or the comparison proves nothing.
    QVERIFY(gp.abs().max().item<double>() > 1e-6 || gn.abs().max().item<double>() > 1e-6);
}

// -(1/B)(1/T+)(onehot - P+): the MLE term of every objective but DPO.
std::vector<double> mleCoef(const Side& pos) {
    std::vector<double> c;
    const double B = static_cast<double>(pos.S.size());
    for (std::size_t b = 0; b < pos.S.size(); ++b)
        c.push_back(-1.0 / (B * pos.T[b]));
    return c;
}

const std::vector<double> kBetas = {0.05, 0.1, 0.5, 1.0, 5.0};

}  // namespace

class TestObjectives : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void mleGradientMatchesClosedForm() {
        MleLoss mle;
        checkGradients(mle, false, 1, [](const Side& pos, const Side& neg, const RandomBatch&) {
            return std::make_pair(scaledResidual(pos, mleCoef(pos)), torch::zeros_like(neg.P));
        });
    }

    void dpoGradientMatchesClosedForm() {
        for (double beta : kBetas) {
            DpoLoss dpo(beta);
            checkGradients(
                dpo, true, 2, [beta](const Side& pos, const Side& neg, const RandomBatch& r) {
                    // Spec 4.4: positive -beta s(-h)(onehot(y+) - P+), negative +beta s(-h)(...);
                    // batch mean adds 1/B.
                    std::vector<double> cp, cn;
                    const double B = static_cast<double>(pos.S.size());
                    for (std::size_t b = 0; b < pos.S.size(); ++b) {
                        double h = beta * ((pos.S[b] - r.ref_pos[b].item<double>()) -
                                           (neg.S[b] - r.ref_neg[b].item<double>()));
                        cp.push_back(-beta * sigmoid(-h) / B);
                        cn.push_back(beta * sigmoid(-h) / B);
                    }
                    return std::make_pair(scaledResidual(pos, cp), scaledResidual(neg, cn));
                });
        }
    }

    void dpoLabelSmoothingAndReferenceFreeGradients() {
        // loss = -(1-e) log s(h) - e log s(-h)  =>  dL/dh = -(1-e) s(-h) + e s(h);
        // dh/dS+ = beta, dh/dS- = -beta, dS/dlogits_t = onehot(y_t) - P. reference_free: S_ref=0.
        const double e = 0.2;
        for (double beta : kBetas) {
            DpoOptions o;
            o.label_smoothing = e;
            o.reference_free = true;
            DpoLoss dpo(beta, o);
            QVERIFY(!dpo.needsReference());
            checkGradients(
                dpo, false, 3, [beta, e](const Side& pos, const Side& neg, const RandomBatch&) {
                    std::vector<double> cp, cn;
                    const double B = static_cast<double>(pos.S.size());
                    for (std::size_t b = 0; b < pos.S.size(); ++b) {
                        double h = beta * (pos.S[b] - neg.S[b]);
                        double dLdh = -(1 - e) * sigmoid(-h) + e * sigmoid(h);
                        cp.push_back(dLdh * beta / B);
                        cn.push_back(-dLdh * beta / B);
                    }
                    return std::make_pair(scaledResidual(pos, cp), scaledResidual(neg, cn));
                });
        }
    }

    void ipoGradientMatchesClosedForm() {
        // loss = (d - 1/(2 beta))^2, d = (S+ - S+ref)/T+ - (S- - S-ref)/T-
        // => dL/dlogits+_t = 2 (d - 1/(2 beta)) (1/T+)(onehot - P+), negative side with -1/T-.
        for (double beta : kBetas) {
            DpoOptions o;
            o.ipo = true;
            DpoLoss ipo(beta, o);
            checkGradients(
                ipo, true, 4, [beta](const Side& pos, const Side& neg, const RandomBatch& r) {
                    std::vector<double> cp, cn;
                    const double B = static_cast<double>(pos.S.size());
                    for (std::size_t b = 0; b < pos.S.size(); ++b) {
                        double d = (pos.S[b] - r.ref_pos[b].item<double>()) / pos.T[b] -
                                   (neg.S[b] - r.ref_neg[b].item<double>()) / neg.T[b];
                        double g = 2 * (d - 1 / (2 * beta)) / B;
                        cp.push_back(g / pos.T[b]);
                        cn.push_back(-g / neg.T[b]);
                    }
                    return std::make_pair(scaledResidual(pos, cp), scaledResidual(neg, cn));
                });
        }
    }

    void unlikelihoodGradientMatchesClosedForm() {
        for (double beta : kBetas) {
            UnlikelihoodLoss ul(beta);
            checkGradients(
                ul, false, 5, [beta](const Side& pos, const Side& neg, const RandomBatch&) {
                    // Spec 4.4: negative term (beta/T-) (P-(y-_t)/(1 - P-(y-_t))) (onehot - P-),
                    // a per-token factor, so build it token by token.
                    const double B = static_cast<double>(pos.S.size());
                    Tensor odds = neg.tokenP / (1 - neg.tokenP);
                    Tensor T = torch::tensor(neg.T, torch::kFloat64).view({-1, 1});
                    Tensor coef = (beta / (B * T)) * odds * neg.mask;
                    Tensor gn = coef.unsqueeze(-1) * (neg.onehot - neg.P * neg.mask.unsqueeze(-1));
                    return std::make_pair(scaledResidual(pos, mleCoef(pos)), gn);
                });
        }
    }

    void exmateGradientMatchesClosedForm() {
        for (double beta : kBetas) {
            ExmateLoss ex(beta);
            checkGradients(ex, false, 6,
                           [beta](const Side& pos, const Side& neg, const RandomBatch&) {
                               // Spec 4.4: negative term (beta/T-) exp(m-) (onehot(y-_t) - P-).
                               std::vector<double> cn;
                               const double B = static_cast<double>(pos.S.size());
                               for (std::size_t b = 0; b < neg.S.size(); ++b) {
                                   cn.push_back(beta * std::exp(neg.m[b]) / (B * neg.T[b]));
                               }
                               return std::make_pair(scaledResidual(pos, mleCoef(pos)),
                                                     scaledResidual(neg, cn));
                           });
        }
    }

    void mixedGradientIsWeightedSum() {
        // DPO + 0.2 MLE: gradients add with their weights.
        const double beta = 0.5, w = 0.2;
        ObjectiveSpec spec = ObjectiveSpec::single(ObjectiveKind::Dpo, beta);
        ObjectiveTerm mle;
        mle.kind = ObjectiveKind::Mle;
        mle.weight = w;
        spec.terms.push_back(mle);
        auto mix = makeObjective(spec);
        QVERIFY(mix->needsReference());
        QCOMPARE(QString::fromStdString(mix->name()), QString("dpo+0.2*mle"));
        checkGradients(*mix, true, 7,
                       [beta, w](const Side& pos, const Side& neg, const RandomBatch& r) {
                           std::vector<double> cp, cn;
                           const double B = static_cast<double>(pos.S.size());
                           for (std::size_t b = 0; b < pos.S.size(); ++b) {
                               double h = beta * ((pos.S[b] - r.ref_pos[b].item<double>()) -
                                                  (neg.S[b] - r.ref_neg[b].item<double>()));
                               cp.push_back(-beta * sigmoid(-h) / B - w / (B * pos.T[b]));
                               cn.push_back(beta * sigmoid(-h) / B);
                           }
                           return std::make_pair(scaledResidual(pos, cp), scaledResidual(neg, cn));
                       });
    }

    // ---- Loss values on a tiny hand-made batch ------------------------------------------
    // V = 2. Positive: 2 response tokens, logits [0, 0] at each, so P(y+_t) = 0.5:
    //   S+ = 2 ln 0.5 = -1.3862944, T+ = 2, m+ = -0.6931472.
    // Negative: 1 response token, logits [ln 3, 0], label 0, so P(y-) = 3/4:
    //   S- = m- = ln 0.75 = -0.2876821, T- = 1.
    // Reference sums S+_ref = -2, S-_ref = -0.5.
    static PairLogProbs tinyBatch(bool with_ref) {
        auto f = torch::TensorOptions().dtype(torch::kFloat64);
        Tensor pl = torch::zeros({1, 3, 2}, f);  // position 0 is prompt
        Tensor plab = torch::tensor({{1, 0, 1}}, torch::kLong);
        Tensor pm = torch::tensor({{0, 1, 1}}, torch::kBool);
        Tensor nl = torch::tensor({{{0.0, 0.0}, {std::log(3.0), 0.0}}}, f);
        Tensor nlab = torch::tensor({{1, 0}}, torch::kLong);
        Tensor nm = torch::tensor({{0, 1}}, torch::kBool);
        PairLogProbs p;
        p.pos = sequenceLogProbs(pl, plab, pm, "positive");
        p.neg = sequenceLogProbs(nl, nlab, nm, "negative");
        if (with_ref) {
            p.ref_pos_sum = torch::tensor({-2.0}, f);
            p.ref_neg_sum = torch::tensor({-0.5}, f);
        }
        return p;
    }

    void lossValuesMatchHandComputed() {
        PairLogProbs p = tinyBatch(true);
        RGPB_COMPARE_NEAR(p.pos.sum.item<double>(), -1.3862943611, 1e-9);
        RGPB_COMPARE_NEAR(p.neg.mean.item<double>(), -0.2876820725, 1e-9);
        QCOMPARE(p.pos.count.item<double>(), 2.0);
        auto near = [](double a, double b) { return std::abs(a - b) < 1e-9; };
        // MLE: -m+ = ln 2 = 0.6931472
        QVERIFY(near(MleLoss().compute(p).loss.item<double>(), 0.6931471806));
        // ExMATE beta=1: 0.6931472 + 0.75 = 1.4431472; beta=0.5: 0.6931472 + 0.375 = 1.0681472
        QVERIFY(near(ExmateLoss(1.0).compute(p).loss.item<double>(), 1.4431471806));
        QVERIFY(near(ExmateLoss(0.5).compute(p).loss.item<double>(), 1.0681471806));
        // UL beta=1: 0.6931472 - ln(1 - 0.75) = 0.6931472 + 1.3862944 = 2.0794415
        QVERIFY(near(UnlikelihoodLoss(1.0).compute(p).loss.item<double>(), 2.0794415417));
        // UL beta=0.5: 0.6931472 + 0.5 * 1.3862944 = 1.3862944
        QVERIFY(near(UnlikelihoodLoss(0.5).compute(p).loss.item<double>(), 1.3862943611));
        // DPO beta=1: h = (-1.3862944 + 2) - (-0.2876821 + 0.5) = 0.6137056 - 0.2123179
        //   = 0.4013877; loss = ln(1 + e^-0.4013877) = 0.5124586
        ObjectiveResult dpo = DpoLoss(1.0).compute(p);
        QVERIFY(near(dpo.loss.item<double>(), 0.5124585780));
        auto stats = statValues(dpo);
        QCOMPARE(QString::fromStdString(stats[2].first), QString("dpo/reward_margin"));
        QVERIFY(near(stats[2].second, 0.4013877113));
        QCOMPARE(stats[3].second, 1.0);  // chosen reward 0.614 > rejected reward 0.212
        // DPO beta=0.1: h = 0.0401388; loss = ln(1 + e^-0.0401388) = 0.6732792
        QVERIFY(near(DpoLoss(0.1).compute(p).loss.item<double>(), 0.6732791716));
        // Conservative DPO e=0.1: 0.9 * 0.5124586 + 0.1 * ln(1 + e^0.4013877) = 0.5525973
        DpoOptions ls;
        ls.label_smoothing = 0.1;
        QVERIFY(near(DpoLoss(1.0, ls).compute(p).loss.item<double>(), 0.5525973492));
        // IPO beta=1: d = 0.6137056/2 - 0.2123179/1 = 0.0945349; (d - 0.5)^2 = 0.1644020
        DpoOptions ipo;
        ipo.ipo = true;
        QVERIFY(near(DpoLoss(1.0, ipo).compute(p).loss.item<double>(), 0.1644019539));
        // Mix: DPO(beta=1) + 0.2 MLE = 0.5124586 + 0.1386294 = 0.6510880
        ObjectiveSpec spec = ObjectiveSpec::single(ObjectiveKind::Dpo, 1.0);
        ObjectiveTerm mle;
        mle.kind = ObjectiveKind::Mle;
        mle.weight = 0.2;
        spec.terms.push_back(mle);
        QVERIFY(near(makeObjective(spec)->compute(p).loss.item<double>(), 0.6510880141));
    }

    // Method lm: the token-weighted NLL of the positive side. Two documents, S+ = -2 over 1
    // token and S+ = -3 over 3 tokens: (2 + 3) / (1 + 3) = 1.25 (the mean of per-document
    // means, MLE's -m+, would be (2 + 1) / 2 = 1.5); the negative side is never read.
    void lmLossIsTheTokenWeightedNll() {
        PairLogProbs p;
        const auto f = torch::kFloat64;
        p.pos.sum = torch::tensor({-2.0, -3.0}, f);
        p.pos.count = torch::tensor({1.0, 3.0}, f);
        p.pos.mean = p.pos.sum / p.pos.count;
        p.neg.sum = torch::tensor({std::nan(""), std::nan("")}, f);
        ObjectiveResult r = makeObjective(ObjectiveSpec::single(ObjectiveKind::Lm))->compute(p);
        QCOMPARE(r.loss.item<double>(), 1.25);
        QCOMPARE(QString::fromStdString(statValues(r).at(0).first), QString("lm/nll"));
        QCOMPARE(MleLoss().compute(p).loss.item<double>(), 1.5);
        // Its gradient: d loss / d S+_i = -1 / sum T+ for every document.
        torch::Tensor s = torch::tensor({-2.0, -3.0}, f).requires_grad_(true);
        p.pos.sum = s;
        LmLoss().compute(p).loss.backward();
        QVERIFY(s.grad().allclose(torch::tensor({-0.25, -0.25}, f)));
        QCOMPARE(QString::fromStdString(ObjectiveSpec::single(ObjectiveKind::Lm).describe()),
                 QString("lm"));
        QVERIFY(parseObjectiveKind("lm") == ObjectiveKind::Lm && !usesBeta(ObjectiveKind::Lm));
    }

    void unlikelihoodStaysFiniteWhenProbabilityRoundsToOne() {
        // P-(y-) = sigmoid(120) rounds to exactly 1 in float32: l- = 0 and log(1 - 1) = -inf
        // without the clamp.
        Tensor pl = torch::zeros({1, 2, 2}, torch::kFloat32).requires_grad_(true);
        Tensor nl = torch::tensor({{{120.0f, 0.0f}, {0.0f, 0.0f}}}).requires_grad_(true);
        PairLogProbs p;
        p.pos = sequenceLogProbs(pl, torch::tensor({{0, 1}}), torch::ones({1, 2}), "positive");
        p.neg = sequenceLogProbs(nl, torch::tensor({{0, 1}}), torch::ones({1, 2}), "negative");
        QCOMPARE(p.neg.token_logp[0][0].item<float>(), 0.0f);
        UnlikelihoodLoss ul(1.0);
        ObjectiveResult r = ul.compute(p);
        QVERIFY(std::isfinite(r.loss.item<double>()));
        r.loss.backward();
        QVERIFY(torch::isfinite(nl.grad()).all().item<bool>());
        QVERIFY(torch::isfinite(pl.grad()).all().item<bool>());
        // The explosion the paper describes is reported, not hidden: the odds P/(1-P) of the
        // clamped token sit at the clamp, (1 - 1e-6)/1e-6 ~ 1e6.
        double clamped = -1, odds = -1;
        for (auto& [name, v] : statValues(r)) {
            if (name == "ul/clamped_tokens")
                clamped = v;
            if (name == "ul/max_neg_odds")
                odds = v;
        }
        QCOMPARE(clamped, 1.0);  // only the first token; the second has P = 0.5
        QVERIFY2(odds > 5e5 && odds < 2e6, qPrintable(QString::number(odds)));
        // Loss value: ln 2 - (1/2)(ln(1e-6) + ln 0.5) = 0.6931 + 6.9078 + 0.3466 = 7.9475
        RGPB_COMPARE_NEAR(r.loss.item<double>(), 7.9475, 1e-2);
    }

    void log1mexpIsAccurateOnBothBranches() {
        auto f = torch::TensorOptions().dtype(torch::kFloat64);
        Tensor x = torch::tensor({-1e-10, -0.1, -0.6931, -0.7, -5.0, -50.0}, f);
        Tensor y = log1mexp(x);
        const double xs[] = {-1e-10, -0.1, -0.6931, -0.7, -5.0, -50.0};
        for (int i = 0; i < 6; ++i) {
            // Reference by long double; for -1e-10: log(1e-10 - 5e-21) = -23.02585093
            long double ref = std::log(-std::expm1((long double)xs[i]));
            QVERIFY2(
                std::abs(y[i].item<double>() - (double)ref) < 1e-12 * (1 + std::abs((double)ref)),
                qPrintable(QString("x = %1").arg(xs[i])));
        }
        Tensor g = x.clone().requires_grad_(true);
        log1mexp(g).sum().backward();
        QVERIFY(torch::isfinite(g.grad()).all().item<bool>());
    }

    void dpoMatchesSoftplusForLargeMargins() {
        // reference_free, beta = 1: h = S+ - S-. -log sigmoid(h) = softplus(-h).
        auto make = [](double s_pos, double s_neg) {
            PairLogProbs p;
            auto f = torch::TensorOptions().dtype(torch::kFloat32);
            p.pos.sum = torch::tensor({s_pos}, f);
            p.pos.count = torch::tensor({1.0}, f);
            p.pos.mean = p.pos.sum;
            p.neg.sum = torch::tensor({s_neg}, f);
            p.neg.count = torch::tensor({1.0}, f);
            p.neg.mean = p.neg.sum;
            return p;
        };
        DpoOptions o;
        o.reference_free = true;
        DpoLoss dpo(1.0, o);
        // h = -200: softplus(200) = 200 (a naive log(sigmoid) gives inf in float32).
        double big = dpo.compute(make(-210.0, -10.0)).loss.item<double>();
        QVERIFY2(std::abs(big - 200.0) < 1e-3, qPrintable(QString::number(big)));
        // h = 50: softplus(-50) = 1.9287498e-22 (a naive form gives exactly 0).
        double small = dpo.compute(make(-10.0, -60.0)).loss.item<double>();
        QVERIFY2(std::abs(small - 1.9287498e-22) < 1e-27, qPrintable(QString::number(small)));
    }

    // ---- Argument errors ------------------------------------------------------------
    void badArgumentsNameTheArgument() {
        auto expectError = [](const std::function<void()>& f, const QString& mustContain) {
            try {
                f();
            } catch (const ArgumentError& e) {
                QString msg = QString::fromUtf8(e.what());
                QVERIFY2(msg.contains(mustContain),
                         qPrintable("message '" + msg + "' lacks '" + mustContain + "'"));
                return;
            }
            QFAIL(qPrintable("no ArgumentError for " + mustContain));
        };
        Tensor logits = torch::zeros({2, 4, 5});
        Tensor labels = torch::zeros({2, 4}, torch::kLong);
        // Shape mismatch between labels and logits.
        expectError(
            [&] {
                sequenceLogProbs(logits, torch::zeros({2, 3}, torch::kLong), torch::ones({2, 3}),
                                 "positive");
            },
            "argument 'labels' must be a [B, T] tensor matching logits");
        expectError(
            [&] {
                sequenceLogProbs(logits, labels, torch::ones({2, 5}), "negative");
            },
            "sequenceLogProbs(negative): argument 'mask'");
        // Empty sequence: row 1 has no response token.
        Tensor mask = torch::ones({2, 4});
        mask[1].zero_();
        expectError([&] { sequenceLogProbs(logits, labels, mask, "positive"); }, "row 1");
        // Label out of vocabulary under the mask.
        Tensor badLabels = labels.clone();
        badLabels[0][2] = 9;
        expectError(
            [&] {
                sequenceLogProbs(logits, badLabels, torch::ones({2, 4}));
            },
            "9 at [0, 2]");
        // beta <= 0.
        expectError([] { DpoLoss(0.0); }, "argument 'beta' must be finite and > 0, got 0");
        expectError([] { ExmateLoss(-1.0); }, "argument 'beta'");
        expectError([] { UnlikelihoodLoss(std::nan("")); }, "argument 'beta'");
        DpoOptions ls;
        ls.label_smoothing = 0.7;
        expectError([&] { DpoLoss(0.1, ls); }, "label_smoothing");
        // Missing reference for DPO; mismatched batch sizes.
        PairLogProbs p = tinyBatch(false);
        expectError([&] { DpoLoss(0.1).compute(p); }, "reference log-probs");
        PairLogProbs q = tinyBatch(true);
        q.neg = sequenceLogProbs(torch::zeros({2, 2, 2}, torch::kFloat64),
                                 torch::zeros({2, 2}, torch::kLong), torch::ones({2, 2}));
        expectError([&] { ExmateLoss(1.0).compute(q); }, "1 positive vs 2 negative");
        // Spec validation.
        expectError([] { makeObjective(ObjectiveSpec{}); }, "at least one objective term");
        expectError([] { parseObjectiveKind("ppo"); }, "one of mle, dpo, ul, exmate");
    }
};

RGPB_TEST_MAIN(TestObjectives)
}  // namespace rgpb_test_objectives
#include "test_objectives.moc"
