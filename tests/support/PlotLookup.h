// Finding what a QCustomPlot draws, for widget and window tests: a graph by its name, and the
// error bars of one direction attached to it.
#pragma once

#include <qcustomplot.h>

#include <QString>

namespace rgpb::test {

inline QCPGraph* graphNamed(QCustomPlot* plot, const QString& name) {
    for (int i = 0; i < plot->graphCount(); ++i)
        if (plot->graph(i)->name() == name)
            return plot->graph(i);
    return nullptr;
}

// The error bars of `type` drawn for the graph named `name`.
inline QCPErrorBars* barsOf(QCustomPlot* plot, const QString& name, QCPErrorBars::ErrorType type) {
    for (int i = 0; i < plot->plottableCount(); ++i) {
        auto* bars = qobject_cast<QCPErrorBars*>(plot->plottable(i));
        if (bars && bars->errorType() == type && bars->dataPlottable() &&
            bars->dataPlottable()->name() == name)
            return bars;
    }
    return nullptr;
}

}  // namespace rgpb::test
