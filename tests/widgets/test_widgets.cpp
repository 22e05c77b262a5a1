// The workbench's widgets offscreen: run table rows and requests, log filtering, and the config
// editor's validation (problem line marked, Run disabled) and sweep field.
#include <QtTest>

#include "tests/support/TestMain.h"

#include <QComboBox>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QTableWidget>
#include <QTemporaryDir>

#include "widgets/ConfigEditor.h"
#include "widgets/LogView.h"
#include "widgets/RunTable.h"

// This file's code has its own namespace: the group's tests build as one unity batch.
namespace rgpb_test_widgets {

using namespace rgpb::widgets;
using rgpb::RunStatus;

class TestWidgets : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void runTableRowsAndRequests() {
        RunTable t;
        t.setConfirmDeletes(false);
        RunRow a;
        a.id = "runs/a";
        a.name = "a";
        a.status = RunStatus::Running;
        a.step = 50;
        a.total_steps = 200;
        a.eta_s = 75;
        t.upsert(a);
        RunRow b = a;
        b.id = "runs/b";
        b.status = RunStatus::Finished;
        b.perplexity = 3.25;
        t.upsert(b);
        QCOMPARE(t.rowCount(), 2);
        QCOMPARE(t.rowAt(0).id, QString("runs/b"));  // newest on top
        auto* table = t.findChild<QTableWidget*>();
        QCOMPARE(table->item(1, 5)->text(), QString("1:15"));  // ETA of the running run
        QCOMPARE(table->item(0, 7)->text(), QString("3.25"));
        a.step = 100;
        t.upsert(a);
        QCOMPARE(t.rowCount(), 2);
        QSignalSpy cancel(&t, &RunTable::cancelRequested), del(&t, &RunTable::deleteRequested);
        t.select("runs/a");
        QPushButton* cancelButton = nullptr;
        QPushButton* deleteButton = nullptr;
        for (QPushButton* p : t.findChildren<QPushButton*>()) {
            if (p->text() == "Cancel")
                cancelButton = p;
            if (p->text() == "Delete...")
                deleteButton = p;
        }
        QVERIFY(cancelButton && deleteButton);
        QVERIFY(!deleteButton->isEnabled());  // a running run cannot be deleted
        cancelButton->click();
        QCOMPARE(cancel.count(), 1);
        QCOMPARE(cancel.at(0).at(0).toString(), QString("runs/a"));
        t.select("runs/b");
        QVERIFY(deleteButton->isEnabled() && !cancelButton->isEnabled());
        deleteButton->click();
        QCOMPARE(del.count(), 1);
        t.remove("runs/b");
        QCOMPARE(t.rowCount(), 1);
        QCOMPARE(formatEta(3725), QString("1:02:05"));
    }

    void logViewFilters() {
        LogView v;
        v.append({0, rgpb::log::Level::Info, "trainer", "eval step 25: perplexity 40"});
        v.append({0, rgpb::log::Level::Warn, "data", "pairs.jsonl:7: missing key 'chosen'"});
        v.append({0, rgpb::log::Level::Debug, "trainer", "debug detail"});
        QCOMPARE(v.visibleText().count('\n'), 1);  // info and warn, not debug
        v.setMinimumLevel(rgpb::log::Level::Warn);
        QVERIFY(!v.visibleText().contains("perplexity"));
        QVERIFY(v.visibleText().contains("missing key"));
        v.setMinimumLevel(rgpb::log::Level::Trace);
        v.setFilterText("trainer");
        QVERIFY(v.visibleText().contains("debug detail"));
        QVERIFY(!v.visibleText().contains("missing key"));
        QCOMPARE(v.recordCount(), 3);
    }

    void configEditorValidates() {
        // A stand-in validator: the line of the first "bad" is the problem.
        ConfigEditor e([](const QString& yaml) {
            ValidationResult r;
            int line = 1;
            for (const QString& l : yaml.split('\n')) {
                if (l.contains("bad")) {
                    r.ok = false;
                    r.line = line;
                    r.message = QString("config:%1:1: bad value").arg(line);
                    return r;
                }
                ++line;
            }
            r.message = "valid";
            return r;
        });
        QSignalSpy run(&e, &ConfigEditor::runRequested), sweep(&e, &ConfigEditor::sweepRequested);
        e.setYaml("name: x\nlr: bad\n");
        auto* edit = e.findChild<QPlainTextEdit*>();
        QCOMPARE(edit->extraSelections().size(), 1);
        QCOMPARE(edit->extraSelections()[0].cursor.blockNumber(), 1);  // line 2
        QVERIFY(!e.runButton()->isEnabled());
        e.setYaml("name: x\nlr: 0.1\n");
        QVERIFY(edit->extraSelections().isEmpty());
        QVERIFY(e.runButton()->isEnabled());
        e.runButton()->click();
        QCOMPARE(run.count(), 1);
        QCOMPARE(run.at(0).at(0).toString(), QString("name: x\nlr: 0.1\n"));
        QCOMPARE(e.sweepBetas(), (QStringList{"0.05", "0.1", "0.5", "1", "5"}));
        QTemporaryDir tmp;
        QFile f(tmp.filePath("p.yaml"));
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write("name: from-file\n");
        f.close();
        e.setPresetDirectory(tmp.path());
        QVERIFY(e.loadPreset(tmp.filePath("p.yaml")));
        QCOMPARE(e.yaml(), QString("name: from-file\n"));
        QVERIFY(!e.loadPreset(tmp.filePath("missing.yaml")));
        // A preset from outside the folder is listed and shown as the current one.
        QTemporaryDir other;
        QFile g(other.filePath("elsewhere.yaml"));
        QVERIFY(g.open(QIODevice::WriteOnly));
        g.write("name: elsewhere\n");
        g.close();
        QVERIFY(e.loadPreset(other.filePath("elsewhere.yaml")));
        auto* picker = e.findChild<QComboBox*>();
        QCOMPARE(picker->currentText(), QString("elsewhere.yaml"));
    }
};

RGPB_TEST_MAIN(TestWidgets)
}  // namespace rgpb_test_widgets
#include "test_widgets.moc"
