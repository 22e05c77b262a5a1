// Test helper: runs the `rgpb` built with the tests (RGPB_CLI) and collects what it said.
#pragma once

#include <QProcess>
#include <QProcessEnvironment>
#include <QString>
#include <QStringList>

namespace rgpb::test {

struct CliResult {
    int code = -1;  // the exit code; -1 when it did not finish in time, -2 when it crashed
    QString out, err;
};

inline CliResult runCli(const QStringList& args, int timeout_ms = 300000,
                        const QProcessEnvironment& env = QProcessEnvironment::systemEnvironment()) {
    QProcess p;
    p.setProcessEnvironment(env);
    p.start(QStringLiteral(RGPB_CLI), args);
    CliResult r;
    if (!p.waitForFinished(timeout_ms)) {
        p.kill();
        p.waitForFinished();
        return r;
    }
    r.code = p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -2;
    r.out = QString::fromUtf8(p.readAllStandardOutput());
    r.err = QString::fromUtf8(p.readAllStandardError());
    return r;
}

}  // namespace rgpb::test
