// precision: bf16 (issue 19): under CPU autocast every objective's loss and gradient stay within
// a stated tolerance of float32 on the same model and batch, weights and gradients stay float32,
// and a short bf16 run ends where the float32 run does, closer than two float32 seeds do.
//
// The tolerance: bfloat16 keeps 8 significant bits, a relative rounding error of at most
// 2^-9 ~ 0.2% per value. The micro model's matrix products (5 layers, sums of 128-512 terms)
// accumulate such errors; float32 log-probabilities (sequenceLogProbs upcasts the logits) keep
// the loss from compounding them over the response. We allow 2% on the loss and 5% on the
// gradient's norm and ask for a cosine of 0.99 with the float32 gradient: ten times the
// per-value rounding, far below what a wrong cast (a bf16 log-sum, a missing autocast) gives.
#include <torch/torch.h>

#include <QtTest>

#include "tests/support/TestMain.h"

#include <QTemporaryDir>
#include <cmath>
#include <numeric>

#include "core/config/RunConfig.h"
#include "core/model/GptNeoX.h"
#include "core/objectives/Objective.h"
#include "core/run/RunStore.h"
#include "core/train/Autocast.h"
#include "core/train/PairForward.h"
#include "core/train/Trainer.h"
#include "core/train/TrainingData.h"
#include "core/train/TrainingObserver.h"

namespace rgpb_test_precision {

using namespace rgpb;

namespace {

struct LossAndGrad {
    double loss = 0;
    torch::Tensor grad;  // every parameter's gradient, flattened, float32
    torch::ScalarType logits_type = torch::kFloat32;
};

LossAndGrad lossAndGrad(GptNeoX& model, const SequenceBatch& batch, const Objective& objective,
                        const torch::Tensor& ref, const std::string& precision) {
    model->zero_grad();
    PairLogProbs lp;
    LossAndGrad out;
    {
        AutocastScope autocast(precision, torch::kCPU);
        PairForward f = forwardPairs(model, batch, torch::kCPU);
        out.logits_type = f.pos_logits.scalar_type();
        lp = f.logprobs;
    }
    if (ref.defined()) {
        lp.ref_pos_sum = ref.select(1, 0);
        lp.ref_neg_sum = ref.select(1, 1);
    }
    ObjectiveResult r = objective.compute(lp);
    r.loss.backward();
    out.loss = r.loss.item<double>();
    std::vector<torch::Tensor> grads;
    for (const auto& p : model->parameters()) {
        if (p.scalar_type() != torch::kFloat32 || p.grad().scalar_type() != torch::kFloat32)
            throw std::runtime_error("a weight or its gradient is not float32");
        grads.push_back(p.grad().flatten());
    }
    out.grad = torch::cat(grads);
    return out;
}

std::string runYaml(const std::string& precision, int seed) {
    return "name: p\nseed: " + std::to_string(seed) +
           "\ndata_seed: 5\nthreads: 2\nprecision: " + precision +
           "\ndata: {synthetic: {count: 240, regime: response-contrast}, eval_pairs: 32, "
           "max_length: 64, max_prompt_length: 48}\n"
           "model: {size: micro}\n"
           "optimizer: {lr: 3.0e-3, warmup_steps: 4, batch_size: 8}\n"
           "eval: {every: 0, batch_size: 32}\n"
           "stages: [{method: exmate, beta: 0.5, steps: 60}]\n";
}

PairMetrics finalEval(const std::string& precision, int seed, const QTemporaryDir& tmp) {
    struct Quiet : TrainingObserver {
        PairMetrics last;
        void onEval(const EvalReport& r) override { last = r.metrics; }
    } observer;
    TrainerOptions o;
    o.run_dir =
        tmp.filePath(QString::fromStdString(precision + std::to_string(seed))).toStdString();
    Trainer t(parseRunConfig(runYaml(precision, seed), "precision.yaml"), o);
    RunControl control;
    const RunSummary s = t.run(observer, control);
    if (s.status != RunStatus::Finished)
        throw std::runtime_error("run " + precision + " failed: " + s.reason);
    return observer.last;
}

}  // namespace

class TestPrecision : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase() { torch::set_num_threads(2); }

    void everyObjectiveStaysNearFloat32UnderBf16() {
        RunConfig cfg = parseRunConfig(
            "data: {synthetic: {count: 40}, eval_pairs: 8}\nstages: [{method: mle, steps: 1}]\n",
            "precision.yaml");
        QTemporaryDir tmp;
        TrainingData data = prepareTrainingData(cfg, tmp.filePath("tok").toStdString());
        torch::manual_seed(7);
        GptNeoX model(ModelConfig::named("micro", data.tokenizer->vocabSize()));
        std::vector<std::size_t> idx(8);
        std::iota(idx.begin(), idx.end(), 0);
        const SequenceBatch batch = collatePairs(data.train, idx, data.tokenizer->specials().pad);
        // DPO's reference: the pairs' float32 sums under a slightly different model, so that
        // h != 0 and every factor of the gradient is exercised.
        torch::Tensor ref =
            sequenceSums(model, data.train, data.tokenizer->specials().pad, 8, torch::kCPU)
                .slice(0, 0, 8) -
            torch::tensor({0.5, -0.5});
        for (ObjectiveKind kind : {ObjectiveKind::Mle, ObjectiveKind::Dpo,
                                   ObjectiveKind::Unlikelihood, ObjectiveKind::Exmate}) {
            const std::string name = objectiveKindName(kind);
            auto objective = makeObjective(ObjectiveSpec::single(kind, 0.5));
            const torch::Tensor r = kind == ObjectiveKind::Dpo ? ref : torch::Tensor();
            const LossAndGrad f32 = lossAndGrad(model, batch, *objective, r, "fp32");
            const LossAndGrad b16 = lossAndGrad(model, batch, *objective, r, "bf16");
            QCOMPARE(f32.logits_type, torch::kFloat32);
            QVERIFY2(b16.logits_type == torch::kBFloat16,
                     "the bf16 forward did not run under autocast");
            const double loss_err = std::abs(b16.loss - f32.loss) / std::abs(f32.loss);
            const double cosine = (f32.grad * b16.grad).sum().item<double>() /
                                  (f32.grad.norm().item<double>() * b16.grad.norm().item<double>());
            const double norm_ratio =
                b16.grad.norm().item<double>() / f32.grad.norm().item<double>();
            const QByteArray what =
                QByteArray(name.c_str()) + ": loss " + QByteArray::number(f32.loss) + " vs " +
                QByteArray::number(b16.loss) + ", gradient cosine " + QByteArray::number(cosine) +
                ", norm ratio " + QByteArray::number(norm_ratio);
            qInfo("%s", what.constData());
            QVERIFY2(loss_err <= 0.02, what.constData());
            QVERIFY2(cosine >= 0.99, what.constData());
            QVERIFY2(std::abs(norm_ratio - 1.0) <= 0.05, what.constData());
        }
    }

    // The same short ExMATE run in float32 (seeds 3 and 4) and bf16 (seed 3): the bf16 run's
    // final perplexity and agility are closer to float32's than another float32 seed is, or
    // within 2% of perplexity when the seeds happen to agree more closely than that.
    void aBf16RunEndsWhereTheFloat32RunDoes() {
        QTemporaryDir tmp;
        const PairMetrics f32 = finalEval("fp32", 3, tmp);
        const PairMetrics other_seed = finalEval("fp32", 4, tmp);
        const PairMetrics b16 = finalEval("bf16", 3, tmp);
        qInfo("perplexity fp32 %.4f, fp32 seed 4 %.4f, bf16 %.4f; agility %.4f, %.4f, %.4f",
              f32.perplexity, other_seed.perplexity, b16.perplexity, f32.agility,
              other_seed.agility, b16.agility);
        QVERIFY(std::isfinite(b16.perplexity) && std::isfinite(b16.agility));
        QVERIFY2(f32.perplexity < 0.9 * 260, "the float32 run did not learn");
        const double seed_gap = std::abs(other_seed.perplexity - f32.perplexity);
        QVERIFY(std::abs(b16.perplexity - f32.perplexity) <=
                std::max(seed_gap, 0.02 * f32.perplexity));
        const double agility_gap = std::abs(other_seed.agility - f32.agility);
        QVERIFY(std::abs(b16.agility - f32.agility) <= std::max(agility_gap, 0.02));
    }
};

RGPB_TEST_MAIN(TestPrecision)
}  // namespace rgpb_test_precision
#include "test_precision.moc"
