// Export of plots shared by every plot widget: CSV tables, PNG
// pictures and SVG / PDF vector figures of a QCustomPlot, readable log-axis ticks, and a small
// "PNG / SVG / PDF / CSV" button bar that asks for a file name.
#pragma once

#include <QString>
#include <QStringList>
#include <QVector>

#include <functional>

class QColor;
class QCustomPlot;
class QCPAxis;
class QCPColorMap;
class QCPColorGradient;
class QCPColorScale;
class QWidget;

namespace rgpb::widgets {

struct CsvTable {
    QStringList columns;
    QVector<QStringList> rows;  // each as long as `columns`
};

// A number as CSV text: 10 significant digits; "nan", "inf", "-inf" for non-finite values.
QString csvNumber(double v);

// Text as a CSV field: quoted (inner quotes doubled) when it holds a comma, quote or newline.
QString csvText(QString s);

// Writes `table` (header line, then rows) through saveFile() (widgets/SaveFile.h).
bool writeCsv(const QString& path, const CsvTable& table);

// Saves `plot` as a PNG of the given size (replots first). Every export here writes through
// saveFile(): a temporary file renamed over `path`, never through a link.
bool exportPlotPng(QCustomPlot* plot, const QString& path, int width = 900, int height = 540);
// Vector figures of `plot` (text stays text, lines stay lines).
bool exportPlotSvg(QCustomPlot* plot, const QString& path, int width = 900, int height = 540);
bool exportPlotPdf(QCustomPlot* plot, const QString& path, int width = 900, int height = 540);
// By the file's suffix: .png, .svg or .pdf; false for another suffix.
bool exportPlotFigure(QCustomPlot* plot, const QString& path, int width = 900, int height = 540);

// A logarithmic scale on `axis` with readable ticks: 1, 2, 5, 10, 20, 50, ... while the range
// spans a few decades, powers of ten beyond, labelled as plain numbers (not 1e+01).
void setReadableLogScale(QCPAxis* axis);
// The tick values setReadableLogScale's ticker puts in [lo, hi] (lo > 0), for tests.
QVector<double> readableLogTicks(double lo, double hi);

// Colours `map` with `gradient`, without interpolation, and adds its colour scale right of the
// plot (returned).
QCPColorScale* addColorScale(QCustomPlot* plot, QCPColorMap* map, const QCPColorGradient& gradient);
// Colours `map` blue (low) - white (middle) - red (high), NaN cells in `nan`, without
// interpolation, and adds its colour scale right of the plot (returned).
QCPColorScale* addDivergingScale(QCustomPlot* plot, QCPColorMap* map, const QColor& nan);

// A row of two buttons, "PNG" and "CSV", that ask for a file (suggesting `base_name`.png/.csv)
// and call the given writers; a failure is reported in a message box.
QWidget* exportButtons(const QString& base_name, std::function<bool(const QString&)> png,
                       std::function<bool(const QString&)> csv, QWidget* parent = nullptr);
// The same with "PNG", "SVG" and "PDF" of `plot` (exportPlotFigure) beside "CSV".
QWidget* exportButtons(const QString& base_name, QCustomPlot* plot,
                       std::function<bool(const QString&)> csv, QWidget* parent = nullptr);
// `plot` under a bold `title` with those PNG/SVG/PDF/CSV buttons beside it (the gradient lab's
// panels); the plot is at least 300x220.
QWidget* framedPlot(const QString& title, const QString& base_name, QCustomPlot* plot,
                    std::function<bool(const QString&)> csv);

// A widget as it is drawn now (a table, a text view) saved as a PNG through saveFile().
bool exportWidgetPng(QWidget* widget, const QString& path);
// `widget` (a table, a text view) under a bold `title` with "PNG" (exportWidgetPng) and "CSV"
// buttons beside it.
QWidget* framedWidget(const QString& title, const QString& base_name, QWidget* widget,
                      std::function<bool(const QString&)> csv);

}  // namespace rgpb::widgets
