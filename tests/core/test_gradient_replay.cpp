// The gradient lab's replay (core/analytic/GradientReplay.h) on a float64 model with random
// weights and hand-made pairs, against values computed independently here: each sequence's
// log-prob from a plain forward + log_softmax of that sequence alone (no batching, no padding),
// and the closed-form gradients of spec.md section 2 written out by hand and differentiated
// directly.
#include <torch/torch.h>

#include <QtTest>

#include "tests/support/TestMain.h"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <vector>

#include "core/analytic/GradientReplay.h"
#include "core/analytic/GradientReplayModel.h"
#include "core/model/ModelConfig.h"
#include "core/util/Error.h"
#include "tests/support/ErrorText.h"
#include "tests/support/HandMadePairs.h"
#include "tests/support/MicroRun.h"

// This file's code has its own namespace: the group's tests build as one unity batch.
namespace rgpb_test_gradient_replay {

using namespace rgpb;
using rgpb::test::contains;
using rgpb::test::handMadePairs;
using rgpb::test::messageOf;
namespace fs = std::filesystem;

namespace {

constexpr int64_t kVocab = 32;

// A smaller model than measure's (the replay takes a gradient per pair), in float64.
GptNeoX randomModel() {
    ModelConfig c = ModelConfig::named("micro", kVocab);
    c.num_layers = 2;
    c.hidden_size = 32;
    c.num_heads = 2;
    c.intermediate_size = 64;
    c.max_positions = 32;
    GptNeoX m = test::randomGptNeoX(c, 11, 0.3);
    m->to(torch::kFloat64);
    return m;
}

// S = sum of the response tokens' log-probs of one sequence, differentiable.
torch::Tensor directSum(GptNeoX& model, const TokenizedSequence& s) {
    torch::Tensor ids =
        torch::tensor(std::vector<int64_t>(s.ids.begin(), s.ids.end())).unsqueeze(0);
    torch::Tensor logp = torch::log_softmax(model->forward(ids)[0], -1);
    torch::Tensor sum = torch::zeros({}, torch::kFloat64);
    for (std::size_t j = static_cast<std::size_t>(s.response_start); j < s.ids.size(); ++j)
        sum = sum + logp[static_cast<int64_t>(j) - 1][s.ids[j]];
    return sum;
}

double responseLength(const TokenizedSequence& s) {
    return static_cast<double>(s.ids.size()) - s.response_start;
}

std::vector<torch::Tensor> params(GptNeoX& m) {
    std::vector<torch::Tensor> out;
    for (auto& [name, t] : namedWeights(m))
        out.push_back(t);
    return out;
}

// max_k |a_k - b_k| / max_k |b_k| over all parameters.
double relDiff(const std::vector<torch::Tensor>& a, const std::vector<torch::Tensor>& b) {
    double diff = 0, scale = 0;
    for (std::size_t k = 0; k < a.size(); ++k) {
        diff = std::max(diff, (a[k] - b[k]).abs().max().item<double>());
        scale = std::max(scale, b[k].abs().max().item<double>());
    }
    return diff / scale;
}

GradientReplayOptions options(std::vector<double> lrs) {
    GradientReplayOptions o;
    o.methods = {ObjectiveKind::Mle, ObjectiveKind::Dpo, ObjectiveKind::Unlikelihood,
                 ObjectiveKind::Exmate};
    o.beta = 0.5;
    o.lrs = std::move(lrs);
    o.batch_size = 3;  // two batches, one of them partial
    return o;
}

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
}

}  // namespace

class TestGradientReplay : public QObject {
    Q_OBJECT

private Q_SLOTS:
    // At its own reference h = 0, so -log sigmoid(h) has slope -1/2:
    // g_dpo = -beta/2 mean_i (grad S+_i - grad S-_i).
    void dpoAtTheReferenceIsHalfBetaTimesTheMarginGradient() {
        GptNeoX model = randomModel();
        const auto pairs = handMadePairs();
        const double beta = 0.7;
        torch::Tensor ref = replaySums(model, pairs, 0, 3, torch::kCPU);
        std::vector<torch::Tensor> g =
            objectiveGradient(model, pairs, 0, ObjectiveKind::Dpo, beta, ref, 3, torch::kCPU);

        torch::Tensor margin = torch::zeros({}, torch::kFloat64);
        for (const TokenizedPair& p : pairs)
            margin = margin + directSum(model, p.pos) - directSum(model, p.neg);
        const double n = static_cast<double>(pairs.size());
        std::vector<torch::Tensor> expected =
            torch::autograd::grad({-beta / 2.0 * margin / n}, params(model));
        QVERIFY2(relDiff(g, expected) < 1e-10, std::to_string(relDiff(g, expected)).c_str());
    }

    // MLE: the gradient of mean_i -(S+_i / T+_i).
    void mleIsTheMeanOfMinusTheMeanLogProbGradient() {
        GptNeoX model = randomModel();
        const auto pairs = handMadePairs();
        std::vector<torch::Tensor> g =
            objectiveGradient(model, pairs, 0, ObjectiveKind::Mle, 1.0, {}, 3, torch::kCPU);
        torch::Tensor loss = torch::zeros({}, torch::kFloat64);
        for (const TokenizedPair& p : pairs)
            loss = loss - directSum(model, p.pos) / responseLength(p.pos);
        loss = loss / static_cast<double>(pairs.size());
        std::vector<torch::Tensor> expected = torch::autograd::grad({loss}, params(model));
        QVERIFY2(relDiff(g, expected) < 1e-10, std::to_string(relDiff(g, expected)).c_str());
    }

    void normsAndCosines() {
        GptNeoX model = randomModel();
        GradientReplayResult r = replayTokenizedPairs(model, handMadePairs(), 0, options({1e-3}));
        QCOMPARE(r.methods, (std::vector<std::string>{"mle", "dpo", "ul", "exmate"}));
        QCOMPARE(r.groups, (std::vector<std::string>{"embeddings", "layer 1", "layer 2", "head"}));
        QCOMPARE(r.cosines.size(), std::size_t(4));
        for (std::size_t a = 0; a < 4; ++a) {
            QCOMPARE(r.cosines[a][a], 1.0);
            for (std::size_t b = 0; b < 4; ++b) {
                QCOMPARE(r.cosines[a][b], r.cosines[b][a]);
                QVERIFY(std::abs(r.cosines[a][b]) <= 1.0 + 1e-12);
            }
        }
        // Groups partition the parameters: squared group norms add up to the squared norm.
        for (const ReplayNorms& n : r.norms) {
            double sq = 0;
            for (double g : n.group_norms)
                sq += g * g;
            QVERIFY(n.norm > 0);
            QVERIFY(std::abs(std::sqrt(sq) - n.norm) < 1e-12 * n.norm);
        }
        // DPO at its own reference: loss log 2.
        QVERIFY(std::abs(r.norms[1].loss - std::log(2.0)) < 1e-12);
        QCOMPARE(r.effects.size(), std::size_t(4 * 4));
    }

    // The first-order prediction agrees with the actual step for a small lr; its error grows
    // ~lr^2 (doubling lr quadruples it), and at a large lr it stops agreeing.
    void firstOrderAgreesForASmallStepOnly() {
        GptNeoX model = randomModel();
        const std::vector<double> lrs = {1e-6, 1e-3, 2e-3, 3.0};
        GradientReplayResult r = replayTokenizedPairs(model, handMadePairs(), 0, options(lrs));
        QCOMPARE(r.agreement.size(), std::size_t(4 * 4));
        std::vector<double> growth;
        for (const std::string& m : r.methods) {
            std::vector<double> err[4];
            for (const ReplayEffect& e : r.effects) {
                if (e.method != m)
                    continue;
                const auto li =
                    static_cast<std::size_t>(std::find(lrs.begin(), lrs.end(), e.lr) - lrs.begin());
                QVERIFY(li < lrs.size());
                if (li == 0) {
                    QVERIFY2(e.rel_err_pos < 1e-4 && e.rel_err_neg < 1e-4,
                             (m + ": " + std::to_string(e.rel_err_pos) + " " +
                              std::to_string(e.rel_err_neg))
                                 .c_str());
                }
                err[li].push_back(std::abs(e.d_pos_pred - e.d_pos_actual));
                err[li].push_back(std::abs(e.d_neg_pred - e.d_neg_actual));
            }
            for (std::size_t k = 0; k < err[1].size(); ++k)
                growth.push_back(err[2][k] / err[1][k]);
        }
        // Second order: the median ratio of errors at 2 lr and lr is 4.
        const double g = median(growth);
        QVERIFY2(g > 3.5 && g < 4.5, std::to_string(g).c_str());
        // At lr 3 the prediction is off by more than 20 % for most pairs and methods.
        for (const ReplayAgreement& a : r.agreement) {
            if (a.lr == 3.0)
                QVERIFY2(a.median_rel_err > 0.2,
                         (a.method + " " + std::to_string(a.median_rel_err)).c_str());
            if (a.lr == 1e-6)
                QVERIFY(a.max_rel_err < 1e-4);
        }
    }

    void runFolderFilesAndErrors() {
        fs::path dir = fs::temp_directory_path() / ("rgpb_gr_" + std::to_string(::getpid()));
        fs::remove_all(dir);
        GradientReplayRequest req;
        req.model_path = rgpb::test::makeMicroRun(dir / "run");
        req.max_pairs = 3;
        req.lrs = {1e-4, 1e-2};
        std::size_t last = 0, total = 0;
        GradientReplayResult r = replayGradients(req, [&](std::size_t d, std::size_t t) {
            last = d;
            total = t;
        });
        // 4 gradients, 3 pairs, 4 methods x 2 lrs.
        QCOMPARE(total, std::size_t(4 + 3 + 8));
        QCOMPARE(last, total);
        QCOMPARE(r.pairs, std::size_t(3));
        QVERIFY2(contains(r.reference, "itself"), r.reference.c_str());
        QVERIFY(contains(r.data, "synthetic"));
        // The micro run has one layer.
        QCOMPARE(r.groups, (std::vector<std::string>{"embeddings", "layer 1", "head"}));

        // An explicit reference: the same checkpoint gives the same DPO gradient.
        GradientReplayRequest with_ref = req;
        with_ref.reference_path = req.model_path;
        GradientReplayResult rr = replayGradients(with_ref);
        QVERIFY(contains(rr.reference, "step-00000001"));
        QVERIFY(std::abs(rr.norms[1].norm - r.norms[1].norm) < 1e-9 * r.norms[1].norm);

        writeGradientReplay(r, (dir / "out").string());
        std::ifstream effects(dir / "out" / "effects.csv");
        std::string header;
        std::getline(effects, header);
        QCOMPARE(header, std::string("pair,method,lr,d_pos_pred,d_pos_actual,d_neg_pred,"
                                     "d_neg_actual,rel_err_pos,rel_err_neg"));
        int lines = 0;
        for (std::string line; std::getline(effects, line);)
            ++lines;
        QCOMPARE(lines, 3 * 4 * 2);
        QVERIFY(fs::exists(dir / "out" / "norms.csv"));
        QVERIFY(fs::exists(dir / "out" / "cosines.csv"));
        QVERIFY(fs::exists(dir / "out" / "summary.json"));

        GradientReplayRequest bad = req;
        bad.methods = {"mle", "ppo"};
        std::string m = messageOf<ArgumentError>([&] { replayGradients(bad); });
        QVERIFY2(contains(m, "methods") && contains(m, "'ppo'"), m.c_str());
        bad.methods = {"dpo", "dpo"};
        m = messageOf<ArgumentError>([&] { replayGradients(bad); });
        QVERIFY2(contains(m, "twice"), m.c_str());
        bad = req;
        bad.lrs = {1e-3, -1};
        m = messageOf<ArgumentError>([&] { replayGradients(bad); });
        QVERIFY2(contains(m, "'lr'") && contains(m, "> 0"), m.c_str());

        std::atomic<bool> cancel{true};
        QCOMPARE(messageOf<CancelledError>([&] { replayGradients(req, {}, &cancel); }),
                 std::string("cancelled by the user"));
        fs::remove_all(dir);
    }
};

RGPB_TEST_MAIN(TestGradientReplay)
}  // namespace rgpb_test_gradient_replay
#include "test_gradient_replay.moc"
