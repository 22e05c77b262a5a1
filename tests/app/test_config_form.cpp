// The run panel's form, offscreen, with the real core behind it (the app's bindings): every
// field shows the YAML's value, form edits rewrite the YAML and YAML edits refill the form,
// the stages table adds/removes/reorders stages, invalid values are marked at their field,
// the device picker says what this machine lacks, the data preview reads the first pairs as
// a run would, and the landscape view gets bootstrap intervals from a run's eval_pairs.csv.
#include <QtTest>

#include "tests/support/TestMain.h"

#include <qcustomplot.h>

#include <QCheckBox>
#include <QComboBox>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSpinBox>
#include <QTabWidget>
#include <QTableWidget>
#include <QTemporaryDir>
#include <cmath>

#include "app/gui/CoreBindings.h"
#include "core/data/PairSource.h"
#include "core/metrics/Bootstrap.h"
#include "core/run/RunStore.h"
#include "tests/support/Approx.h"
#include "widgets/ConfigEditor.h"
#include "widgets/ConfigForm.h"
#include "widgets/LandscapeView.h"

// This file's code has its own namespace: the group's tests build as one unity batch.
namespace rgpb_test_config_form {

using namespace rgpb;
using namespace rgpb::app;
using widgets::ConfigEditor;
using widgets::ConfigForm;

namespace {

QLineEdit* lineEdit(ConfigForm* f, const char* key) {
    return qobject_cast<QLineEdit*>(f->field(key));
}
QSpinBox* spin(ConfigForm* f, const char* key) {
    return qobject_cast<QSpinBox*>(f->field(key));
}
QComboBox* combo(ConfigForm* f, const char* key) {
    return qobject_cast<QComboBox*>(f->field(key));
}

// Types into a line edit as a user would, then leaves the field.
void typeInto(QLineEdit* e, const QString& text) {
    e->setFocus();
    e->selectAll();
    QTest::keyClick(e, Qt::Key_Delete);
    QTest::keyClicks(e, text);
    QTest::keyClick(e, Qt::Key_Return);
}

RunConfig parsedYaml(ConfigEditor& ed) {
    return parseRunConfig(ed.yaml().toStdString(), "editor");
}

bool marked(QWidget* w) {
    return w->styleSheet().contains("background");
}

QString cell(ConfigForm* f, int row, int col) {
    return f->stagesTable()->item(row, col)->text();
}
QString methodAt(ConfigForm* f, int row) {
    return static_cast<QComboBox*>(f->stagesTable()->cellWidget(row, ConfigForm::Method))
        ->currentText();
}

std::unique_ptr<ConfigEditor> makeEditor() {
    auto ed = std::make_unique<ConfigEditor>(validateYaml);
    ed->setPresetDirectory(RGPB_SOURCE_DIR "/presets");
    connectEditorToCore(ed.get());
    return ed;
}

}  // namespace

class TestConfigForm : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void formShowsEveryFieldOfThePreset() {
        auto ed = makeEditor();
        QVERIFY(ed->loadPreset(RGPB_SOURCE_DIR "/presets/demo.yaml"));
        QVERIFY(ed->views()->isTabVisible(0));
        ConfigForm* f = ed->form();
        // Values from presets/demo.yaml, read by eye from the file.
        QCOMPARE(lineEdit(f, "name")->text(), QString("demo"));
        QCOMPARE(combo(f, "device")->currentText(), QString("cpu"));
        QCOMPARE(combo(f, "data.source")->currentText(), QString("synthetic"));
        QCOMPARE(combo(f, "data.synthetic.regime")->currentText(), QString("response-contrast"));
        QCOMPARE(spin(f, "data.synthetic.count")->value(), 4000);
        QCOMPARE(spin(f, "data.eval_pairs")->value(), 200);
        QCOMPARE(combo(f, "model.size")->currentText(), QString("micro"));
        QCOMPARE(lineEdit(f, "optimizer.lr")->text(), QString("0.003"));
        QCOMPARE(lineEdit(f, "optimizer.betas")->text(), QString("0.9, 0.95"));
        QCOMPARE(lineEdit(f, "optimizer.weight_decay")->text(), QString("0.01"));
        QCOMPARE(combo(f, "optimizer.schedule")->currentText(), QString("cosine"));
        QCOMPARE(spin(f, "eval.every")->value(), 25);
        QCOMPARE(spin(f, "checkpoint.every")->value(), 100);
        QCOMPARE(f->stagesTable()->rowCount(), 1);
        QCOMPARE(methodAt(f, 0), QString("exmate"));
        QCOMPARE(cell(f, 0, ConfigForm::Beta), QString("0.5"));
        QCOMPARE(cell(f, 0, ConfigForm::Steps), QString("400"));
        // Every scalar field of RunConfig has an editor (the stages have the table).
        for (const char* key : {"name",
                                "seed",
                                "device",
                                "threads",
                                "precision",
                                "max_nonfinite_steps",
                                "data.source",
                                "data.format",
                                "data.synthetic.regime",
                                "data.synthetic.count",
                                "data.synthetic.overlap",
                                "data.eval_pairs",
                                "data.max_length",
                                "data.max_prompt_length",
                                "data.on_malformed",
                                "data.limit",
                                "tokenizer.kind",
                                "tokenizer.vocab_size",
                                "model.size",
                                "model.hidden_size",
                                "model.num_layers",
                                "model.num_heads",
                                "model.intermediate_size",
                                "model.max_positions",
                                "model.rotary_pct",
                                "model.parallel_residual",
                                "optimizer.lr",
                                "optimizer.betas",
                                "optimizer.eps",
                                "optimizer.weight_decay",
                                "optimizer.warmup_steps",
                                "optimizer.schedule",
                                "optimizer.min_lr_ratio",
                                "optimizer.grad_clip",
                                "optimizer.grad_accum",
                                "optimizer.batch_size",
                                "eval.every",
                                "eval.grad_diff_steps",
                                "eval.batch_size",
                                "checkpoint.every",
                                "checkpoint.keep_last"})
            QVERIFY2(f->field(key), key);
    }

    void formEditsRewriteTheYaml() {
        auto ed = makeEditor();
        QVERIFY(ed->loadPreset(RGPB_SOURCE_DIR "/presets/demo.yaml"));
        ConfigForm* f = ed->form();
        typeInto(lineEdit(f, "optimizer.lr"), "5e-4");
        spin(f, "optimizer.batch_size")->setValue(24);
        combo(f, "data.synthetic.regime")->setCurrentText("context-contrast");
        Q_EMIT combo(f, "data.synthetic.regime")->activated(1);
        combo(f, "precision")->setCurrentText("bf16");
        Q_EMIT combo(f, "precision")->activated(1);
        f->stagesTable()->item(0, ConfigForm::Beta)->setText("0.25");
        RunConfig c = parsedYaml(*ed);
        QCOMPARE(c.optimizer.lr, 5e-4);
        QCOMPARE(c.optimizer.batch_size, int64_t(24));
        QCOMPARE(QString::fromStdString(c.data.synthetic_regime), QString("context-contrast"));
        QCOMPARE(QString::fromStdString(c.precision), QString("bf16"));
        QCOMPARE(c.stages[0].objective.terms[0].beta, 0.25);
        // Untouched fields keep their values.
        QCOMPARE(c.optimizer.weight_decay, 0.01);
        QCOMPARE(c.stages[0].steps, int64_t(400));
        QVERIFY(ed->validateNow().ok);
        // One undo in the YAML view restores the text before the last form edit.
        QVERIFY(ed->yaml().contains("beta: 0.25"));
    }

    void yamlEditsRefillTheForm() {
        auto ed = makeEditor();
        ed->setYaml(
            "name: y\noptimizer: {lr: 2.0e-4, batch_size: 8}\n"
            "stages:\n  - {method: mle, steps: 30}\n  - {method: dpo, beta: 0.2, steps: 40, "
            "lr: 1.0e-5}\n");
        ConfigForm* f = ed->form();
        QCOMPARE(lineEdit(f, "name")->text(), QString("y"));
        QCOMPARE(lineEdit(f, "optimizer.lr")->text(), QString("0.0002"));
        QCOMPARE(spin(f, "optimizer.batch_size")->value(), 8);
        QCOMPARE(f->stagesTable()->rowCount(), 2);
        QCOMPARE(methodAt(f, 1), QString("dpo"));
        QCOMPARE(cell(f, 1, ConfigForm::Beta), QString("0.2"));
        QCOMPARE(cell(f, 1, ConfigForm::Lr), QString("1e-05"));
        QCOMPARE(cell(f, 0, ConfigForm::Lr), QString());  // the optimizer's
        // Typing in the YAML view updates the form once the text validates.
        ed->findChild<QPlainTextEdit*>()->setPlainText(
            "name: z\nseed: 9\nstages: [{method: ul, beta: 2, steps: 5}]\n");
        QTRY_COMPARE(lineEdit(f, "name")->text(), QString("z"));
        QCOMPARE(lineEdit(f, "seed")->text(), QString("9"));
        QCOMPARE(f->stagesTable()->rowCount(), 1);
        QCOMPARE(methodAt(f, 0), QString("ul"));
    }

    void stagesTableAddsRemovesAndReorders() {
        auto ed = makeEditor();
        QVERIFY(ed->loadPreset(RGPB_SOURCE_DIR "/presets/paper/micro_mle_dpo.yaml"));
        ConfigForm* f = ed->form();
        QCOMPARE(f->stagesTable()->rowCount(), 2);
        QCOMPARE(methodAt(f, 0), QString("mle"));
        QCOMPARE(methodAt(f, 1), QString("dpo"));
        f->addStage();  // a copy of the last stage
        QCOMPARE(parsedYaml(*ed).stages.size(), std::size_t(3));
        auto* method = static_cast<QComboBox*>(f->stagesTable()->cellWidget(2, ConfigForm::Method));
        method->setCurrentText("exmate");
        Q_EMIT method->activated(method->currentIndex());
        f->stagesTable()->item(2, ConfigForm::Steps)->setText("7");
        RunConfig c = parsedYaml(*ed);
        QCOMPARE(c.stages[2].objective.terms[0].kind, ObjectiveKind::Exmate);
        QCOMPARE(c.stages[2].steps, int64_t(7));
        f->moveStage(2, -2);  // to the front
        c = parsedYaml(*ed);
        QCOMPARE(c.stages[0].objective.terms[0].kind, ObjectiveKind::Exmate);
        QCOMPARE(c.stages[0].steps, int64_t(7));
        QCOMPARE(c.stages[1].objective.terms[0].kind, ObjectiveKind::Mle);
        QCOMPARE(c.stages[2].objective.terms[0].kind, ObjectiveKind::Dpo);
        QCOMPARE(QString::fromStdString(c.recipe()), QString("exmate -> mle -> dpo"));
        f->removeStage(1);
        c = parsedYaml(*ed);
        QCOMPARE(c.stages.size(), std::size_t(2));
        QCOMPARE(QString::fromStdString(c.recipe()), QString("exmate -> dpo"));
    }

    void formKeepsWhatItDoesNotShow() {
        // A mixed objective and DPO options are not form fields: editing another field keeps them.
        auto ed = makeEditor();
        ed->setYaml(
            "stages:\n  - {method: {dpo: 1, mle: 0.2}, beta: 0.3, steps: 10, "
            "dpo: {label_smoothing: 0.1}}\n");
        ConfigForm* f = ed->form();
        QVERIFY(methodAt(f, 0).startsWith("mix:"));
        typeInto(lineEdit(f, "seed"), "5");
        RunConfig c = parsedYaml(*ed);
        QCOMPARE(c.seed, uint64_t(5));
        QCOMPARE(c.stages[0].objective.terms.size(), std::size_t(2));
        QCOMPARE(c.stages[0].objective.terms[1].weight, 0.2);
        QCOMPARE(c.stages[0].objective.terms[0].dpo.label_smoothing, 0.1);
        f->stagesTable()->item(0, ConfigForm::Beta)->setText("0.7");
        c = parsedYaml(*ed);
        QCOMPARE(c.stages[0].objective.terms[0].beta, 0.7);
        QCOMPARE(c.stages[0].objective.terms.size(), std::size_t(2));
    }

    void textThatIsNoValueDisablesRunAndSweep() {
        auto ed = makeEditor();
        QVERIFY(ed->loadPreset(RGPB_SOURCE_DIR "/presets/demo.yaml"));
        ConfigForm* f = ed->form();
        QVERIFY(ed->validateNow().ok);
        QVERIFY(ed->runButton()->isEnabled());
        // "abc" is no learning rate: the YAML keeps the last good one, so running now would
        // run something the form does not show. The status names the field.
        typeInto(lineEdit(f, "optimizer.lr"), "abc");
        widgets::ValidationResult r = ed->validateNow();
        QVERIFY(!r.ok);
        QVERIFY2(r.message.contains("optimizer.lr") && r.message.contains("no valid value"),
                 qPrintable(r.message));
        QVERIFY(marked(f->field("optimizer.lr")));
        QVERIFY(!ed->runButton()->isEnabled());
        QSignalSpy runs(ed.get(), &ConfigEditor::runRequested);
        ed->runButton()->click();
        QCOMPARE(runs.count(), 0);
        typeInto(lineEdit(f, "optimizer.lr"), "0.002");
        QVERIFY(ed->validateNow().ok);
        QVERIFY(ed->runButton()->isEnabled());
        QCOMPARE(parsedYaml(*ed).optimizer.lr, 0.002);
    }

    void invalidValuesAreMarkedAtTheirField() {
        auto ed = makeEditor();
        QVERIFY(ed->loadPreset(RGPB_SOURCE_DIR "/presets/demo.yaml"));
        ConfigForm* f = ed->form();
        // Out of range: the YAML takes it, the validator rejects it, the field is marked.
        typeInto(lineEdit(f, "optimizer.lr"), "-1");
        widgets::ValidationResult r = ed->validateNow();
        QVERIFY(!r.ok);
        QVERIFY2(r.message.contains("optimizer.lr"), qPrintable(r.message));
        QVERIFY(marked(f->field("optimizer.lr")));
        QVERIFY(!ed->runButton()->isEnabled());
        typeInto(lineEdit(f, "optimizer.lr"), "0.001");
        QVERIFY(ed->validateNow().ok);
        QVERIFY(!marked(f->field("optimizer.lr")));
        QVERIFY(ed->runButton()->isEnabled());
        // Not a number: the field is marked and the YAML keeps the last good value.
        typeInto(lineEdit(f, "optimizer.weight_decay"), "lots");
        QVERIFY(marked(f->field("optimizer.weight_decay")));
        QCOMPARE(parsedYaml(*ed).optimizer.weight_decay, 0.01);
        // A stage problem marks its cell.
        f->stagesTable()->item(0, ConfigForm::Beta)->setText("0");
        r = ed->validateNow();
        QVERIFY(!r.ok);
        QVERIFY2(r.message.contains("stages.0.beta"), qPrintable(r.message));
        QCOMPARE(f->stagesTable()->item(0, ConfigForm::Beta)->background().color(),
                 QColor(248, 208, 208));
        // A broken YAML: the form keeps the last valid config and says so.
        ed->setYaml("name: [unclosed\n");
        QLabel* banner = nullptr;
        for (QLabel* l : ed->findChildren<QLabel*>())
            if (l->text().contains("last valid configuration"))
                banner = l;
        QVERIFY(banner);
        QVERIFY(!banner->isHidden());
        QCOMPARE(lineEdit(f, "name")->text(), QString("demo"));
    }

    void startingFromAHuggingFaceFolder() {
        // Validation looks for the folder's config.json, weights and tokenizer (not into them).
        QTemporaryDir tmp;
        for (const char* name : {"config.json", "model.safetensors", "tokenizer.json"}) {
            QFile file(tmp.filePath(name));
            QVERIFY(file.open(QIODevice::WriteOnly));
            file.write("{}");
        }
        auto ed = makeEditor();
        QVERIFY(ed->loadPreset(RGPB_SOURCE_DIR "/presets/demo.yaml"));
        ConfigForm* f = ed->form();
        QVERIFY(f->field("model.size")->isEnabled());
        typeInto(lineEdit(f, "model.from"), tmp.path());
        RunConfig c = parsedYaml(*ed);
        QCOMPARE(QString::fromStdString(c.model.from), QDir(tmp.path()).absolutePath());
        QCOMPARE(QString::fromStdString(c.tokenizer.kind), QString("model"));
        QVERIFY(ed->validateNow().ok);
        QVERIFY(!f->field("model.size")->isEnabled());
        QVERIFY(!f->field("tokenizer.kind")->isEnabled());
        // Cleared: a fresh model again, with the byte tokenizer.
        typeInto(lineEdit(f, "model.from"), "");
        c = parsedYaml(*ed);
        QVERIFY(c.model.from.empty());
        QCOMPARE(QString::fromStdString(c.tokenizer.kind), QString("byte"));
        QVERIFY(f->field("model.size")->isEnabled());
        // A folder without config.json is refused at its field.
        QTemporaryDir empty;
        typeInto(lineEdit(f, "model.from"), empty.path());
        widgets::ValidationResult r = ed->validateNow();
        QVERIFY(!r.ok);
        QVERIFY2(r.message.contains("config.json"), qPrintable(r.message));
        QVERIFY(marked(f->field("model.from")));
        // A folder with config.json but no weights: refused at model.from before any run.
        QFile only(empty.filePath("config.json"));
        QVERIFY(only.open(QIODevice::WriteOnly));
        only.write("{}");
        only.close();
        typeInto(lineEdit(f, "model.from"), QDir(empty.path()).absolutePath() + "/");
        r = ed->validateNow();
        QVERIFY(!r.ok);
        QVERIFY2(r.message.contains("model.from: ") && r.message.contains("model.safetensors"),
                 qPrintable(r.message));
        QVERIFY(marked(f->field("model.from")));
        QVERIFY(!ed->runButton()->isEnabled());
    }

    // Issue #18: a missing data file passed validation and failed only after Run.
    void aMissingDataFileFailsValidationAtItsKey() {
        auto ed = makeEditor();
        QVERIFY(ed->loadPreset(RGPB_SOURCE_DIR "/presets/demo.yaml"));
        ConfigForm* f = ed->form();
        auto* source = combo(f, "data.source");
        source->setFocus();
        source->lineEdit()->selectAll();
        QTest::keyClicks(source->lineEdit(), "/nonexistent/pairs.jsonl");
        QTest::keyClick(source->lineEdit(), Qt::Key_Return);
        QCOMPARE(QString::fromStdString(parsedYaml(*ed).data.source),
                 QString("/nonexistent/pairs.jsonl"));
        widgets::ValidationResult r = ed->validateNow();
        QVERIFY(!r.ok);
        QVERIFY2(r.message.contains("data.source: '/nonexistent/pairs.jsonl' does not exist"),
                 qPrintable(r.message));
        QVERIFY2(r.line > 0 && ed->yaml().split('\n').value(r.line - 1).contains("source:"),
                 qPrintable(QString::number(r.line)));
        QVERIFY(marked(source));
        QVERIFY(!ed->runButton()->isEnabled());
        QSignalSpy runs(ed.get(), &ConfigEditor::runRequested);
        ed->runButton()->click();
        QCOMPARE(runs.count(), 0);
        // The same text typed in the YAML view: the same message.
        ed->setYaml("data: {source: missing.jsonl}\nstages: [{method: mle, steps: 3}]\n");
        QVERIFY2(ed->validateNow().message.startsWith(
                     "config:1:16: data.source: 'missing.jsonl' does not exist"),
                 qPrintable(ed->validateNow().message));
        // A file that exists passes.
        ed->setYaml("data: {source: " RGPB_TEST_DATA_DIR
                    "/hh_rlhf/small.jsonl}\nstages: [{method: mle, steps: 3}]\n");
        QVERIFY2(ed->validateNow().ok, qPrintable(ed->validateNow().message));
        QVERIFY(ed->runButton()->isEnabled());
    }

    // Issue #18: a form edit rewrote the YAML in full and dropped its comments.
    void formEditsKeepTheYamlComments() {
        auto ed = makeEditor();
        QVERIFY(ed->loadPreset(RGPB_SOURCE_DIR "/presets/demo.yaml"));
        const QString before = ed->yaml();
        QVERIFY(before.contains("# greedy answers to 3 eval prompts per eval"));
        typeInto(lineEdit(ed->form(), "optimizer.lr"), "5e-4");
        const QString after = ed->yaml();
        QVERIFY2(after.contains("lr: 0.0005"), qPrintable(after));
        QVERIFY2(!after.contains("3.0e-3"), qPrintable(after));
        for (const QString& line : before.split('\n')) {
            if (line.startsWith('#') || line.startsWith("eval:") || line.startsWith("data:") ||
                line.startsWith("checkpoint:") || line.startsWith("model:"))
                QVERIFY2(after.contains(line + "\n"), qPrintable(line + "\n---\n" + after));
        }
        QCOMPARE(parsedYaml(*ed).optimizer.lr, 5e-4);
        QCOMPARE(parsedYaml(*ed).optimizer.weight_decay, 0.01);
    }

    void anInvalidPresetLeavesTheFormEmptyNotStale() {
        QTemporaryDir tmp;
        QFile bad(tmp.filePath("bad.yaml"));
        QVERIFY(bad.open(QIODevice::WriteOnly));
        bad.write("name: mine\noptimizer: {lr: -1}\nstages: [{method: mle, steps: 3}]\n");
        bad.close();
        auto ed = makeEditor();
        QVERIFY(ed->loadPreset(RGPB_SOURCE_DIR "/presets/demo.yaml"));
        QVERIFY(ed->form()->isEnabled());
        QVERIFY(ed->loadPreset(tmp.filePath("bad.yaml")));
        // The form would show demo.yaml's values: it is disabled and says why.
        QVERIFY(!ed->form()->isEnabled());
        QLabel* banner = nullptr;
        for (QLabel* l : ed->findChildren<QLabel*>())
            if (l->text().contains("fills in once the YAML is valid"))
                banner = l;
        QVERIFY(banner);
        QVERIFY(banner->text().contains("line 2"));
        QVERIFY(!ed->runButton()->isEnabled());
        // Fixed in the YAML view: the form shows this file.
        ed->setYaml("name: mine\noptimizer: {lr: 0.01}\nstages: [{method: mle, steps: 3}]\n");
        QVERIFY(ed->form()->isEnabled());
        QCOMPARE(lineEdit(ed->form(), "name")->text(), QString("mine"));
        QCOMPARE(lineEdit(ed->form(), "optimizer.lr")->text(), QString("0.01"));
    }

    void devicePickerListsWhatThisMachineHas() {
        auto ed = makeEditor();
        ConfigForm* f = ed->form();
        QComboBox* device = combo(f, "device");
        QStringList listed;
        for (int i = 0; i < device->count(); ++i)
            listed << device->itemText(i);
        QVERIFY(listed.contains("cpu"));
        ed->setYaml("device: cuda:3\nstages: [{method: mle, steps: 1}]\n");
        QCOMPARE(device->currentText(), QString("cuda:3"));
        if (!listed.contains("cuda:3")) {
            QLabel* note = nullptr;
            for (QLabel* l : f->findChildren<QLabel*>())
                if (l->text().contains("not available"))
                    note = l;
            QVERIFY(note);
            QVERIFY(note->text().contains("cuda:3"));
            QVERIFY(marked(device));
        }
        device->setCurrentText("cpu");
        Q_EMIT device->activated(0);
        QCOMPARE(QString::fromStdString(parsedYaml(*ed).device), QString("cpu"));
    }

    // "cpu x 2 processes" sets the device and distributed.nproc together; a config with
    // processes shows as that entry; the processes box and the entry stay in step.
    void devicePickerOffersDataParallelProcesses() {
        auto ed = makeEditor();
        ed->setYaml("device: cpu\nstages: [{method: mle, steps: 1}]\n");
        ConfigForm* f = ed->form();
        QComboBox* device = combo(f, "device");
        const int entry = device->findText("cpu x 2 processes");
        QVERIFY(entry >= 0);
        QVERIFY(device->itemData(entry, Qt::ToolTipRole).toString().contains("Gloo"));
        device->setCurrentIndex(entry);
        Q_EMIT device->activated(entry);
        QCOMPARE(spin(f, "distributed.nproc")->value(), 2);
        RunConfig c = parsedYaml(*ed);
        QCOMPARE(QString::fromStdString(c.device), QString("cpu"));
        QCOMPARE(c.distributed.nproc, int64_t(2));
        QCOMPARE(QString::fromStdString(c.distributed.backend), QString("gloo"));
        ed->setYaml("device: cpu\ndistributed: {nproc: 4}\nstages: [{method: mle, steps: 1}]\n");
        QCOMPARE(device->currentText(), QString("cpu x 4 processes"));
        QVERIFY(!marked(device));
        spin(f, "distributed.nproc")->setValue(1);
        QCOMPARE(device->currentText(), QString("cpu"));
    }

    void dataPreviewReadsTheFirstPairs() {
        auto ed = makeEditor();
        QVERIFY(ed->loadPreset(RGPB_SOURCE_DIR "/presets/demo.yaml"));
        ConfigForm* f = ed->form();
        f->previewButton()->click();
        QTRY_COMPARE_WITH_TIMEOUT(f->previewTable()->rowCount(), 20, 20000);
        QVERIFY2(f->previewSummary()->text().contains("3800 train / 200 eval"),
                 qPrintable(f->previewSummary()->text()));
        // The preview shows the run's first training pairs: the same split the trainer uses.
        DataSplit split = loadPairTexts(f->config().data, f->config().dataSeed());
        QCOMPARE(f->previewTable()->item(0, 0)->toolTip(),
                 QString::fromStdString(split.train[0].prompt_pos));
        QCOMPARE(f->previewTable()->item(3, 3)->toolTip(),
                 QString::fromStdString(split.train[3].response_neg));

        // A file with bad records: the counts and the first problem (with its line).
        DataConfig d;
        d.source = RGPB_TEST_DATA_DIR "/hh_rlhf/small.jsonl";
        d.eval_pairs = 1;
        widgets::DataPreview p = readDataPreview(d, 1);
        QVERIFY2(p.ok, qPrintable(p.summary));
        QVERIFY2(p.summary.contains("skipped") && p.summary.contains("small.jsonl:"),
                 qPrintable(p.summary));
        QVERIFY(!p.pairs.empty());
        // A missing file: not ok, and the message names it.
        d.source = "/nonexistent/pairs.jsonl";
        p = readDataPreview(d, 1);
        QVERIFY(!p.ok);
        QVERIFY2(p.summary.contains("/nonexistent/pairs.jsonl"), qPrintable(p.summary));
        f->showPreview(p);
        QVERIFY(f->previewTable()->isHidden());
    }

    void landscapePointFromEvalPairs() {
        QTemporaryDir tmp;
        std::string dir = tmp.path().toStdString();
        // 40 pairs, two kinds: exp(S+/T+) = 0.5 or 0.8 (T+ = 2), exp(S-/T-) = 0.1 (T- = 1).
        EvalPairs e;
        e.step = 120;
        for (int i = 0; i < 40; ++i) {
            double m = std::log(i % 2 ? 0.8 : 0.5);
            e.pairs.push_back({2 * m, 2, std::log(0.1), 1, {}, {}});
        }
        writeEvalPairs(dir, e);
        RunSummary s;
        s.dir = dir;
        s.name = "exm";
        s.recipe = "exmate";
        s.beta = 0.5;
        s.status = RunStatus::Finished;
        auto p = landscapePoint(s);
        QVERIFY(p);
        // perplexity = exp(-(20 * 2 ln 0.8 + 20 * 2 ln 0.5) / 80) = 1 / sqrt(0.4);
        // agility = (0.7 + 0.4) / 2.
        RGPB_COMPARE_NEAR(p->perplexity, 1 / std::sqrt(0.4), 1e-12);
        RGPB_COMPARE_NEAR(p->agility, 0.55, 1e-12);
        QCOMPARE(p->pairs, 40);
        QCOMPARE(p->step, qint64(120));
        QVERIFY(p->final);
        QVERIFY(p->agility_low < 0.55 && p->agility_high > 0.55);
        QVERIFY(p->agility_low >= 0.4 && p->agility_high <= 0.7);
        // Not evaluated yet: no point.
        QTemporaryDir empty;
        s.dir = empty.path().toStdString();
        QVERIFY(!landscapePoint(s));
    }
    // The landscape view itself: tests/widgets/test_run_identity.cpp.
};

RGPB_TEST_MAIN(TestConfigForm)
}  // namespace rgpb_test_config_form
#include "test_config_form.moc"
