// "New comparison", offscreen: Generate with a problem shows it and stays open; the problem goes
// away as soon as its cause does (issue #18: stale error messages).
#include <QtTest>

#include "tests/support/TestMain.h"

#include <QComboBox>
#include <QLabel>
#include <QLineEdit>
#include <QTemporaryDir>

#include "widgets/ComparisonDialog.h"

// This file's code has its own namespace: the group's tests build as one unity batch.
namespace rgpb_test_comparison_dialog {

using rgpb::widgets::ComparisonDialog;
using rgpb::widgets::RunChoice;

class TestComparisonDialog : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void aShownProblemClearsWithItsCause() {
        QTemporaryDir tmp;
        ComparisonDialog d({{"a", tmp.filePath("run-a")}, {"b", tmp.filePath("run-b")}},
                           tmp.path());
        d.runA()->setCurrentIndex(0);
        d.runB()->setCurrentIndex(0);
        QVERIFY(d.problemLabel()->text().isEmpty());  // nothing shown before Generate
        d.accept();
        QCOMPARE(d.result(), int(QDialog::Rejected));
        QVERIFY2(d.problemLabel()->text().contains("same run"),
                 qPrintable(d.problemLabel()->text()));
        d.runB()->setCurrentIndex(1);
        QVERIFY2(d.problemLabel()->text().isEmpty(), qPrintable(d.problemLabel()->text()));
        // The next problem replaces it as it appears, and goes in turn.
        d.accept();  // complete: accepted
        QCOMPARE(d.result(), int(QDialog::Accepted));
        d.setResult(QDialog::Rejected);
        d.outDir()->clear();
        QVERIFY(d.problemLabel()->text().isEmpty());  // not shown until Generate
        d.accept();
        QVERIFY(d.problemLabel()->text().contains("where to save"));
        d.outDir()->setText(tmp.filePath("set"));
        QVERIFY(d.problemLabel()->text().isEmpty());
    }
};

RGPB_TEST_MAIN(TestComparisonDialog)
}  // namespace rgpb_test_comparison_dialog
#include "test_comparison_dialog.moc"
