#include "widgets/PlotExport.h"

#include <qcustomplot.h>

#include <QFileDialog>
#include <QHBoxLayout>
#include <QMessageBox>
#include <QPushButton>
#include <QSaveFile>
#include <QTextStream>

#include <cmath>

namespace rgpb::widgets {

QString csvNumber(double v) {
    if (std::isnan(v))
        return "nan";
    if (std::isinf(v))
        return v > 0 ? "inf" : "-inf";
    return QString::number(v, 'g', 10);
}

bool writeCsv(const QString& path, const CsvTable& table) {
    QSaveFile f(path);
    if (!f.open(QIODevice::WriteOnly | QIODevice::Text))
        return false;
    QTextStream out(&f);
    out << table.columns.join(',') << '\n';
    for (const QStringList& row : table.rows)
        out << row.join(',') << '\n';
    out.flush();
    return f.commit();
}

bool exportPlotPng(QCustomPlot* plot, const QString& path, int width, int height) {
    plot->replot();
    return plot->savePng(path, width, height);
}

QWidget* exportButtons(const QString& base_name, std::function<bool(const QString&)> png,
                       std::function<bool(const QString&)> csv, QWidget* parent) {
    auto* bar = new QWidget(parent);
    auto* row = new QHBoxLayout(bar);
    row->setContentsMargins(0, 0, 0, 0);
    row->setSpacing(2);
    auto add = [&](const QString& kind, std::function<bool(const QString&)> writer) {
        auto* b = new QPushButton(kind, bar);
        b->setToolTip(QString("Save this plot as %1").arg(kind));
        b->setMaximumWidth(46);
        QObject::connect(b, &QPushButton::clicked, bar, [bar, kind, base_name, writer] {
            const QString ext = kind.toLower();
            QString path = QFileDialog::getSaveFileName(
                bar, "Export " + kind, base_name + "." + ext, kind + " (*." + ext + ")");
            if (path.isEmpty())
                return;
            if (!writer(path))
                QMessageBox::warning(bar, "Export", "Could not write " + path);
        });
        row->addWidget(b);
    };
    add("PNG", std::move(png));
    add("CSV", std::move(csv));
    return bar;
}

}  // namespace rgpb::widgets
