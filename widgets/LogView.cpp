#include "widgets/LogView.h"

#include <algorithm>
#include <iterator>

#include <QComboBox>
#include <QDateTime>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QVBoxLayout>

namespace rgpb::widgets {

namespace {
// The levels the filter offers, lowest first (the combo box index is a position in this list).
constexpr log::Level kLevels[] = {log::Level::Trace, log::Level::Debug, log::Level::Info,
                                  log::Level::Warn,  log::Level::Error, log::Level::Critical};

const char* levelText(log::Level level) {
    switch (level) {
        case log::Level::Trace:
            return "trace";
        case log::Level::Debug:
            return "debug";
        case log::Level::Info:
            return "info";
        case log::Level::Warn:
            return "warn";
        case log::Level::Error:
            return "error";
        case log::Level::Critical:
            return "critical";
        case log::Level::Off:
            break;
    }
    return "off";
}
}  // namespace

LogView::LogView(QWidget* parent) : QWidget(parent) {
    auto* root = new QVBoxLayout(this);
    root->setContentsMargins(0, 0, 0, 0);
    auto* bar = new QHBoxLayout;
    bar->addWidget(new QLabel("level:"));
    level_ = new QComboBox;
    for (log::Level l : kLevels)
        level_->addItem(levelText(l));
    setMinimumLevel(log::Level::Info);
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
    if (r.level < minimumLevel())
        return false;
    const QString f = filter_->text();
    return f.isEmpty() || r.message.contains(f, Qt::CaseInsensitive) ||
           r.source.contains(f, Qt::CaseInsensitive);
}

QString LogView::format(const LogRecord& r) const {
    QString time = QDateTime::fromMSecsSinceEpoch(r.time_ms).toString("HH:mm:ss");
    return QString("%1 %2 [%3] %4")
        .arg(time, QString(levelText(r.level)).leftJustified(5), r.source, r.message);
}

void LogView::append(const LogRecord& record) {
    records_.append(record);
    if (records_.size() > kMaxRecords)
        records_.removeFirst();
    if (accepts(record))
        text_->appendPlainText(format(record));
}

void LogView::setMinimumLevel(log::Level level) {
    const auto* at = std::find(std::begin(kLevels), std::end(kLevels), level);
    level_->setCurrentIndex(at == std::end(kLevels) ? level_->count() - 1
                                                    : int(at - std::begin(kLevels)));
}
log::Level LogView::minimumLevel() const {
    return kLevels[qBound(0, level_->currentIndex(), level_->count() - 1)];
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
