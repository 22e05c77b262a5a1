// The data a run trains and evaluates on: data_seed fixes the pairs and the split apart from the
// training seed; data.validation_pairs carves a validation split off the training side without
// changing the eval split; eval.split = validation evaluates on it and leaves the eval split out.
#include <torch/torch.h>

#include <QtTest>

#include "tests/support/TestMain.h"

#include <QTemporaryDir>
#include <set>
#include <string>

#include "core/config/RunConfig.h"
#include "core/data/PairSource.h"
#include "core/train/TrainingData.h"
#include "core/util/Error.h"
#include "tests/support/ErrorText.h"

// This file's code has its own namespace: the group's tests build as one unity batch.
namespace rgpb_test_training_data {

using namespace rgpb;

RunConfig dataConfig(const std::string& extra) {
    return parseRunConfig("data: {source: synthetic, synthetic: {count: 300}, eval_pairs: 40}\n" +
                              extra + "stages: [{method: mle, steps: 1}]\n",
                          "test.yaml");
}

std::set<std::string> keys(const std::vector<PairText>& pairs) {
    std::set<std::string> k;
    for (const PairText& p : pairs)
        k.insert(p.prompt_pos + "|" + p.response_pos + "|" + p.prompt_neg + "|" + p.response_neg);
    return k;
}

class TestTrainingData : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void dataSeedFixesTheSplitAcrossTrainingSeeds() {
        RunConfig a = dataConfig("seed: 1\ndata_seed: 7\n");
        RunConfig b = dataConfig("seed: 2\ndata_seed: 7\n");
        QCOMPARE(a.dataSeed(), uint64_t(7));
        DataSplit sa = loadPairTexts(a.data, a.dataSeed());
        DataSplit sb = loadPairTexts(b.data, b.dataSeed());
        QCOMPARE(sa.eval.size(), std::size_t(40));
        QVERIFY(keys(sa.eval) == keys(sb.eval));
        QVERIFY(keys(sa.train) == keys(sb.train));
        // Without data_seed the seed decides the data, as before.
        RunConfig c = dataConfig("seed: 2\n");
        QCOMPARE(c.dataSeed(), uint64_t(2));
        QVERIFY(keys(loadPairTexts(c.data, c.dataSeed()).eval) != keys(sa.eval));
    }

    void validationPairsComeFromTheTrainingSideOnly() {
        RunConfig plain = dataConfig("data_seed: 3\n");
        RunConfig held = plain;
        held.data.validation_pairs = 25;
        DataSplit p = loadPairTexts(plain.data, plain.dataSeed());
        DataSplit h = loadPairTexts(held.data, held.dataSeed());
        QCOMPARE(h.validation.size(), std::size_t(25));
        QCOMPARE(h.train.size() + 25, p.train.size());
        QVERIFY(keys(h.eval) == keys(p.eval));  // the eval split does not move
        std::set<std::string> train = keys(h.train), validation = keys(h.validation);
        std::set<std::string> all_train = keys(p.train);
        for (const std::string& v : validation) {
            QVERIFY(train.count(v) == 0);
            QVERIFY(all_train.count(v) == 1);  // taken from what used to be training pairs
        }
    }

    void evaluatingOnValidationDropsTheEvalSplit() {
        QTemporaryDir dir;
        RunConfig c = parseRunConfig(
            "data_seed: 5\n"
            "data: {source: synthetic, synthetic: {count: 300}, eval_pairs: 40, "
            "validation_pairs: 30}\n"
            "eval: {split: validation}\n"
            "stages: [{method: mle, steps: 1}]\n",
            "test.yaml");
        TrainingData d = prepareTrainingData(c, dir.filePath("tok").toStdString());
        DataSplit s = loadPairTexts(c.data, c.dataSeed());
        QCOMPARE(d.eval_text.size(), std::size_t(30));
        QVERIFY(keys(d.eval_text) == keys(s.validation));
        QCOMPARE(d.eval.size(), std::size_t(30));
        QCOMPARE(d.train_text.size(), std::size_t(300 - 40 - 30));
        for (const std::string& k : keys(d.eval_text))
            QVERIFY(keys(s.eval).count(k) == 0);
    }

    void tooFewPairsNamesBothSplits() {
        RunConfig c = dataConfig("");
        c.data.validation_pairs = 260;
        const QString m = QString::fromStdString(
            rgpb::test::messageOf<rgpb::InputError>([&] { loadPairTexts(c.data, c.dataSeed()); }));
        QVERIFY2(m.contains("data.validation_pairs = 260") && m.contains("data.eval_pairs = 40"),
                 qPrintable(m));
    }

    void validationSplitNeedsValidationPairs() {
        const QString m = QString::fromStdString(rgpb::test::messageOf<rgpb::InputError>([] {
            parseRunConfig("eval: {split: validation}\nstages: [{method: mle, steps: 1}]\n",
                           "v.yaml");
        }));
        QVERIFY2(
            m.contains("v.yaml:1:") && m.contains("eval.split") && m.contains("validation_pairs"),
            qPrintable(m));
    }
};

RGPB_TEST_MAIN(TestTrainingData)

}  // namespace rgpb_test_training_data

#include "test_training_data.moc"
