// The run form's rows come from the config table (core/config/ConfigFields.h): every field has
// a row with the table's label and tooltip, accepts exactly the table's range (a value the YAML
// reader takes is never clamped by the form), and spin and combo boxes ignore the mouse wheel
// unless focused, so scrolling the form never edits the experiment. Offscreen, no core.
#include <QtTest>

#include "tests/support/TestMain.h"

#include <QApplication>
#include <QComboBox>
#include <QLineEdit>
#include <QSpinBox>
#include <QWheelEvent>

#include "core/config/ConfigFields.h"
#include "widgets/ConfigForm.h"

// This file's code has its own namespace: the group's tests build as one unity batch.
namespace rgpb_test_config_form_fields {

using namespace rgpb;
using rgpb::widgets::ConfigForm;

namespace {

// A wheel turn over `w` as the mouse would send it.
void wheel(QWidget* w, int steps) {
    const QPointF at(w->width() / 2.0, w->height() / 2.0);
    QWheelEvent e(at, w->mapToGlobal(at), QPoint(), QPoint(0, 120 * steps), Qt::NoButton,
                  Qt::NoModifier, Qt::NoScrollPhase, false);
    QApplication::sendEvent(w, &e);
}

}  // namespace

class TestConfigFormFields : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void everyTableFieldHasARowWithItsLabelAndDoc() {
        ConfigForm form;
        QCOMPARE(form.fieldKeys().size(), int(configFields().size()));
        for (const ConfigField& f : configFields()) {
            QWidget* w = form.field(QString::fromStdString(f.key));
            QVERIFY2(w, f.key.c_str());
            QVERIFY2(w->toolTip().contains(QString::fromStdString(f.doc)), f.key.c_str());
            if (f.type == FieldType::Integer || f.type == FieldType::Number)
                QVERIFY2(w->toolTip().contains(QString::fromStdString(expectedText(f))),
                         qPrintable(w->toolTip()));
            if (auto* spin = qobject_cast<QSpinBox*>(w)) {
                // The widget's range is the table's: nothing valid is clamped, nothing
                // invalid can be entered.
                QCOMPARE(double(spin->minimum()), f.min);
                QCOMPARE(double(spin->maximum()), f.max);
            }
            if (f.type == FieldType::Choice) {
                auto* combo = qobject_cast<QComboBox*>(w);
                QVERIFY2(combo, f.key.c_str());
                for (const std::string& c : f.choices)
                    QVERIFY2(combo->findText(QString::fromStdString(c)) >= 0, c.c_str());
            }
        }
    }

    // The bug this table fixed: the form's ranges differed from the reader's (seed up to 2^53,
    // eval_pairs, vocab_size, num_layers, eval.samples, ...) and editing silently clamped.
    void aValueTheReaderTakesSurvivesTheForm() {
        ConfigForm form;
        int checked = 0;
        for (const ConfigField& f : configFields()) {
            if (f.type != FieldType::Integer && f.type != FieldType::Number)
                continue;
            for (double end : {f.min_open ? f.min + 1e-12 * (f.max - f.min) : f.min, f.max}) {
                RunConfig c;
                const FieldValue v = f.type == FieldType::Integer
                                         ? FieldValue(static_cast<int64_t>(end))
                                         : FieldValue(end);
                f.set(c, v);
                form.setConfig(c);
                const RunConfig back = form.config();
                QVERIFY2(
                    f.get(back) == v,
                    qPrintable(QString::fromStdString(f.key + " = " + valueText(v)) +
                               " came back as " + QString::fromStdString(valueText(f.get(back)))));
                QVERIFY2(form.invalidFields().isEmpty(), f.key.c_str());
                ++checked;
            }
        }
        QVERIFY(checked >= 60);
        // The seed is a whole number up to 2^53: beyond a spin box's int, so a line edit.
        RunConfig c;
        c.seed = (uint64_t(1) << 53);
        form.setConfig(c);
        QCOMPARE(form.config().seed, uint64_t(1) << 53);
    }

    void textThatIsNoValueIsReportedAndTheConfigKeepsItsValue() {
        ConfigForm form;
        RunConfig c;
        c.optimizer.lr = 0.003;
        form.setConfig(c);
        QVERIFY(form.invalidFields().isEmpty());
        auto* lr = qobject_cast<QLineEdit*>(form.field("optimizer.lr"));
        QVERIFY(lr);
        lr->setText("abc");
        QCOMPARE(form.config().optimizer.lr, 0.003);
        QCOMPARE(form.invalidFields(), QStringList{"optimizer.lr"});
        auto* seed = qobject_cast<QLineEdit*>(form.field("seed"));
        QVERIFY(seed);
        seed->setText("1.5");
        QCOMPARE(form.invalidFields(), (QStringList{"optimizer.lr", "seed"}));
        lr->setText("1e-3");
        seed->setText("7");
        QVERIFY(form.invalidFields().isEmpty());
        QCOMPARE(form.config().optimizer.lr, 1e-3);
        QCOMPARE(form.config().seed, uint64_t(7));
    }

    void theWheelChangesOnlyAFocusedField() {
        ConfigForm form;
        form.resize(600, 800);
        form.show();
        QVERIFY(QTest::qWaitForWindowExposed(&form));
        auto* batch = qobject_cast<QSpinBox*>(form.field("optimizer.batch_size"));
        auto* regime = qobject_cast<QComboBox*>(form.field("data.synthetic.regime"));
        QVERIFY(batch && regime);
        const int value = batch->value();
        const int index = regime->currentIndex();
        QSignalSpy changed(&form, &ConfigForm::changed);
        wheel(batch, 1);
        wheel(regime, -1);
        QCOMPARE(batch->value(), value);
        QCOMPARE(regime->currentIndex(), index);
        QCOMPARE(changed.count(), 0);
        // Focused, the wheel is the user's choice.
        batch->setFocus();
        QTRY_VERIFY(batch->hasFocus());
        wheel(batch, 1);
        QCOMPARE(batch->value(), value + 1);
    }
};

RGPB_TEST_MAIN(TestConfigFormFields)
}  // namespace rgpb_test_config_form_fields
#include "test_config_form_fields.moc"
