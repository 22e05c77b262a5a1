// The run configuration as a form: a row for every field of the config table
// (core/config/ConfigFields.h: label, tooltip, range and choices come from it, so the form
// accepts exactly what the YAML reader accepts), grouped as run, data with a preview of the
// first pairs, tokenizer, model, optimizer, evaluation and checkpointing, and a stages table (add,
// remove, reorder; method, beta, steps, epochs, lr and DPO reference per stage). The form edits a
// RunConfig value: setConfig() shows one, config() returns it with the user's edits; what the form
// does not show (DPO label smoothing, the weights of a mixed objective, ...) is carried through
// unchanged. The editor keeps it in sync with the YAML view. Torch-free; the choices offered (model
// sizes, devices, formats) come from the application, which asks the core.
#pragma once

#include <QHash>
#include <QPointer>
#include <QSet>
#include <QString>
#include <QStringList>
#include <QVector>
#include <QWidget>
#include <vector>

#include "core/config/ConfigFields.h"
#include "core/config/RunConfig.h"
#include "core/data/PairText.h"

class QComboBox;
class QFormLayout;
class QLabel;
class QPushButton;
class QTableWidget;
class QTableWidgetItem;
class QVBoxLayout;

namespace rgpb::widgets {

// What the combo boxes offer beyond the config table's own choices (core/config/ConfigFields.h
// gives formats, regimes, schedules, ...): what only the running core knows. `devices` are the
// ones this machine has ("cpu", "cuda:0"); `device_notes` (same length, may be empty) describe
// them ("NVIDIA H100, 80 GB").
struct ConfigChoices {
    QStringList devices, device_notes;
    QStringList model_sizes;  // micro, tiny, pythia-70m, ..., t5-micro, t5-small, ...
    QStringList methods;      // mle, dpo, ul, exmate
};

// The first pairs of a data source, for the preview.
struct DataPreview {
    bool ok = true;
    QString summary;  // "4000 pairs: 3800 train, 200 eval" or the reader's error (file:line)
    std::vector<PairText> pairs;  // the first training pairs
};

class ConfigForm : public QWidget {
    Q_OBJECT

public:
    // Stage table columns.
    enum Column { Name, Method, Beta, Steps, Epochs, Lr, OnTheFly, ColumnCount };

    explicit ConfigForm(QWidget* parent = nullptr);

    void setChoices(const ConfigChoices& choices);
    // Shows `config` without emitting changed().
    void setConfig(const RunConfig& config);
    // The shown config with the user's edits. Fields whose text does not parse keep their last
    // good value (and are marked); parsing the result is still the validator's job.
    RunConfig config() const;
    void showPreview(const DataPreview& preview);

    // Marks the field of a key path from a validation message ("optimizer.lr",
    // "stages.1.beta"); an empty key clears the marks. Returns false for a key with no field.
    bool markProblem(const QString& key);
    // Finds the key path in a validator message ("config:12:3: optimizer.lr: expected ...") and
    // marks it; returns the key, empty when the message names no field of the form.
    QString markProblemIn(const QString& message);

    // For tests and the editor: the editor widget of a key path ("optimizer.lr", "data.source",
    // "device", ...), nullptr if none.
    QWidget* field(const QString& key) const;
    QStringList fieldKeys() const;
    QTableWidget* stagesTable() const { return stages_; }
    QTableWidget* previewTable() const { return preview_table_; }
    QLabel* previewSummary() const { return preview_summary_; }
    QPushButton* previewButton() const { return preview_button_; }
    void addStage();
    void removeStage(int row);
    void moveStage(int row, int delta);

    // Fields whose text does not hold a valid value (marked red): the config() they give
    // keeps their last good value, so a run must not start while any is listed.
    QStringList invalidFields() const;

Q_SIGNALS:
    void changed();  // the user edited something
    void previewRequested(const rgpb::DataConfig& data, quint64 seed);

private:
    QWidget* addField(QFormLayout* form, const ConfigField& field);
    QWidget* makeFieldWidget(const ConfigField& field);
    void addFieldExtras(QFormLayout* form, const QString& key);
    void addStagesBox(QVBoxLayout* into);
    void setValue(const ConfigField& field, const FieldValue& value);
    // The widget's value for `field`, checked against the table; the problem (marked) when
    // it holds none, and then the config's value is kept.
    FieldValue value(const ConfigField& field, const FieldValue& fallback) const;
    QString text(const QString& key) const;
    void fillStages(const std::vector<StageConfig>& stages);
    void setStageRow(int row, const StageConfig& stage);
    StageConfig stageAt(int row) const;
    void updateDataFields();
    void edited();
    // The data fields and seed as text: what a preview was read for.
    QString dataKey() const;
    void dropStalePreview();

    ConfigChoices choices_;
    RunConfig base_;
    std::vector<StageConfig> stage_base_;  // per table row: what the row does not show
    QHash<QString, QWidget*> fields_;
    QStringList keys_;
    QTableWidget* stages_;
    QTableWidget* preview_table_;
    QLabel* preview_summary_;
    QPushButton* preview_button_;
    QLabel* device_note_;
    bool filling_ = false;
    QString previewed_;  // dataKey() of the preview shown, empty when none
    // Marks that outlive a validation: text that does not parse, a device this machine lacks.
    mutable QSet<QString> unparsed_;
    bool device_missing_ = false;
};

}  // namespace rgpb::widgets
