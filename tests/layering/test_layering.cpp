// Enforces design.md's layering on the source tree: core/ is Qt-free (it builds on GPU servers
// without Qt), widgets/ is torch-free (keeps GUI builds fast and threads honest).
#include <QDirIterator>
#include <QFile>
#include <QRegularExpression>
#include <QtTest>

class TestLayering : public QObject {
    Q_OBJECT

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
};

QTEST_GUILESS_MAIN(TestLayering)
#include "test_layering.moc"
