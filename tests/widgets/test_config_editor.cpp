// The run panel's editor, offscreen, with the torch-free config reader behind it: the recipe
// buttons are named by their presets' recipes (the run table's words) and say what they do,
// loading one over unsaved edits can be undone (button and Ctrl+Z), the sweep field is wide
// enough for its text and its error goes away with its cause, and the data preview's row
// header stays narrow.
#include <QtTest>

#include "tests/support/TestMain.h"

#include <QApplication>
#include <QComboBox>
#include <QFile>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSignalSpy>
#include <QTableWidget>

#include "core/config/RunConfig.h"
#include "core/config/RunConfigMerge.h"
#include "widgets/ConfigEditor.h"
#include "widgets/ConfigForm.h"

// This file's code has its own namespace: the group's tests build as one unity batch.
namespace rgpb_test_config_editor {

using namespace rgpb;
using widgets::ConfigEditor;
using widgets::ValidationResult;

namespace {

// The reader alone (the app adds the input-path check; tests/app/test_config_form.cpp).
ValidationResult parseOnly(const QString& yaml) {
    ValidationResult r;
    try {
        r.config = parseRunConfig(yaml.toStdString(), "config");
        r.message = "valid";
    } catch (const std::exception& e) {
        r.ok = false;
        r.message = e.what();
    }
    return r;
}

QString fileText(const QString& path) {
    QFile f(path);
    return f.open(QIODevice::ReadOnly | QIODevice::Text) ? QString::fromUtf8(f.readAll())
                                                         : QString();
}

QPushButton* buttonLabelled(ConfigEditor& ed, const QString& text) {
    for (QPushButton* b : ed.recipeButtons())
        if (b->text() == text)
            return b;
    return nullptr;
}

QLabel* statusShowing(ConfigEditor& ed, const QString& part) {
    for (QLabel* l : ed.findChildren<QLabel*>())
        if (l->text().contains(part))
            return l;
    return nullptr;
}

}  // namespace

class TestConfigEditor : public QObject {
    Q_OBJECT

private Q_SLOTS:
    // Issue #18: the buttons said "SFT->DPO" where the run table says "mle -> dpo", and
    // replaced the user's edits without a word.
    void recipeButtonsUseTheRecipeNamesAndSayWhatTheyDo() {
        ConfigEditor ed(parseOnly);
        ed.setPresetDirectory(RGPB_SOURCE_DIR "/presets");
        QCOMPARE(ed.recipeButtons().size(), 7);
        for (QPushButton* b : ed.recipeButtons()) {
            const QString file = RGPB_SOURCE_DIR "/presets/" + b->property("preset").toString();
            const RunConfig c = loadRunConfig(file.toStdString());
            // The button's words are the run table's (RunConfig::recipe()).
            QCOMPARE(b->text(), QString::fromStdString(c.recipe()));
            QVERIFY2(b->toolTip().startsWith(QString("Load the %1 preset").arg(b->text())),
                     qPrintable(b->toolTip()));
            QVERIFY(b->isEnabled());
        }
        QVERIFY(buttonLabelled(ed, "mle -> dpo"));
        QVERIFY(buttonLabelled(ed, "exmate -> dpo"));
        QVERIFY(buttonLabelled(ed, "mle -> exmate"));
        // Without the presets folder the buttons cannot load anything and say why.
        ConfigEditor bare(parseOnly);
        QVERIFY(!bare.recipeButtons().first()->isEnabled());
        QVERIFY(bare.recipeButtons().first()->toolTip().contains("missing"));
    }

    void loadingOverUnsavedEditsCanBeUndone() {
        ConfigEditor ed(parseOnly);
        ed.setFormSupport(
            [](const RunConfig& c, const QString& previous) {
                return QString::fromStdString(mergeIntoYaml(previous.toStdString(), c));
            },
            {});
        ed.setPresetDirectory(RGPB_SOURCE_DIR "/presets");
        ed.resize(900, 700);
        ed.show();
        ed.activateWindow();
        QVERIFY(QTest::qWaitForWindowActive(&ed));
        ed.loadPreset(RGPB_SOURCE_DIR "/presets/demo.yaml");
        QVERIFY(!ed.hasUnsavedEdits());
        // A recipe over a freshly loaded file: nothing to lose, nothing to undo.
        QPushButton* dpo = buttonLabelled(ed, "mle -> dpo");
        dpo->click();
        QCOMPARE(ed.yaml(), fileText(RGPB_SOURCE_DIR "/presets/paper/micro_mle_dpo.yaml"));
        QVERIFY(ed.undoNotice()->isHidden());
        // The user's edits, then a recipe: it says so and offers Undo.
        const QString mine = "name: mine  # my notes\nstages: [{method: ul, beta: 2, steps: 5}]\n";
        ed.findChild<QPlainTextEdit*>()->setPlainText(mine);
        QVERIFY(ed.hasUnsavedEdits());
        QPushButton* exmate = buttonLabelled(ed, "exmate -> dpo");
        exmate->setFocus();
        exmate->click();
        QCOMPARE(ed.yaml(), fileText(RGPB_SOURCE_DIR "/presets/paper/micro_exmate_dpo.yaml"));
        QVERIFY(!ed.undoNotice()->isHidden());
        QVERIFY2(statusShowing(ed, "over your unsaved edits"), "no notice");
        QCOMPARE(ed.currentPath(), QString(RGPB_SOURCE_DIR "/presets/paper/micro_exmate_dpo.yaml"));
        // Ctrl+Z (the focus is on the button just clicked) brings the edits back.
        QTest::keyClick(exmate, Qt::Key_Z, Qt::ControlModifier);
        QCOMPARE(ed.yaml(), mine);
        QVERIFY(ed.undoNotice()->isHidden());
        // The user's text was an edit of the first recipe's file: that is the file again.
        QCOMPARE(ed.currentPath(), QString(RGPB_SOURCE_DIR "/presets/paper/micro_mle_dpo.yaml"));
        QVERIFY(ed.hasUnsavedEdits());
        // And the notice's Undo button does the same.
        exmate->click();
        QCOMPARE(ed.yaml(), fileText(RGPB_SOURCE_DIR "/presets/paper/micro_exmate_dpo.yaml"));
        ed.undoNotice()->findChild<QPushButton*>("undoLoad")->click();
        QCOMPARE(ed.yaml(), mine);
        QTRY_VERIFY(ed.form()->isEnabled());
        QCOMPARE(qobject_cast<QLineEdit*>(ed.form()->field("name"))->text(), QString("mine"));
    }

    // Issue #18: the sweep field was too narrow for its own default text.
    void sweepFieldIsWideEnoughAndItsErrorClears() {
        ConfigEditor ed(parseOnly);
        ed.setPresetDirectory(RGPB_SOURCE_DIR "/presets");
        ed.loadPreset(RGPB_SOURCE_DIR "/presets/demo.yaml");
        ed.resize(700, 700);
        ed.show();
        QVERIFY(QTest::qWaitForWindowExposed(&ed));
        auto* betas = ed.findChild<QLineEdit*>("sweepBetas");
        QVERIFY(betas);
        const int needed = betas->fontMetrics().horizontalAdvance(betas->text());
        QVERIFY2(betas->width() > needed,
                 qPrintable(QString("%1 <= %2").arg(betas->width()).arg(needed)));
        // A longer grid in a narrow panel: the field grows with it.
        betas->setText("0.01,0.02,0.05,0.1,0.2,0.5,1,2,5");
        ed.resize(450, 700);
        QTRY_VERIFY2(betas->width() > betas->fontMetrics().horizontalAdvance(betas->text()),
                     qPrintable(QString::number(betas->width())));
        // A bad sweep shows its error until the field is fixed.
        betas->setText("0.1,abc");
        QPushButton* sweep = nullptr;
        for (QPushButton* b : ed.findChildren<QPushButton*>())
            if (b->text() == "Sweep")
                sweep = b;
        QVERIFY(sweep);
        sweep->click();
        QVERIFY(statusShowing(ed, "sweep beta: expected"));
        betas->setText("0.1,0.5");
        QTRY_VERIFY(!statusShowing(ed, "sweep beta: expected"));
    }

    // Issue #18: the preview's row header (the pair's origin) ate the columns.
    void previewRowHeaderStaysNarrow() {
        widgets::ConfigForm form;
        form.resize(800, 900);
        form.show();
        QVERIFY(QTest::qWaitForWindowExposed(&form));
        widgets::DataPreview p;
        p.summary = "2 pairs";
        for (int i = 0; i < 2; ++i) {
            PairText t;
            t.prompt_pos = t.prompt_neg = "a prompt";
            t.response_pos = "good";
            t.response_neg = "bad";
            t.origin = "/home/someone/data/a-very-long-folder-name/pairs.jsonl:" +
                       std::to_string(1000 + i);
            p.pairs.push_back(t);
        }
        form.showPreview(p);
        QTableWidget* t = form.previewTable();
        QCOMPARE(t->verticalHeaderItem(0)->text(), QString("1"));
        QCOMPARE(t->verticalHeaderItem(1)->toolTip(),
                 QString("/home/someone/data/a-very-long-folder-name/pairs.jsonl:1001"));
        QVERIFY2(t->verticalHeader()->sizeHint().width() < 60,
                 qPrintable(QString::number(t->verticalHeader()->sizeHint().width())));
    }

    // Issue #18: a preview error (or table) stayed after the data source changed.
    void aPreviewGoesWhenTheDataChanges() {
        widgets::ConfigForm form;
        QSignalSpy asked(&form, &widgets::ConfigForm::previewRequested);
        form.previewButton()->click();
        QCOMPARE(asked.count(), 1);
        form.showPreview({false, "missing.jsonl: cannot open file", {}});
        QVERIFY(form.previewSummary()->text().contains("cannot open"));
        // Another field: the preview still describes the data.
        auto* lr = qobject_cast<QLineEdit*>(form.field("optimizer.lr"));
        lr->setText("0.01");
        lr->setModified(true);
        Q_EMIT lr->editingFinished();
        QVERIFY(form.previewSummary()->text().contains("cannot open"));
        // The source changes: the error goes.
        auto* source = qobject_cast<QComboBox*>(form.field("data.source"));
        source->setEditText("other.jsonl");
        source->lineEdit()->setModified(true);
        Q_EMIT source->lineEdit()->editingFinished();
        QVERIFY2(form.previewSummary()->text().isEmpty(),
                 qPrintable(form.previewSummary()->text()));
        QVERIFY(form.previewTable()->isHidden());
    }
};

RGPB_TEST_MAIN(TestConfigEditor)
}  // namespace rgpb_test_config_editor
#include "test_config_editor.moc"
