// `rgpb serve` as a process: it prints the URL it listens on (the real port for --port 0),
// answers /v1/models there, requires the token named by --token-env, and stops cleanly on
// SIGINT; a --token-env variable that is not set is refused before anything starts.
#include <QtTest>

#include "tests/support/TestMain.h"

#include <QProcess>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <csignal>

#include "tests/serve/ServeClient.h"
#include "tests/support/CliRun.h"
#include "tests/support/MicroRun.h"

// This file's code has its own namespace: the group's tests build as one unity batch.
namespace rgpb_test_serve_cli {

using namespace rgpb;
using namespace rgpb::test;

class ServeCliTest : public QObject {
    Q_OBJECT

    QTemporaryDir tmp_;
    QString run_dir_;

private Q_SLOTS:
    void initTestCase() {
        QVERIFY(tmp_.isValid());
        torch::manual_seed(11);  // the same random model every time
        run_dir_ = QString::fromStdString(
            makeMicroRun(std::filesystem::path(tmp_.path().toStdString()) / "cli-run"));
    }

    void servesUntilSigint() {
        QProcess p;
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert("RGPB_TEST_SERVE_TOKEN", "tok-123");
        p.setProcessEnvironment(env);
        p.start(QStringLiteral(RGPB_CLI), {"serve", run_dir_, "--port", "0", "--token-env",
                                           "RGPB_TEST_SERVE_TOKEN", "--threads", "1"});
        QVERIFY(p.waitForStarted());
        QString out;
        const QRegularExpression url_line("at (http://127\\.0\\.0\\.1:(\\d+))/v1");
        QRegularExpressionMatch m;
        while (!(m = url_line.match(out)).hasMatch()) {
            QVERIFY2(p.state() == QProcess::Running,
                     qPrintable("rgpb serve ended: " + p.readAllStandardError()));
            p.waitForReadyRead(1000);
            out += QString::fromUtf8(p.readAllStandardOutput());
        }
        QVERIFY(m.captured(2).toInt() > 0);
        const std::string url = m.captured(1).toStdString();
        QCOMPARE(httpCall(url, "GET", "/v1/models").status, 401);
        const HttpReply r =
            httpCall(url, "GET", "/v1/models", {}, {{"Authorization", "Bearer tok-123"}});
        QCOMPARE(r.status, 200);
        QCOMPARE(r.json["data"][0]["id"], nlohmann::json("cli-run"));

        ::kill(static_cast<pid_t>(p.processId()), SIGINT);
        QVERIFY(p.waitForFinished(60000));
        QCOMPARE(p.exitStatus(), QProcess::NormalExit);
        QCOMPARE(p.exitCode(), 0);
        const QString err = QString::fromUtf8(p.readAllStandardError());
        QVERIFY2(err.contains("serve: stopped; 2 request(s)"), qPrintable(err));
        QVERIFY2(!err.contains("tok-123") && !out.contains("tok-123"), qPrintable(err));
    }

    void aMissingTokenVariableIsRefused() {
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.remove("RGPB_TEST_NO_SUCH_TOKEN");
        const CliResult r =
            runCli({"serve", run_dir_, "--port", "0", "--token-env", "RGPB_TEST_NO_SUCH_TOKEN"},
                   60000, env);
        QCOMPARE(r.code, 1);
        QVERIFY2(r.err.contains("--token-env RGPB_TEST_NO_SUCH_TOKEN"), qPrintable(r.err));
    }
};

}  // namespace rgpb_test_serve_cli

using rgpb_test_serve_cli::ServeCliTest;
RGPB_TEST_MAIN(ServeCliTest)
#include "test_serve_cli.moc"
