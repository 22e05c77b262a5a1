// How `rgpb` uses the cores (issue 19): OpenMP's passive wait policy is in force from the start
// (GNU OpenMP reads it before main(); OMP_DISPLAY_ENV=VERBOSE makes it print what it read),
// unless the user chose a policy; and a run says in its log how many threads it got.
#include <QtTest>

#include <QProcess>
#include <QProcessEnvironment>
#include <QTemporaryDir>

#include "tests/support/CliRun.h"
#include "tests/support/TestMain.h"

namespace rgpb_test_cli_threads {

namespace {

using Output = rgpb::test::CliResult;

Output rgpb(const QStringList& args, const QProcessEnvironment& env) {
    return rgpb::test::runCli(args, 120000, env);
}

QProcessEnvironment withoutWaitPolicy() {
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.remove("OMP_WAIT_POLICY");  // CTest sets it for the tests themselves
    env.remove("RGPB_OMP_WAIT_POLICY");
    env.insert("OMP_DISPLAY_ENV", "VERBOSE");
    return env;
}

}  // namespace

class TestCliThreads : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void openMpWaitsPassivelyFromTheStart() {
        const Output o = rgpb({"version"}, withoutWaitPolicy());
        QCOMPARE(o.code, 0);
        // What GNU OpenMP itself read at load: passive, no spinning.
        QVERIFY2(o.err.contains("OMP_WAIT_POLICY = 'PASSIVE'"), qPrintable(o.err));
        QVERIFY2(o.err.contains("GOMP_SPINCOUNT = '0'"), qPrintable(o.err));
        QVERIFY2(o.out.contains("OpenMP wait policy: PASSIVE (rgpb's default)"), qPrintable(o.out));
    }

    void theUsersPolicyWins() {
        QProcessEnvironment env = withoutWaitPolicy();
        env.insert("OMP_WAIT_POLICY", "ACTIVE");
        const Output o = rgpb({"version"}, env);
        QCOMPARE(o.code, 0);
        QVERIFY2(o.err.contains("OMP_WAIT_POLICY = 'ACTIVE'"), qPrintable(o.err));
        QVERIFY2(o.out.contains("OpenMP wait policy: ACTIVE (OMP_WAIT_POLICY)"), qPrintable(o.out));
    }

    void aRunLogsItsThreads() {
        QTemporaryDir tmp;
        const QString preset = tmp.filePath("t.yaml");
        QFile f(preset);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(
            "name: t\nthreads: 1\ndata: {synthetic: {count: 40}, eval_pairs: 8, max_length: "
            "48, max_prompt_length: 32}\nmodel: {size: micro}\noptimizer: {batch_size: 4}\n"
            "eval: {every: 0, batch_size: 8, samples: 0}\nstages: [{method: mle, steps: 2}]\n");
        f.close();
        const Output o = rgpb({"train", preset, "--run-dir", tmp.filePath("run"), "--plain"},
                              withoutWaitPolicy());
        QVERIFY2(o.code == 0, qPrintable(o.err));
        QFile log(tmp.filePath("run/train.log"));
        QVERIFY(log.open(QIODevice::ReadOnly));
        const QString text = QString::fromUtf8(log.readAll());
        QVERIFY2(text.contains("threads: 1 (asked 1; 1 run on "), qPrintable(text));
        QVERIFY2(text.contains("OpenMP wait policy PASSIVE (rgpb's default)"), qPrintable(text));
    }
};

RGPB_TEST_MAIN(TestCliThreads)
}  // namespace rgpb_test_cli_threads
#include "test_cli_threads.moc"
