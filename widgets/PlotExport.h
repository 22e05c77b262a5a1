// Export of plots shared by every plot widget: CSV tables written atomically (QSaveFile), PNG
// pictures of a QCustomPlot, and a small "PNG / CSV" button bar that asks for a file name.
#pragma once

#include <QString>
#include <QStringList>
#include <QVector>

#include <functional>

class QCustomPlot;
class QWidget;

namespace rgpb::widgets {

struct CsvTable {
    QStringList columns;
    QVector<QStringList> rows;  // each as long as `columns`
};

// A number as CSV text: 10 significant digits; "nan", "inf", "-inf" for non-finite values.
QString csvNumber(double v);

// Writes `table` (header line, then rows) to a temporary file renamed onto `path`.
bool writeCsv(const QString& path, const CsvTable& table);

// Saves `plot` as a PNG of the given size (replots first).
bool exportPlotPng(QCustomPlot* plot, const QString& path, int width = 900, int height = 540);

// A row of two buttons, "PNG" and "CSV", that ask for a file (suggesting `base_name`.png/.csv)
// and call the given writers; a failure is reported in a message box.
QWidget* exportButtons(const QString& base_name, std::function<bool(const QString&)> png,
                       std::function<bool(const QString&)> csv, QWidget* parent = nullptr);

}  // namespace rgpb::widgets
