#include "widgets/PlotExport.h"

#include <qcustomplot.h>

#include <QFileDialog>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QImage>
#include <QLabel>
#include <QMessageBox>
#include <QPageLayout>
#include <QPageSize>
#include <QPdfWriter>
#include <QPointer>
#include <QPushButton>
#include <QSvgGenerator>
#include <QVBoxLayout>

#include <cmath>

#include "widgets/SaveFile.h"

namespace rgpb::widgets {

QString csvNumber(double v) {
    if (std::isnan(v))
        return "nan";
    if (std::isinf(v))
        return v > 0 ? "inf" : "-inf";
    return QString::number(v, 'g', 10);
}

QString csvText(QString s) {
    if (s.contains(',') || s.contains('"') || s.contains('\n'))
        s = '"' + s.replace('"', "\"\"") + '"';
    return s;
}

bool writeCsv(const QString& path, const CsvTable& table) {
    QByteArray text = table.columns.join(',').toUtf8() + '\n';
    for (const QStringList& row : table.rows)
        text += row.join(',').toUtf8() + '\n';
    return saveFile(path, text).isEmpty();
}

bool exportPlotPng(QCustomPlot* plot, const QString& path, int width, int height) {
    plot->replot();
    return saveRendered(path,
                        [&](QIODevice& out) {
                            QImage image = plot->toPixmap(width, height).toImage();
                            const int dots_per_meter =
                                qRound(96 / 0.0254);  // 96 dpi, QCustomPlot's default
                            image.setDotsPerMeterX(dots_per_meter);
                            image.setDotsPerMeterY(dots_per_meter);
                            return image.save(&out, "PNG");
                        })
        .isEmpty();
}

namespace {

// 1-2-5 ticks on a logarithmic axis, plain-number labels.
class ReadableLogTicker : public QCPAxisTicker {
protected:
    QVector<double> createTickVector(double, const QCPRange& range) override {
        return readableLogTicks(range.lower, range.upper);
    }
    int getSubTickCount(double) override { return 0; }
    QString getTickLabel(double tick, const QLocale& locale, QChar, int) override {
        return locale.toString(tick, 'g', 6);
    }
};

}  // namespace

bool exportPlotSvg(QCustomPlot* plot, const QString& path, int width, int height) {
    plot->replot();
    return saveRendered(path,
                        [&](QIODevice& out) {
                            QSvgGenerator svg;
                            svg.setOutputDevice(&out);
                            svg.setSize(QSize(width, height));
                            svg.setViewBox(QRect(0, 0, width, height));
                            svg.setTitle(QFileInfo(path).completeBaseName());
                            QCPPainter painter;
                            if (!painter.begin(&svg))
                                return false;
                            plot->toPainter(&painter, width, height);
                            return painter.end();
                        })
        .isEmpty();
}

bool exportPlotPdf(QCustomPlot* plot, const QString& path, int width, int height) {
    plot->replot();
    return saveRendered(path,
                        [&](QIODevice& out) {
                            // One page the size of the figure in points, no margins, as
                            // QCustomPlot::savePdf does.
                            QPdfWriter pdf(&out);
                            pdf.setCreator("RGPB Workbench");
                            pdf.setTitle(QFileInfo(path).completeBaseName());
                            pdf.setResolution(72);
                            pdf.setPageLayout(QPageLayout(
                                QPageSize(QSizeF(width, height), QPageSize::Point, QString(),
                                          QPageSize::ExactMatch),
                                QPageLayout::Portrait, QMarginsF(0, 0, 0, 0), QPageLayout::Point));
                            QCPPainter painter;
                            if (!painter.begin(&pdf))
                                return false;
                            painter.setMode(QCPPainter::pmVectorized);
                            painter.setMode(QCPPainter::pmNoCaching);
                            painter.setMode(QCPPainter::pmNonCosmetic);
                            plot->toPainter(&painter, width, height);
                            return painter.end();
                        })
        .isEmpty();
}

bool exportPlotFigure(QCustomPlot* plot, const QString& path, int width, int height) {
    const QString suffix = QFileInfo(path).suffix().toLower();
    if (suffix == "png")
        return exportPlotPng(plot, path, width, height);
    if (suffix == "svg")
        return exportPlotSvg(plot, path, width, height);
    if (suffix == "pdf")
        return exportPlotPdf(plot, path, width, height);
    return false;
}

QVector<double> readableLogTicks(double lo, double hi) {
    QVector<double> ticks;
    if (!(lo > 0) || !(hi > lo) || !std::isfinite(hi))
        return ticks;
    const int first = static_cast<int>(std::floor(std::log10(lo)));
    const int last = static_cast<int>(std::ceil(std::log10(hi)));
    const int decades = last - first;
    // Few decades: 1, 2, 5 in each (every digit when that leaves fewer than three ticks, a
    // range inside one decade); more: every power of ten; very many: every n-th power.
    const int every = decades <= 8 ? 1 : (decades + 7) / 8;
    auto collect = [&](const QVector<double>& mantissas) {
        ticks.clear();
        for (int e = first; e <= last; ++e) {
            if ((e - first) % every != 0)
                continue;
            for (double m : mantissas) {
                // Rounded to 12 digits, so 0.2 is 0.2 and not 0.20000000000000001.
                const double t = QString::number(m * std::pow(10.0, e), 'g', 12).toDouble();
                if (t >= lo * (1 - 1e-12) && t <= hi * (1 + 1e-12))
                    ticks.append(t);
            }
        }
    };
    collect(decades <= 3 ? QVector<double>{1, 2, 5} : QVector<double>{1});
    if (ticks.size() < 3 && decades <= 2)
        collect({1, 2, 3, 4, 5, 6, 7, 8, 9});
    return ticks;
}

void setReadableLogScale(QCPAxis* axis) {
    axis->setScaleType(QCPAxis::stLogarithmic);
    axis->setTicker(QSharedPointer<QCPAxisTicker>(new ReadableLogTicker));
}

namespace {

// A "PNG"/"SVG"/... button that asks for a file name and hands it to `writer`.
QPushButton* exportButton(QWidget* bar, const QString& kind, const QString& tooltip,
                          const QString& base_name, std::function<bool(const QString&)> writer) {
    auto* b = new QPushButton(kind, bar);
    b->setToolTip(tooltip);
    b->setMaximumWidth(46);
    QObject::connect(b, &QPushButton::clicked, bar, [bar, kind, base_name, writer] {
        const QString ext = kind.toLower();
        QString path = QFileDialog::getSaveFileName(bar, "Export " + kind, base_name + "." + ext,
                                                    kind + " (*." + ext + ")");
        if (!path.isEmpty() && !writer(path))
            QMessageBox::warning(bar, "Export", "Could not write " + path);
    });
    return b;
}

}  // namespace

QWidget* exportButtons(const QString& base_name, std::function<bool(const QString&)> png,
                       std::function<bool(const QString&)> csv, QWidget* parent) {
    auto* bar = new QWidget(parent);
    auto* row = new QHBoxLayout(bar);
    row->setContentsMargins(0, 0, 0, 0);
    row->setSpacing(2);
    row->addWidget(exportButton(bar, "PNG", "Save this plot as PNG", base_name, std::move(png)));
    row->addWidget(exportButton(bar, "CSV", "Save this plot as CSV", base_name, std::move(csv)));
    return bar;
}

QWidget* exportButtons(const QString& base_name, QCustomPlot* plot,
                       std::function<bool(const QString&)> csv, QWidget* parent) {
    QPointer<QCustomPlot> guarded(plot);
    auto figure = [guarded](const QString& path) {
        return guarded && exportPlotFigure(guarded, path);
    };
    QWidget* bar = exportButtons(base_name, figure, std::move(csv), parent);
    auto* row = static_cast<QHBoxLayout*>(bar->layout());
    for (const char* kind : {"SVG", "PDF"}) {
        row->insertWidget(
            row->count() - 1,  // before CSV
            exportButton(bar, kind, QString("Save this plot as %1 (vector)").arg(kind), base_name,
                         figure));
    }
    return bar;
}

namespace {
// `content` under a bold `title` with the export buttons `make_buttons(frame)` beside it.
QWidget* framed(const QString& title, QWidget* content,
                const std::function<QWidget*(QWidget*)>& make_buttons) {
    auto* w = new QWidget;
    auto* v = new QVBoxLayout(w);
    v->setContentsMargins(2, 2, 2, 2);
    auto* head = new QHBoxLayout;
    head->addWidget(new QLabel("<b>" + title + "</b>"), 1);
    head->addWidget(make_buttons(w));
    v->addLayout(head);
    v->addWidget(content, 1);
    return w;
}
}  // namespace

QWidget* framedPlot(const QString& title, const QString& base_name, QCustomPlot* plot,
                    std::function<bool(const QString&)> csv) {
    plot->setMinimumSize(300, 220);
    return framed(title, plot, [&](QWidget* frame) {
        return exportButtons(base_name, plot, std::move(csv), frame);
    });
}

bool exportWidgetPng(QWidget* widget, const QString& path) {
    const QPixmap picture = widget->grab();
    return saveRendered(path, [&picture](QIODevice& out) { return picture.save(&out, "PNG"); })
        .isEmpty();
}

QWidget* framedWidget(const QString& title, const QString& base_name, QWidget* widget,
                      std::function<bool(const QString&)> csv) {
    return framed(title, widget, [&](QWidget* frame) {
        return exportButtons(
            base_name, [widget](const QString& path) { return exportWidgetPng(widget, path); },
            std::move(csv), frame);
    });
}

QCPColorScale* addColorScale(QCustomPlot* plot, QCPColorMap* map, const QCPColorGradient& g) {
    map->setInterpolate(false);
    auto* scale = new QCPColorScale(plot);
    plot->plotLayout()->addElement(0, 1, scale);
    map->setColorScale(scale);
    // After setColorScale(), which hands the scale's gradient to the map.
    scale->setGradient(g);
    map->setGradient(g);
    return scale;
}

QCPColorScale* addDivergingScale(QCustomPlot* plot, QCPColorMap* map, const QColor& nan) {
    QCPColorGradient g;
    g.clearColorStops();
    g.setColorStopAt(0.0, QColor(49, 54, 149));
    g.setColorStopAt(0.5, QColor(255, 255, 255));
    g.setColorStopAt(1.0, QColor(165, 0, 38));
    g.setNanHandling(QCPColorGradient::nhNanColor);
    g.setNanColor(nan);
    return addColorScale(plot, map, g);
}

}  // namespace rgpb::widgets
