// Enforces design.md's layering on the source tree: core/ is Qt-free (it builds on GPU servers
// without Qt), widgets/ is torch-free (keeps GUI builds fast and threads honest), and
// dependencies point one way (app -> widgets -> core, app -> store -> core): a lower layer never
// includes a higher one.
#include <QDirIterator>
#include <QFile>
#include <QHash>
#include <QRegularExpression>
#include <QSet>
#include <QTemporaryDir>
#include <QtTest>

#include "tests/support/TestMain.h"

// This file's code has its own namespace: the group's tests build as one unity batch.
namespace rgpb_test_layering {

namespace {
// An #include of a header under one of `folders` (e.g. "app|widgets"), from the source root.
QRegularExpression includeOf(const QString& folders) {
    return QRegularExpression("^\\s*#\\s*include\\s*[<\"](" + folders + ")/");
}
const QString kTorch = "torch|ATen|c10|caffe2";
// Starting a thread by hand (std::thread::hardware_concurrency() is only a question).
const QRegularExpression kStartsThread(
    "\\bstd::j?thread\\b(?!::)|\\bstd::async\\b|\\bQThread\\b|\\bQtConcurrent::");
}  // namespace

class TestLayering : public QObject {
    Q_OBJECT

    static QString source(const QString& folder) {
        return QStringLiteral(RGPB_SOURCE_DIR "/") + folder;
    }
    static void checkNoInclude(const QString& folder, const QString& forbidden) {
        QVERIFY2(QDir(source(folder)).exists(), qPrintable(folder + "/ not found"));
        QStringList hits = offendingFiles(source(folder), includeOf(forbidden));
        QVERIFY2(
            hits.isEmpty(),
            qPrintable(QString("%1/ includes %2:\n%3").arg(folder, forbidden, hits.join('\n'))));
    }

    static QStringList offendingFiles(const QString& dir, const QRegularExpression& include) {
        QStringList hits;
        QDirIterator it(dir, {"*.h", "*.hpp", "*.cpp", "*.cc"}, QDir::Files,
                        QDirIterator::Subdirectories);
        while (it.hasNext()) {
            QString path = it.next();
            QFile f(path);
            if (!f.open(QIODevice::ReadOnly | QIODevice::Text)) {
                hits << path + " (unreadable)";
                continue;
            }
            int line = 0;
            while (!f.atEnd()) {
                ++line;
                QString text = QString::fromUtf8(f.readLine());
                if (include.match(text).hasMatch()) {
                    hits << QString("%1:%2: %3").arg(path).arg(line).arg(text.trimmed());
                }
            }
        }
        return hits;
    }

private Q_SLOTS:
    void patternsDetectViolations() {
        // The patterns themselves must catch what they are meant to catch.
        QRegularExpression qt("^\\s*#\\s*include\\s*[<\"](Q[A-Za-z]+|qcustomplot\\.h)");
        QVERIFY(qt.match("#include <QString>").hasMatch());
        QVERIFY(qt.match("  #  include \"qcustomplot.h\"").hasMatch());
        QVERIFY(!qt.match("#include <torch/torch.h>").hasMatch());
        QRegularExpression torch("^\\s*#\\s*include\\s*[<\"](torch/|ATen/|c10/)");
        QVERIFY(torch.match("#include <ATen/ATen.h>").hasMatch());
        QVERIFY(!torch.match("#include <QWidget>").hasMatch());
        // Upward includes, as the checks below build them.
        QVERIFY(includeOf("app").match("#include \"app/gui/WorkerJob.h\"").hasMatch());
        QVERIFY(includeOf("app").match(" # include <app/cli/Command.h>").hasMatch());
        QVERIFY(!includeOf("app").match("#include \"widgets/app/x.h\"").hasMatch());
        QVERIFY(!includeOf("app").match("// #include \"app/gui/MainWindow.h\"").hasMatch());
        QRegularExpression core_up = includeOf("app|widgets|store");
        QVERIFY(core_up.match("#include \"widgets/LogView.h\"").hasMatch());
        QVERIFY(core_up.match("#include \"store/JudgmentStore.h\"").hasMatch());
        QVERIFY(!core_up.match("#include \"core/util/Log.h\"").hasMatch());
        QRegularExpression store_up = includeOf("app|widgets|" + kTorch);
        QVERIFY(store_up.match("#include <torch/torch.h>").hasMatch());
        QVERIFY(store_up.match("#include <c10/util/Exception.h>").hasMatch());
        QVERIFY(store_up.match("#include \"app/gui/MainWindow.h\"").hasMatch());
        QVERIFY(!store_up.match("#include \"core/judging/JudgeStats.h\"").hasMatch());
        QVERIFY(!store_up.match("#include <QSqlQuery>").hasMatch());
        QVERIFY(kStartsThread.match("    std::thread worker_;").hasMatch());
        QVERIFY(kStartsThread.match("std::thread([this] { run(); }).detach();").hasMatch());
        QVERIFY(kStartsThread.match("auto f = std::async(std::launch::async, g);").hasMatch());
        QVERIFY(kStartsThread.match("QThread* t = QThread::create(f);").hasMatch());
        QVERIFY(!kStartsThread.match("int n = std::thread::hardware_concurrency();").hasMatch());
        // And offendingFiles() reports a violation with its file and line.
        QTemporaryDir tmp;
        QFile bad(tmp.filePath("Bad.h"));
        QVERIFY(bad.open(QIODevice::WriteOnly));
        bad.write("#pragma once\n#include \"app/gui/MainWindow.h\"\n");
        bad.close();
        QStringList hits = offendingFiles(tmp.path(), includeOf("app"));
        QCOMPARE(hits.size(), 1);
        QVERIFY2(hits[0].endsWith("Bad.h:2: #include \"app/gui/MainWindow.h\""),
                 qPrintable(hits[0]));
    }

    void coreHasNoQtInclude() {
        QRegularExpression qt("^\\s*#\\s*include\\s*[<\"](Q[A-Za-z]+|qcustomplot\\.h|qt[a-z]*/)");
        QString core = QStringLiteral(RGPB_SOURCE_DIR "/core");
        QVERIFY2(QDir(core).exists(), "core/ not found");
        QStringList hits = offendingFiles(core, qt);
        QVERIFY2(hits.isEmpty(), qPrintable("Qt includes in core/:\n" + hits.join('\n')));
    }

    void widgetsHaveNoTorchInclude() {
        QRegularExpression torch("^\\s*#\\s*include\\s*[<\"](torch/|ATen/|c10/|caffe2/)");
        QString widgets = QStringLiteral(RGPB_SOURCE_DIR "/widgets");
        QStringList hits = offendingFiles(widgets, torch);
        QVERIFY2(hits.isEmpty(), qPrintable("torch includes in widgets/:\n" + hits.join('\n')));
    }

    void widgetsNeverIncludeApp() { checkNoInclude("widgets", "app"); }
    void coreIncludesNoHigherLayer() { checkNoInclude("core", "app|widgets|store"); }
    // design.md: one task class for background work; nothing else in app/ starts threads.
    void onlyWorkerJobStartsThreadsInApp() {
        QStringList hits;
        for (const QString& hit : offendingFiles(source("app"), kStartsThread)) {
            if (!hit.contains("/app/gui/WorkerJob."))
                hits << hit;
        }
        QVERIFY2(hits.isEmpty(),
                 qPrintable("threads started outside WorkerJob:\n" + hits.join('\n')));
    }

    void storeIncludesNeitherAppNorWidgetsNorTorch() {
        checkNoInclude("store", "app|widgets|" + kTorch);
    }

    // core/CMakeLists.txt lists every source in one of two libraries; the torch-free one must
    // stay torch-free through every project header it includes (that is what lets it build
    // without the LibTorch headers, and the widgets link it).
    void coreSourcesAreListedOnceAndTheLightOnesAreTorchFree() {
        QFile list(QStringLiteral(RGPB_CORE_SOURCES_LIST));
        QVERIFY2(list.open(QIODevice::ReadOnly | QIODevice::Text), RGPB_CORE_SOURCES_LIST);
        QHash<QString, QString> library;  // source -> "light" / "torch"
        while (!list.atEnd()) {
            const QStringList parts = QString::fromUtf8(list.readLine()).trimmed().split(' ');
            if (parts.size() != 2)
                continue;
            QVERIFY2(!library.contains(parts[1]), qPrintable("listed twice: " + parts[1]));
            library.insert(parts[1], parts[0]);
        }
        const QString root = QStringLiteral(RGPB_SOURCE_DIR);
        QDirIterator it(root + "/core", {"*.cpp"}, QDir::Files, QDirIterator::Subdirectories);
        QStringList unlisted;
        while (it.hasNext()) {
            const QString rel = QDir(root).relativeFilePath(it.next());
            if (!rel.contains("/spm_shim/") && !library.contains(rel))
                unlisted << rel;
        }
        QVERIFY2(unlisted.isEmpty(),
                 qPrintable("not in core/CMakeLists.txt: " + unlisted.join(", ")));
        QStringList torchy;
        for (auto i = library.cbegin(); i != library.cend(); ++i) {
            QStringList chain;
            if (i.value() == "light" && reachesTorch(root, i.key(), chain))
                torchy << chain.join(" -> ");
        }
        QVERIFY2(torchy.isEmpty(),
                 qPrintable("torch-free sources that include LibTorch:\n" + torchy.join('\n')));
    }

private:
    // Whether `rel` includes a LibTorch header, itself or through project headers; `chain`
    // gets the include path that gets there.
    static bool reachesTorch(const QString& root, const QString& rel, QStringList& chain,
                             QSet<QString>* seen = nullptr) {
        QSet<QString> own;
        if (!seen)
            seen = &own;
        if (seen->contains(rel))
            return false;
        seen->insert(rel);
        static const QRegularExpression include("^\\s*#\\s*include\\s*[<\"]([^>\"]+)[>\"]");
        QFile f(root + "/" + rel);
        if (!f.open(QIODevice::ReadOnly | QIODevice::Text))
            return false;
        while (!f.atEnd()) {
            const QRegularExpressionMatch m = include.match(QString::fromUtf8(f.readLine()));
            if (!m.hasMatch())
                continue;
            const QString header = m.captured(1);
            if (header.startsWith("torch/") || header.startsWith("ATen/") ||
                header.startsWith("c10/")) {
                chain = {rel, header};
                return true;
            }
            if (QFile::exists(root + "/" + header) && reachesTorch(root, header, chain, seen)) {
                chain.prepend(rel);
                return true;
            }
        }
        return false;
    }
};

RGPB_TEST_MAIN(TestLayering)
}  // namespace rgpb_test_layering
#include "test_layering.moc"
