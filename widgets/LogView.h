// The log of the workbench: records from the core's logger (and the application), filterable
// by level and by text (e.g. a run's name), newest at the bottom, bounded in memory.
#pragma once

#include <QList>
#include <QString>
#include <QWidget>

#include "core/util/Log.h"  // torch-free and Qt-free: only its Level enum is used here

class QPlainTextEdit;
class QComboBox;
class QLineEdit;

namespace rgpb::widgets {

struct LogRecord {
    qint64 time_ms = 0;
    log::Level level = log::Level::Info;
    QString source;  // logger name or run id
    QString message;
};

class LogView : public QWidget {
    Q_OBJECT

public:
    explicit LogView(QWidget* parent = nullptr);
    void append(const LogRecord& record);
    void setMinimumLevel(log::Level level);
    log::Level minimumLevel() const;
    void setFilterText(const QString& text);
    QString visibleText() const;
    int recordCount() const { return records_.size(); }

private:
    bool accepts(const LogRecord& r) const;
    QString format(const LogRecord& r) const;
    void rerender();
    QPlainTextEdit* text_;
    QComboBox* level_;
    QLineEdit* filter_;
    QList<LogRecord> records_;
    static constexpr int kMaxRecords = 20000;
};

}  // namespace rgpb::widgets
