// SafeFile: whole files replaced atomically and never written through a symbolic link, appends
// that never follow a link and never leave half a record, on a full disk too (issue #17).
#include <QtTest>

#include <QDir>
#include <QFile>
#include <QTemporaryDir>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <string>

#include "core/run/RunStore.h"
#include "core/util/Error.h"
#include "core/util/SafeFile.h"
#include "tests/support/ErrorText.h"
#include "tests/support/SmallDisk.h"
#include "tests/support/TestMain.h"

// This file's code has its own namespace: the group's tests build as one unity batch.
namespace rgpb_test_safe_file {

using namespace rgpb;
using rgpb::test::contains;
using rgpb::test::messageOf;
using rgpb::test::SmallDisk;
namespace fs = std::filesystem;

namespace {

// A file outside the run folder that a planted link points at.
void writePrecious(const QString& path) {
    QFile f(path);
    QVERIFY(f.open(QIODevice::WriteOnly) && f.write("precious") == 8);
}

QByteArray readAll(const QString& path) {
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray("<unreadable>");
}

}  // namespace

class TestSafeFile : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void replacesALinkInsteadOfWritingThroughIt() {
        QTemporaryDir tmp;
        const QString outside = tmp.filePath("outside.txt");
        QVERIFY(QDir().mkdir(tmp.filePath("run")));
        writePrecious(outside);
        // A link at the final name and one at the old fixed temporary name.
        const QString target = tmp.filePath("run/summary.json");
        QVERIFY(QFile::link(outside, target));
        QVERIFY(QFile::link(outside, target + ".tmp"));

        writeFileAtomic(target.toStdString(), "{}\n");
        QCOMPARE(readAll(outside), QByteArray("precious"));
        QVERIFY(!QFileInfo(target).isSymLink());
        QCOMPARE(readAll(target), QByteArray("{}\n"));
        // Only the planted link remains beside it: no temporary file is left.
        QCOMPARE(QDir(tmp.filePath("run")).entryList(QDir::Files | QDir::System),
                 (QStringList{"summary.json", "summary.json.tmp"}));
    }

    void aFailedReplaceKeepsTheOldFileAndLeavesNoTemporary() {
        QTemporaryDir tmp;
        const std::string dir = tmp.filePath("blocked").toStdString();
        QVERIFY(QDir().mkdir(tmp.filePath("blocked")));
        const auto m = messageOf<Error>([&] { writeFileAtomic(dir, "text"); });
        QVERIFY2(contains(m, dir), m.c_str());
        QCOMPARE(QDir(tmp.path()).entryList(QDir::Files | QDir::System), QStringList{});

        // Abandoned before commit: the old content stays.
        const std::string file = tmp.filePath("kept.txt").toStdString();
        writeFileAtomic(file, "old");
        {
            AtomicFile f(file);
            f.write("new, but never committed");
        }
        QCOMPARE(readAll(tmp.filePath("kept.txt")), QByteArray("old"));
        QCOMPARE(QDir(tmp.path()).entryList(QDir::Files), QStringList{"kept.txt"});
    }

    void appendsNeverFollowALink() {
        QTemporaryDir tmp;
        const QString outside = tmp.filePath("outside.log");
        writePrecious(outside);
        const QString link = tmp.filePath("train.log");
        QVERIFY(QFile::link(outside, link));
        const auto m = messageOf<Error>([&] { AppendFile f(link.toStdString()); });
        QVERIFY2(contains(m, link.toStdString()) && contains(m, "symbolic link"), m.c_str());
        QCOMPARE(readAll(outside), QByteArray("precious"));

        // A plain file: appended to, its size known.
        const std::string plain = tmp.filePath("plain.log").toStdString();
        {
            AppendFile f(plain);
            QCOMPARE(f.size(), int64_t(0));
            f.write("one\n");
        }
        AppendFile again(plain);
        QCOMPARE(again.size(), int64_t(4));
        again.write("two\n");
        QCOMPARE(readAll(tmp.filePath("plain.log")), QByteArray("one\ntwo\n"));
    }

    void metricsRefuseALinkedFile() {
        QTemporaryDir tmp;
        const QString outside = tmp.filePath("elsewhere.csv");
        writePrecious(outside);
        QVERIFY(QDir().mkdir(tmp.filePath("run")));
        QVERIFY(QFile::link(outside, tmp.filePath("run/metrics.csv")));
        const auto m = messageOf<Error>([&] { MetricsLog log(tmp.filePath("run").toStdString()); });
        QVERIFY2(contains(m, "metrics.csv") && contains(m, "symbolic link"), m.c_str());
        QCOMPARE(readAll(outside), QByteArray("precious"));
    }

    void aFullDiskLosesNothingAlreadyWritten() {
        QTemporaryDir tmp;
        SmallDisk disk(tmp.path().toStdString(), "64k");
        if (!disk.mounted())
            QSKIP(disk.skipMessage().c_str());
        const std::string summary = tmp.filePath("summary.json").toStdString();
        writeFileAtomic(summary, "{\"status\": \"running\"}\n");
        const std::string log_path = tmp.filePath("train.log").toStdString();
        AppendFile log(log_path);
        log.write("line 1\n");
        disk.fill(2048);

        // A whole-file write larger than the free space: the old file stays whole.
        auto m = messageOf<Error>([&] { writeFileAtomic(summary, std::string(16384, 'y')); });
        QVERIFY2(contains(m, "No space left"), m.c_str());
        QCOMPARE(readAll(tmp.filePath("summary.json")), QByteArray("{\"status\": \"running\"}\n"));
        QCOMPARE(QDir(tmp.path()).entryList({"summary.json.tmp*"}, QDir::Files), QStringList{});

        // An append larger than the free space: no half record stays behind.
        m = messageOf<Error>([&] { log.write(std::string(16384, 'z') + "\n"); });
        QVERIFY2(contains(m, log_path) && contains(m, "No space left"), m.c_str());
        QCOMPARE(readAll(tmp.filePath("train.log")), QByteArray("line 1\n"));
    }
};

RGPB_TEST_MAIN(TestSafeFile)
}  // namespace rgpb_test_safe_file
#include "test_safe_file.moc"
