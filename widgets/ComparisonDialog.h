// "New comparison": pick two runs (and checkpoints), where the prompts come from (run A's eval
// split, fresh synthetic prompts, a file, or prompts typed in), how many, and the generation
// settings. The application generates both models' responses in the background and imports
// the set for judging. Torch-free: the dialog only fills a ComparisonRequest (a plain struct).
#pragma once

#include <QDialog>
#include <QString>
#include <QStringList>
#include <QVector>

#include "core/generate/Comparison.h"

class QComboBox;
class QDialogButtonBox;
class QDoubleSpinBox;
class QFormLayout;
class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QPushButton;
class QSpinBox;

namespace rgpb::widgets {

struct RunChoice {
    QString label;  // shown: "exmate b=0.5 (finished)"
    QString dir;    // run folder
};

class ComparisonDialog : public QDialog {
    Q_OBJECT

public:
    // `out_base`: the folder new comparison sets go under (a subfolder per set is proposed).
    ComparisonDialog(const QVector<RunChoice>& runs, const QString& out_base,
                     QWidget* parent = nullptr);

    // The request as filled in; for typed prompts, prompts_file is empty and typedPrompts()
    // holds them (the caller writes them to a file in the output folder).
    ComparisonRequest request() const;
    QStringList typedPrompts() const;
    // Empty when the form is complete; otherwise what is missing or wrong (shown in the dialog).
    QString problem() const;

    QComboBox* runA() const { return run_a_; }
    QComboBox* runB() const { return run_b_; }
    QComboBox* source() const { return source_; }
    QSpinBox* count() const { return count_; }
    QPlainTextEdit* typed() const { return typed_; }
    QLineEdit* outDir() const { return out_; }
    QLabel* problemLabel() const { return problem_; }  // what Generate found missing
    void accept() override;

private:
    // Constructor steps.
    void addModelRows(QFormLayout* form, const QVector<RunChoice>& runs);
    QPushButton* addPromptRows(QFormLayout* form);
    void addGenerationRows(QFormLayout* form);
    void connectSignals(QDialogButtonBox* buttons, QPushButton* browse);

    void proposeOutDir();
    void updateSourceFields();

    QString out_base_;
    QComboBox *run_a_, *run_b_, *source_;
    QLineEdit *ckpt_a_, *ckpt_b_, *file_, *out_;
    QPlainTextEdit* typed_;
    QSpinBox *count_, *max_new_, *top_k_, *seed_;
    QDoubleSpinBox *temperature_, *top_p_;
    QLabel* problem_;
    bool out_edited_ = false;
};

}  // namespace rgpb::widgets
