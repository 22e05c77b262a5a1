// Configure a run: pick a preset (or one of the paper's recipes with one click), edit its YAML
// with problems shown at their line as you type, save it as a preset or load one from a file,
// and launch one run or a beta sweep. Validation is delegated to a callback the application
// supplies (the core's parser), so this widget stays free of the training core.
#pragma once

#include <QString>
#include <QWidget>
#include <functional>

class QComboBox;
class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QPushButton;
class QTimer;

namespace rgpb::widgets {

struct ValidationResult {
    bool ok = true;
    int line = 0;     // 1-based line of the problem, 0 when unknown
    QString message;  // the parser's message, or a one-line summary when ok
};

class ConfigEditor : public QWidget {
    Q_OBJECT

public:
    using Validator = std::function<ValidationResult(const QString& yaml)>;
    ConfigEditor(Validator validator, QWidget* parent = nullptr);

    // Lists *.yaml under `dir` (recursively) in the preset picker.
    void setPresetDirectory(const QString& dir);
    bool loadPreset(const QString& path);  // false (and a message) when unreadable
    QString yaml() const;
    void setYaml(const QString& yaml);
    QString currentPath() const { return path_; }
    ValidationResult validateNow();
    QStringList sweepBetas() const;  // parsed from the sweep field; empty when invalid
    QPushButton* runButton() const { return run_; }

Q_SIGNALS:
    void runRequested(const QString& yaml, const QString& source);
    void sweepRequested(const QString& yaml, const QString& source, const QStringList& betas);

private:
    void showValidation(const ValidationResult& r);
    Validator validator_;
    QComboBox* presets_;
    QPlainTextEdit* editor_;
    QLabel* status_;
    QLineEdit* betas_;
    QPushButton *run_, *sweep_;
    QTimer* debounce_;
    QString dir_, path_;
};

}  // namespace rgpb::widgets
