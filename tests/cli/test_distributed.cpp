// Data-parallel training on c10d with Gloo (issue #13), through `rgpb train --nproc 2` as a user
// runs it: two processes with half of every batch each follow the same loss trajectory and end
// at the same weights as one process with the whole batch (MLE, DPO with its cached reference,
// ExMATE, gradient accumulation); a stopped two-process run resumes as if uninterrupted; a rank
// killed with SIGKILL (or stopped, hung) fails the run with the rank, the signal and the step in
// summary.json and leaves the last checkpoint intact; bad requests (NCCL here, a batch that does
// not split, a malformed RANK) fail with their reason.
#include <QtTest>

#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <csignal>
#include <cstring>

#include <string>

#include "core/model/SafetensorsHeader.h"
#include "core/run/RunStore.h"
#include "core/train/CheckpointManifest.h"
#include "core/train/ModelSource.h"
#include "tests/support/CliRun.h"
#include "tests/support/TestMain.h"

// This file's code has its own namespace: the group's tests build as one unity batch.
namespace rgpb_test_distributed {

using namespace rgpb;
using rgpb::test::CliResult;
using rgpb::test::runCli;

namespace {

// A micro run small enough for seconds per process; `stages` and `optimizer` vary by row.
QString preset(const QString& optimizer, const QString& stages, int checkpoint_every = 5) {
    return QString(
               "name: dp\nseed: 7\nthreads: 1\n"
               "data: {synthetic: {count: 120}, eval_pairs: 16, max_length: 48, "
               "max_prompt_length: 32}\n"
               "optimizer: {%1}\n"
               "eval: {every: 5, batch_size: 16, samples: 0}\n"
               "checkpoint: {every: %3, keep_last: 2}\n"
               "stages:\n%2")
        .arg(optimizer, stages)
        .arg(checkpoint_every);
}

QString writeFile(const QTemporaryDir& tmp, const QString& name, const QString& text) {
    const QString path = tmp.filePath(name);
    QFile f(path);
    if (!f.open(QIODevice::WriteOnly) || f.write(text.toUtf8()) <= 0)
        return {};
    return path;
}

QByteArray fileBytes(const QString& path) {
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

// metrics.jsonl's rows of one split.
QList<QJsonObject> metricRows(const QString& run_dir, const QString& split) {
    QList<QJsonObject> rows;
    for (const QByteArray& line : fileBytes(run_dir + "/metrics.jsonl").split('\n')) {
        if (line.trimmed().isEmpty())
            continue;
        const QJsonObject row = QJsonDocument::fromJson(line).object();
        if (row.value("split").toString() == split)
            rows.append(row);
    }
    return rows;
}

bool close(double a, double b, double rel) {
    return std::abs(a - b) <= rel * std::max(1.0, std::max(std::abs(a), std::abs(b)));
}

// The F32 tensors of a model.safetensors file, by name.
QMap<QString, QVector<float>> weights(const QString& path) {
    QMap<QString, QVector<float>> out;
    const SafetensorsHeader h = readSafetensorsHeader(path.toStdString());
    const QByteArray bytes = fileBytes(path);
    for (const SafetensorsEntry& e : h.tensors) {
        if (e.dtype != SafetensorsDtype::F32)
            continue;
        QVector<float> v(static_cast<int>(e.numel()));
        std::memcpy(v.data(), bytes.constData() + h.data_start + e.begin, e.end - e.begin);
        out.insert(QString::fromStdString(e.name), v);
    }
    return out;
}

// Trains `preset_path` into `run_dir` with `nproc` processes; the CLI's answer.
CliResult train(const QString& preset_path, const QString& run_dir, int nproc,
                const QStringList& extra = {}) {
    QStringList args{"train", preset_path, "--run-dir", run_dir, "--plain"};
    if (nproc > 1)
        args << "--nproc" << QString::number(nproc);
    return runCli(args + extra, 240000);
}

// Starts a two-process run and returns once rank 1's pid is known and the run has taken
// `steps` steps (its launcher's and rank 0's standard error so far in `err`).
pid_t startAndWaitForStep(QProcess& p, const QStringList& args, int steps, QByteArray& err) {
    p.start(QStringLiteral(RGPB_CLI), args);
    if (!p.waitForStarted())
        return -1;
    const QRegularExpression pid_re("rank 1 pid (\\d+)");
    const QByteArray mark = QString("step %1/").arg(steps).toUtf8();
    while (p.state() == QProcess::Running && !err.contains(mark)) {
        p.waitForReadyRead(1000);
        err += p.readAllStandardError();
    }
    const QRegularExpressionMatch m = pid_re.match(QString::fromUtf8(err));
    return m.hasMatch() && err.contains(mark) ? static_cast<pid_t>(m.captured(1).toLongLong()) : -1;
}

// A 60-step two-process MLE run in tmp/run (a checkpoint every 2 steps, distributed.timeout_s
// `timeout_s`), started in `launcher`; rank 1's pid once `steps` steps are done (-1 if never).
pid_t startLongRun(const QTemporaryDir& tmp, int timeout_s, int steps, QProcess& launcher,
                   QByteArray& err) {
    const QString p =
        writeFile(tmp, "dp.yaml",
                  preset("batch_size: 4, warmup_steps: 2", "  - {method: mle, steps: 60}\n", 2) +
                      QString("distributed: {timeout_s: %1}\n").arg(timeout_s));
    return startAndWaitForStep(launcher,
                               {"train", p, "--run-dir", tmp.filePath("run"), "--nproc", "2",
                                "--plain", "--print-every", "1"},
                               steps, err);
}

}  // namespace

class TestDistributed : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void twoProcessesMatchOneProcess_data() {
        QTest::addColumn<QString>("optimizer");
        QTest::addColumn<QString>("stages");
        const QString opt = "batch_size: 4, warmup_steps: 2, lr: 3.0e-3";
        QTest::newRow("mle") << opt << "  - {method: mle, steps: 10}\n";
        QTest::newRow("dpo cached reference")
            << opt << "  - {method: mle, steps: 5}\n  - {method: dpo, beta: 0.5, steps: 6}\n";
        QTest::newRow("exmate") << opt << "  - {method: exmate, beta: 0.5, steps: 10}\n";
        QTest::newRow("exmate grad_accum 2") << opt + ", grad_accum: 2"
                                             << "  - {method: exmate, beta: 0.5, steps: 6}\n";
    }

    void twoProcessesMatchOneProcess() {
        QFETCH(QString, optimizer);
        QFETCH(QString, stages);
        QTemporaryDir tmp;
        const QString p = writeFile(tmp, "dp.yaml", preset(optimizer, stages));
        const QString one = tmp.filePath("one"), two = tmp.filePath("two");
        const CliResult a = train(p, one, 1);
        QVERIFY2(a.code == 0, qPrintable(a.err));
        const CliResult b = train(p, two, 2);
        QVERIFY2(b.code == 0, qPrintable(b.err));
        QVERIFY2(b.err.contains("data-parallel: 2 processes"), qPrintable(b.err));
        QCOMPARE(b.out.trimmed(), two);  // the run folder, once (rank 0's)
        QCOMPARE(readSummary(two.toStdString()).status, RunStatus::Finished);

        // The same trajectory: every step's loss, gradient norm and token count.
        const QList<QJsonObject> ta = metricRows(one, "train"), tb = metricRows(two, "train");
        QVERIFY(!ta.isEmpty());
        QCOMPARE(tb.size(), ta.size());
        for (int i = 0; i < ta.size(); ++i) {
            for (const char* k : {"loss", "grad_norm"}) {
                const double x = ta[i].value(k).toDouble(), y = tb[i].value(k).toDouble();
                QVERIFY2(close(x, y, 1e-4), qPrintable(QString("step %1 %2: one process %3, two "
                                                               "processes %4")
                                                           .arg(i + 1)
                                                           .arg(k)
                                                           .arg(x, 0, 'g', 9)
                                                           .arg(y, 0, 'g', 9)));
            }
            QCOMPARE(tb[i].value("tokens").toDouble(), ta[i].value("tokens").toDouble());
            QVERIFY(!ta[i].contains("allreduce_ms"));
            QVERIFY(tb[i].value("allreduce_ms").toDouble() > 0.0);
        }
        const QList<QJsonObject> ea = metricRows(one, "eval"), eb = metricRows(two, "eval");
        QCOMPARE(eb.size(), ea.size());
        for (int i = 0; i < ea.size(); ++i)
            QVERIFY(close(ea[i].value("perplexity").toDouble(),
                          eb[i].value("perplexity").toDouble(), 1e-4));

        // The same final weights, read back from exported safetensors.
        for (const QString& run : {one, two}) {
            const CliResult e = runCli({"export-hf", run, run + "-hf"});
            QVERIFY2(e.code == 0, qPrintable(e.err));
        }
        const auto wa = weights(one + "-hf/model.safetensors");
        const auto wb = weights(two + "-hf/model.safetensors");
        QVERIFY(wa.size() > 4);
        QCOMPARE(wb.keys(), wa.keys());
        double worst = 0.0;
        for (auto it = wa.begin(); it != wa.end(); ++it) {
            const QVector<float>& x = it.value();
            const QVector<float>& y = wb.value(it.key());
            QCOMPARE(y.size(), x.size());
            for (int i = 0; i < x.size(); ++i)
                worst = std::max(worst, static_cast<double>(std::abs(x[i] - y[i])));
        }
        QVERIFY2(worst < 1e-4, qPrintable(QString("largest weight difference %1").arg(worst)));
    }

    // A two-process run stopped at step 6 and resumed with two processes ends where an
    // uninterrupted two-process run ends, step by step.
    void aTwoProcessRunResumes() {
        QTemporaryDir tmp;
        const QString p = writeFile(tmp, "dp.yaml",
                                    preset("batch_size: 4, warmup_steps: 2",
                                           "  - {method: exmate, beta: 0.5, steps: 12}\n"));
        const QString whole = tmp.filePath("whole"), parts = tmp.filePath("parts");
        QVERIFY(train(p, whole, 2).code == 0);
        const CliResult first = train(p, parts, 2, {"--stop-after", "6"});
        QVERIFY2(first.code == 0, qPrintable(first.err));
        QCOMPARE(readSummary(parts.toStdString()).step, int64_t(6));
        const CliResult rest = runCli({"resume", parts, "--nproc", "2", "--plain"}, 240000);
        QVERIFY2(rest.code == 0, qPrintable(rest.err));
        QVERIFY2(rest.err.contains("data-parallel: 2 processes"), qPrintable(rest.err));
        QCOMPARE(readSummary(parts.toStdString()).status, RunStatus::Finished);
        const QList<QJsonObject> a = metricRows(whole, "train"), b = metricRows(parts, "train");
        QCOMPARE(b.size(), a.size());
        for (int i = 0; i < a.size(); ++i) {
            QCOMPARE(b[i].value("step").toInt(), a[i].value("step").toInt());
            QVERIFY2(close(a[i].value("loss").toDouble(), b[i].value("loss").toDouble(), 1e-6),
                     qPrintable(QString("step %1").arg(i + 1)));
        }
    }

    // SIGKILL to rank 1 mid-run: rank 0 and the launcher stop at once (well within the timeout),
    // the summary names the rank, the signal and the step, and the last checkpoint resumes.
    void aKilledRankFailsTheRun() {
        QTemporaryDir tmp;
        const QString run = tmp.filePath("run");
        QProcess launcher;
        QByteArray err;
        const pid_t rank1 = startLongRun(tmp, 30, 5, launcher, err);
        QVERIFY2(rank1 > 0, err.constData());
        QVERIFY(::kill(rank1, SIGKILL) == 0);
        QElapsedTimer t;
        t.start();
        QVERIFY(launcher.waitForFinished(120000));
        err += launcher.readAllStandardError();
        QVERIFY2(t.elapsed() < 30000, qPrintable(QString("stopped after %1 ms").arg(t.elapsed())));
        QCOMPARE(launcher.exitCode(), 1);

        const RunSummary s = readSummary(run.toStdString());
        QCOMPARE(s.status, RunStatus::Failed);
        const QRegularExpression want("^rank 1 exited with signal 9 \\(SIGKILL\\) at step (\\d+)$");
        const QRegularExpressionMatch m = want.match(QString::fromStdString(s.reason));
        QVERIFY2(m.hasMatch(), s.reason.c_str());
        QVERIFY(m.captured(1).toInt() >= 5 && m.captured(1).toInt() < 60);
        QVERIFY2(!QFile::exists(run + "/run.lock") || !RunLock::isHeld(run.toStdString()),
                 "no live process holds the run");

        // The newest checkpoint is whole, and a resume (one process) finishes the run from it.
        const std::string ckpt = latestCheckpoint(run.toStdString());
        QVERIFY(!ckpt.empty());
        QVERIFY(requireIntactCheckpoint(ckpt));
        const CliResult r = runCli({"resume", run, "--plain"}, 240000);
        QVERIFY2(r.code == 0, qPrintable(r.err));
        QCOMPARE(readSummary(run.toStdString()).status, RunStatus::Finished);
        QCOMPARE(readSummary(run.toStdString()).step, int64_t(60));
    }

    // A rank that stops answering (SIGSTOP): the others give up after distributed.timeout_s (8 s:
    // long enough for two processes to meet on a loaded machine) with
    // that reason, and the launcher kills the hung rank.
    void aHungRankFailsTheRunAfterTheTimeout() {
        QTemporaryDir tmp;
        const QString run = tmp.filePath("run");
        QProcess launcher;
        QByteArray err;
        const pid_t rank1 = startLongRun(tmp, 8, 3, launcher, err);
        QVERIFY2(rank1 > 0, err.constData());
        QVERIFY(::kill(rank1, SIGSTOP) == 0);
        QVERIFY(launcher.waitForFinished(120000));
        err += launcher.readAllStandardError();
        QCOMPARE(launcher.exitCode(), 1);
        const RunSummary s = readSummary(run.toStdString());
        QCOMPARE(s.status, RunStatus::Failed);
        QVERIFY2(QString::fromStdString(s.reason).contains("distributed.timeout_s = 8 s"),
                 s.reason.c_str());
        QVERIFY2(::kill(rank1, 0) != 0, "the hung rank was killed");
    }

    void badRequestsFailWithTheirReason() {
        QTemporaryDir tmp;
        const QString p =
            writeFile(tmp, "dp.yaml", preset("batch_size: 4", "  - {method: mle, steps: 2}\n"));
        // NCCL on this CPU build, as one rank under a launcher's environment.
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert("RANK", "0");
        env.insert("WORLD_SIZE", "1");
        env.insert("MASTER_ADDR", "127.0.0.1");
        env.insert("MASTER_PORT", "1");
        CliResult r = runCli({"train", p, "--run-dir", tmp.filePath("nccl"), "--plain", "--set",
                              "distributed.backend=nccl"},
                             60000, env);
        QCOMPARE(r.code, 1);
        QVERIFY2(r.err.contains("distributed.backend nccl needs a CUDA build of LibTorch"),
                 qPrintable(r.err));
        // A batch that does not split evenly.
        r = train(p, tmp.filePath("odd"), 2, {"--set", "optimizer.batch_size=3"});
        QCOMPARE(r.code, 1);
        QVERIFY2(r.err.contains("optimizer.batch_size") && r.err.contains("a multiple of 2, got 3"),
                 qPrintable(r.err));
        // A malformed launcher variable.
        env.insert("RANK", "one");
        r = runCli({"train", p, "--run-dir", tmp.filePath("rank"), "--plain"}, 60000, env);
        QVERIFY(r.code != 0);
        QVERIFY2(r.err.contains("environment variable RANK") && r.err.contains("'one'"),
                 qPrintable(r.err));
        // --nproc out of range.
        r = train(p, tmp.filePath("zero"), 1, {"--nproc", "0"});
        QVERIFY(r.code != 0);
        QVERIFY2(r.err.contains("--nproc"), qPrintable(r.err));
    }
};

RGPB_TEST_MAIN(TestDistributed)
}  // namespace rgpb_test_distributed
#include "test_distributed.moc"
