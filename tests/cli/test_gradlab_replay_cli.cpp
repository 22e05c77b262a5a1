// `rgpb gradlab replay` (issue 15) end to end on a two-step micro run: it writes norms.csv,
// cosines.csv, effects.csv and summary.json with the documented columns, shows a progress bar,
// says which checkpoint was DPO's reference, and rejects bad methods and learning rates with
// messages naming the option and the value, before loading anything.
#include <QtTest>

#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>

#include "tests/support/CliRun.h"
#include "tests/support/TestMain.h"

namespace rgpb_test_gradlab_replay_cli {

namespace {

QStringList linesOf(const QString& path) {
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly))
        return {};
    return QString::fromUtf8(f.readAll()).trimmed().split('\n');
}

}  // namespace

class TestGradlabReplayCli : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase() {
        QVERIFY(tmp_.isValid());
        const QString preset = tmp_.filePath("t.yaml");
        QFile f(preset);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(
            "name: t\nthreads: 1\ndata: {synthetic: {count: 40}, eval_pairs: 8, max_length: "
            "48, max_prompt_length: 32}\nmodel: {size: micro}\noptimizer: {batch_size: 4}\n"
            "eval: {every: 0, batch_size: 8, samples: 0}\nstages: [{method: dpo, steps: 2}]\n");
        f.close();
        run_ = tmp_.filePath("run");
        const auto r = rgpb::test::runCli({"train", preset, "--run-dir", run_, "--plain"});
        QVERIFY2(r.code == 0, qPrintable(r.err));
    }

    void writesTheFiles() {
        const QString out = tmp_.filePath("replay");
        const auto r = rgpb::test::runCli(
            {"gradlab", "replay", run_, "--data", "synthetic", "--methods", "mle,dpo,ul,exmate",
             "--beta", "0.5", "--lr", "1e-4,1e-2", "--pairs", "4", "--threads", "1", "--out", out});
        QVERIFY2(r.code == 0, qPrintable(r.err));
        // 4 gradients + 4 pairs + 4 methods x 2 lrs.
        QVERIFY2(r.err.contains("] 16/16 steps (100%)"), qPrintable(r.err));
        QVERIFY2(r.err.contains("[####################]"), qPrintable(r.err));

        const QStringList norms = linesOf(out + "/norms.csv");
        QCOMPARE(norms.value(0), QString("method,group,norm"));
        // all + embeddings + 5 layers + head, per method.
        QCOMPARE(norms.size(), 1 + 4 * 8);
        const QStringList layer5 = norms.filter("dpo,layer 5,");
        QCOMPARE(layer5.size(), 1);
        bool ok = false;
        const double norm = layer5[0].section(',', 2).toDouble(&ok);
        QVERIFY2(ok && norm > 0, qPrintable(layer5[0]));
        const QStringList cos = linesOf(out + "/cosines.csv");
        QCOMPARE(cos.value(0), QString("method,mle,dpo,ul,exmate"));
        QCOMPARE(cos.size(), 5);
        QVERIFY2(cos[2].startsWith("dpo,") && cos[2].split(',')[2] == "1", qPrintable(cos[2]));
        const QStringList fx = linesOf(out + "/effects.csv");
        QCOMPARE(fx.value(0), QString("pair,method,lr,d_pos_pred,d_pos_actual,d_neg_pred,"
                                      "d_neg_actual,rel_err_pos,rel_err_neg"));
        QCOMPARE(fx.size(), 1 + 4 * 4 * 2);

        QFile summary(out + "/summary.json");
        QVERIFY(summary.open(QIODevice::ReadOnly));
        const QJsonObject j = QJsonDocument::fromJson(summary.readAll()).object();
        QCOMPARE(j["pairs"].toInt(), 4);
        QCOMPARE(j["beta"].toDouble(), 0.5);
        QVERIFY(j["reference"].toString().contains("itself"));
        QCOMPARE(j["methods"].toArray().size(), 4);
        QCOMPARE(j["first_order"].toArray().size(), 8);
        QVERIFY(r.out.contains("\"gradients\""));
    }

    void aReferenceCheckpointIsNamed() {
        const QString ckpt =
            QDir(run_ + "/checkpoints").entryList(QDir::Dirs | QDir::NoDotAndDotDot).value(0);
        QVERIFY(!ckpt.isEmpty());
        const QString out = tmp_.filePath("replay_ref");
        const auto r = rgpb::test::runCli({"gradlab", "replay", run_, "--data", "synthetic",
                                           "--methods", "dpo", "--pairs", "2", "--reference",
                                           run_ + "/checkpoints/" + ckpt, "--out", out});
        QVERIFY2(r.code == 0, qPrintable(r.err));
        QVERIFY2(r.out.contains(ckpt), qPrintable(r.out));
    }

    void badArgumentsAreNamed() {
        const QString out = tmp_.filePath("bad");
        auto r = rgpb::test::runCli({"gradlab", "replay", run_, "--data", "synthetic", "--methods",
                                     "mle,ppo", "--out", out});
        QCOMPARE(r.code, 1);
        QVERIFY2(r.err.contains("argument 'methods' must be mle, dpo, ul or exmate, got 'ppo'"),
                 qPrintable(r.err));
        r = rgpb::test::runCli(
            {"gradlab", "replay", run_, "--data", "synthetic", "--lr", "1e-3,0", "--out", out});
        QCOMPARE(r.code, 1);
        QVERIFY2(r.err.contains("argument 'lr' must be finite and > 0, got 0"), qPrintable(r.err));
        r = rgpb::test::runCli(
            {"gradlab", "replay", run_, "--data", "synthetic", "--lr", "fast", "--out", out});
        QCOMPARE(r.code, 1);
        QVERIFY2(r.err.contains("--lr"), qPrintable(r.err));
        r = rgpb::test::runCli({"gradlab", "replay", run_, "--out", out});
        QCOMPARE(r.code, 1);
        QVERIFY2(r.err.contains("--data FILE"), qPrintable(r.err));
        QVERIFY(!QFile::exists(out));
        r = rgpb::test::runCli({"gradlab", "replay", "--help"});
        QCOMPARE(r.code, 0);
        QVERIFY((r.out + r.err).contains("usage: rgpb gradlab replay"));
    }

private:
    QTemporaryDir tmp_;
    QString run_;
};

RGPB_TEST_MAIN(TestGradlabReplayCli)
}  // namespace rgpb_test_gradlab_replay_cli
#include "test_gradlab_replay_cli.moc"
