#include "widgets/LogView.h"

#include <QComboBox>
#include <QDateTime>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QVBoxLayout>

namespace rgpb::widgets {

namespace {
const char* kLevels[] = {"trace", "debug", "info", "warn", "error", "critical"};
}

LogView::LogView(QWidget* parent) : QWidget(parent) {
    auto* root = new QVBoxLayout(this);
    root->setContentsMargins(0, 0, 0, 0);
    auto* bar = new QHBoxLayout;
    bar->addWidget(new QLabel("level:"));
    level_ = new QComboBox;
    for (const char* l : kLevels)
        level_->addItem(l);
    level_->setCurrentIndex(2);
    bar->addWidget(level_);
    bar->addWidget(new QLabel("filter:"));
    filter_ = new QLineEdit;
    filter_->setPlaceholderText("text or run name");
    filter_->setClearButtonEnabled(true);
    bar->addWidget(filter_, 1);
    root->addLayout(bar);
    text_ = new QPlainTextEdit;
    text_->setReadOnly(true);
    text_->setMaximumBlockCount(kMaxRecords);
    text_->setFont(QFont("monospace", font().pointSize() - 1));
    root->addWidget(text_, 1);
    connect(level_, &QComboBox::currentIndexChanged, this, [this] { rerender(); });
    connect(filter_, &QLineEdit::textChanged, this, [this] { rerender(); });
}

bool LogView::accepts(const LogRecord& r) const {
    if (r.level < level_->currentIndex())
        return false;
    const QString f = filter_->text();
    return f.isEmpty() || r.message.contains(f, Qt::CaseInsensitive) ||
           r.source.contains(f, Qt::CaseInsensitive);
}

QString LogView::format(const LogRecord& r) const {
    QString time = QDateTime::fromMSecsSinceEpoch(r.time_ms).toString("HH:mm:ss");
    int l = qBound(0, r.level, 5);
    return QString("%1 %2 [%3] %4")
        .arg(time, QString(kLevels[l]).leftJustified(5), r.source, r.message);
}

void LogView::append(const LogRecord& record) {
    records_.append(record);
    if (records_.size() > kMaxRecords)
        records_.removeFirst();
    if (accepts(record))
        text_->appendPlainText(format(record));
}

void LogView::setMinimumLevel(int level) {
    level_->setCurrentIndex(qBound(0, level, 5));
}
void LogView::setFilterText(const QString& text) {
    filter_->setText(text);
}
QString LogView::visibleText() const {
    return text_->toPlainText();
}

void LogView::rerender() {
    QStringList lines;
    for (const LogRecord& r : records_) {
        if (accepts(r))
            lines << format(r);
    }
    text_->setPlainText(lines.join('\n'));
}

}  // namespace rgpb::widgets
