// The study file's editor: the YAML of a study (presets/studies/*.yaml) with its problems shown
// as you type, as the parser reports them ("file:line:col: key: what is allowed"), the line
// marked. Parsing is a callback the application supplies (core/study/StudySpec.h), so the widget
// stays free of the core's code; it reads and saves the file itself (QSaveFile).
#pragma once

#include <QString>
#include <QWidget>
#include <functional>

#include "widgets/ConfigEditor.h"  // ValidationResult

class QLabel;
class QPlainTextEdit;
class QTimer;

namespace rgpb::widgets {

class StudyEditor : public QWidget {
    Q_OBJECT

public:
    // Parses `yaml` as the study file `source` (its path names it in messages and resolves its
    // relative data paths); `line` of the result is the problem's line.
    using Validator = std::function<ValidationResult(const QString& yaml, const QString& source)>;
    explicit StudyEditor(Validator validator, QWidget* parent = nullptr);

    // Replaces the text with the file's; false (and the reason in the status) when unreadable.
    bool loadFile(const QString& path);
    // Writes the text to path() (or `path` when given, which becomes path()); false with the
    // reason in the status when it cannot.
    bool save(const QString& path = {});
    bool hasUnsavedEdits() const;
    QString text() const;
    void setText(const QString& yaml);
    QString path() const { return path_; }
    // Validates the text now (typing validates after a short pause).
    ValidationResult validateNow();
    bool isValid() const { return valid_; }
    QString statusText() const;
    QPlainTextEdit* textEdit() const { return edit_; }
    // The line marked as the problem's (1-based), 0 when none.
    int markedLine() const { return marked_line_; }

Q_SIGNALS:
    void validityChanged(bool ok);

private:
    void show(const ValidationResult& r);

    Validator validator_;
    QLabel* file_;
    QPlainTextEdit* edit_;
    QLabel* status_;
    QTimer* debounce_;
    QString path_, saved_;
    bool valid_ = false;
    int marked_line_ = 0;
};

}  // namespace rgpb::widgets
