// The run configuration as a form: every field of RunConfig (run, data with a preview of the
// first pairs, tokenizer, model, device with what this machine has, optimizer, evaluation,
// checkpointing) and a stages table (add, remove, reorder; method, beta, steps, epochs, lr and
// DPO reference per stage). The form edits a RunConfig value: setConfig() shows one, config()
// returns it with the user's edits; what the form does not show (DPO label smoothing, the
// weights of a mixed objective, ...) is carried through unchanged. The editor keeps it in sync
// with the YAML view. Torch-free; the choices offered (model sizes, devices, formats) come from
// the application, which asks the core.
#pragma once

#include <QHash>
#include <QPointer>
#include <QSet>
#include <QString>
#include <QStringList>
#include <QVector>
#include <QWidget>
#include <vector>

#include "core/config/RunConfig.h"
#include "core/data/PairText.h"

class QComboBox;
class QFormLayout;
class QLabel;
class QPushButton;
class QTableWidget;
class QTableWidgetItem;

namespace rgpb::widgets {

// What the combo boxes offer. `devices` are the ones this machine has ("cpu", "cuda:0");
// `device_notes` (same length, may be empty) describe them ("NVIDIA H100, 80 GB").
struct ConfigChoices {
    QStringList devices, device_notes;
    QStringList model_sizes;         // micro, tiny, pythia-70m, ...
    QStringList architectures;       // gpt_neox, gpt2
    QStringList data_formats;        // auto, hh-rlhf, trl, contrast, causal-dialogue
    QStringList synthetic_regimes;   // response-contrast, context-contrast
    QStringList tokenizer_kinds;     // byte, sentencepiece
    QStringList methods;             // mle, dpo, ul, exmate
    QStringList schedules;           // constant, cosine
    QStringList malformed_policies;  // skip, stop
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

Q_SIGNALS:
    void changed();  // the user edited something
    void previewRequested(const rgpb::DataConfig& data, quint64 seed);

private:
    QWidget* addText(QFormLayout* form, const QString& key, const QString& label,
                     const QString& tip);
    QWidget* addInt(QFormLayout* form, const QString& key, const QString& label, int min, int max,
                    const QString& tip);
    QWidget* addCombo(QFormLayout* form, const QString& key, const QString& label,
                      const QString& tip, bool editable = false);
    QWidget* addCheck(QFormLayout* form, const QString& key, const QString& label,
                      const QString& tip);
    void setText(const QString& key, const QString& text);
    void setNumber(const QString& key, double value);
    void setInt(const QString& key, qint64 value);
    void setCombo(const QString& key, const QString& value);
    void setCheck(const QString& key, bool on);
    QString text(const QString& key) const;
    double number(const QString& key, double fallback) const;
    qint64 integer(const QString& key) const;
    bool check(const QString& key) const;
    void fillStages(const std::vector<StageConfig>& stages);
    void setStageRow(int row, const StageConfig& stage);
    StageConfig stageAt(int row) const;
    void updateDataFields();
    void edited();

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
    // Marks that outlive a validation: text that does not parse, a device this machine lacks.
    mutable QSet<QString> unparsed_;
    bool device_missing_ = false;
};

}  // namespace rgpb::widgets
