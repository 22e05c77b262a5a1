#include "widgets/GradientLabJob.h"

#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QProgressBar>
#include <QPushButton>

namespace rgpb::widgets {

GradientLabJob::GradientLabJob(const QString& start_text, const QString& unit)
    : unit_(unit),
      start_(new QPushButton(start_text)),
      cancel_(new QPushButton("Cancel")),
      progress_(new QProgressBar),
      status_(new QLabel) {
    cancel_->setEnabled(false);
    progress_->setRange(0, 100);
    progress_->setValue(0);
    status_->setWordWrap(true);
    QObject::connect(cancel_, &QPushButton::clicked, status_,
                     [this] { status_->setText("cancelling\u2026"); });
}

void GradientLabJob::addRows(QFormLayout* form) const {
    auto* buttons = new QHBoxLayout;
    buttons->addWidget(start_);
    buttons->addWidget(cancel_);
    form->addRow(buttons);
    form->addRow(progress_);
    form->addRow(status_);
}

void GradientLabJob::setRunning(bool running) {
    running_ = running;
    start_->setEnabled(!running);
    cancel_->setEnabled(running);
    if (running) {
        progress_->setValue(0);
        status_->setText("loading the model and the data\u2026");
    }
}

void GradientLabJob::setProgress(qint64 done, qint64 total) {
    progress_->setValue(total > 0 ? static_cast<int>(100 * done / total) : 0);
    status_->setText(QString("%1 / %2 %3").arg(done).arg(total).arg(unit_));
}

void GradientLabJob::showError(const QString& message) {
    setRunning(false);
    status_->setText("<span style='color:#b00'>" + message.toHtmlEscaped() + "</span>");
}

void GradientLabJob::setStatus(const QString& text) {
    status_->setText(text);
}

void GradientLabJob::finished() {
    setRunning(false);
    progress_->setValue(100);
}

}  // namespace rgpb::widgets
