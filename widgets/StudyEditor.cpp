#include "widgets/StudyEditor.h"

#include <QFile>
#include <QFileInfo>
#include <QLabel>
#include <QPlainTextEdit>
#include <QTextBlock>
#include <QTimer>
#include <QVBoxLayout>

#include "widgets/SaveFile.h"

namespace rgpb::widgets {

StudyEditor::StudyEditor(Validator validator, QWidget* parent)
    : QWidget(parent),
      validator_(std::move(validator)),
      file_(new QLabel(this)),
      edit_(new QPlainTextEdit(this)),
      status_(new QLabel(this)),
      debounce_(new QTimer(this)) {
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(2);
    file_->setText("(no study file)");
    file_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    layout->addWidget(file_);
    edit_->setFont(QFont("monospace"));
    edit_->setLineWrapMode(QPlainTextEdit::NoWrap);
    edit_->setPlaceholderText("Open a study file (presets/studies/*.yaml) or a study folder.");
    layout->addWidget(edit_, 1);
    status_->setWordWrap(true);
    status_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    layout->addWidget(status_);
    debounce_->setSingleShot(true);
    debounce_->setInterval(300);
    connect(edit_, &QPlainTextEdit::textChanged, debounce_, qOverload<>(&QTimer::start));
    connect(debounce_, &QTimer::timeout, this, [this] { validateNow(); });
}

bool StudyEditor::loadFile(const QString& path) {
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly | QIODevice::Text)) {
        status_->setText(QString("<span style='color:#c81e1e'>cannot open %1: %2</span>")
                             .arg(path.toHtmlEscaped(), f.errorString().toHtmlEscaped()));
        return false;
    }
    path_ = QFileInfo(path).absoluteFilePath();
    file_->setText(path_);
    saved_ = QString::fromUtf8(f.readAll());
    edit_->setPlainText(saved_);
    validateNow();
    return true;
}

bool StudyEditor::save(const QString& path) {
    const QString target = path.isEmpty() ? path_ : QFileInfo(path).absoluteFilePath();
    if (target.isEmpty())
        return false;
    if (const QString error = saveFile(target, text().toUtf8()); !error.isEmpty()) {
        status_->setText(QString("<span style='color:#c81e1e'>cannot save: %1</span>")
                             .arg(error.toHtmlEscaped()));
        return false;
    }
    path_ = target;
    file_->setText(path_);
    saved_ = text();
    return true;
}

bool StudyEditor::hasUnsavedEdits() const {
    return text() != saved_;
}

QString StudyEditor::text() const {
    return edit_->toPlainText();
}

void StudyEditor::setText(const QString& yaml) {
    edit_->setPlainText(yaml);
    validateNow();
}

QString StudyEditor::statusText() const {
    return status_->text();
}

ValidationResult StudyEditor::validateNow() {
    debounce_->stop();
    ValidationResult r;
    if (text().trimmed().isEmpty()) {
        r.ok = false;
        r.message = "no study: open a study file or folder";
    } else if (validator_) {
        r = validator_(text(), path_.isEmpty() ? QString("study.yaml") : path_);
    }
    show(r);
    return r;
}

void StudyEditor::show(const ValidationResult& r) {
    QList<QTextEdit::ExtraSelection> marks;
    marked_line_ = !r.ok && r.line > 0 ? r.line : 0;
    if (marked_line_ > 0) {
        QTextEdit::ExtraSelection sel;
        sel.format.setBackground(QColor(255, 215, 215));
        sel.format.setProperty(QTextFormat::FullWidthSelection, true);
        sel.cursor = QTextCursor(edit_->document()->findBlockByNumber(marked_line_ - 1));
        marks << sel;
    }
    edit_->setExtraSelections(marks);
    status_->setText(QString("<span style='color:%1'>%2</span>")
                         .arg(r.ok ? "#1e821e" : "#c81e1e", r.message.toHtmlEscaped()));
    if (r.ok != valid_) {
        valid_ = r.ok;
        Q_EMIT validityChanged(valid_);
    }
}

}  // namespace rgpb::widgets
