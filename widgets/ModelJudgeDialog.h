// "Model judge…" on the Judge tab: a chat model behind an OpenAI-compatible endpoint (a hosted
// API, vLLM, llama.cpp's server, Ollama, or `rgpb serve`) judges the current comparison set in
// both orders, beside the human judges. The dialog holds the settings (endpoint, model, the
// NAME of the environment variable with the API key — never the key —, template, sampling,
// concurrency, prices), starts and cancels the batch, and shows its progress: prompts done,
// failures, answers reused from the cache, tokens and cost so far, then the summary (position
// consistency, failures by reason). It stays open (non-modal) while the batch runs; the
// application runs it on a worker (app/gui/ModelJudgeJob). Torch-free.
#pragma once

#include <QDialog>
#include <QString>

#include "store/ModelJudgeRunner.h"

class QComboBox;
class QDoubleSpinBox;
class QLabel;
class QLineEdit;
class QProgressBar;
class QPushButton;
class QSpinBox;

namespace rgpb::widgets {

class ModelJudgeDialog : public QDialog {
    Q_OBJECT

public:
    // `set_name`: the comparison set to judge (shown; the application passes it to the job).
    explicit ModelJudgeDialog(const QString& set_name, QWidget* parent = nullptr);

    // The settings as filled in (QSettings remembers them between sessions, the key's variable
    // name included; the key itself is only ever read from the environment by the job).
    judging::ModelJudgeSettings settings() const;
    void setSettings(const judging::ModelJudgeSettings& s);
    // Empty when the form can start; else what is missing (shown in the dialog).
    QString problem() const;
    QString setName() const { return set_name_; }

    // From the application while the batch runs, and at its end.
    void showStarted();
    void showProgress(const judging::ModelJudgeProgress& p);
    void showSummary(const judging::ModelJudgeSummary& s);
    void showFailure(const QString& reason);
    bool running() const { return running_; }

    // Parts, for tests.
    QLineEdit* endpoint() const { return endpoint_; }
    QLineEdit* model() const { return model_; }
    QLineEdit* keyVariable() const { return key_env_; }
    QComboBox* templateBox() const { return template_; }
    QPushButton* startButton() const { return start_; }
    QPushButton* cancelButton() const { return cancel_; }
    QString progressText() const;
    QString summaryText() const;

    // The one-line progress read-out: prompts done of total, failures, cache, tokens, cost.
    static QString progressLine(const judging::ModelJudgeProgress& p, bool priced);

Q_SIGNALS:
    void startRequested(const rgpb::judging::ModelJudgeSettings& settings);
    void cancelRequested();

private:
    void chooseTemplateFile();
    void saveSettings() const;
    void updateButtons();

    QString set_name_;
    QLineEdit *endpoint_, *model_, *key_env_;
    QComboBox* template_;
    QDoubleSpinBox *temperature_, *price_in_, *price_out_, *timeout_;
    QSpinBox *max_tokens_, *concurrency_, *limit_, *retries_;
    QProgressBar* bar_;
    QLabel *progress_, *summary_, *problem_;
    QPushButton *start_, *cancel_;
    bool running_ = false;
};

}  // namespace rgpb::widgets
