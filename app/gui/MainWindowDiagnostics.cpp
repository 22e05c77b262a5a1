// The window's share of the live gradient diagnostics (issue 15): each evaluation's diagnostics
// row goes to the Diagnostics tab and to the dashboard's two diagnostics curves; the first
// likelihood-displacement alert of a stage marks the curves, flags the run in the run table and
// is logged. Runs opened from disk get the same from their diagnostics.jsonl.
#include <QFileInfo>

#include <exception>

#include "app/gui/MainWindow.h"
#include "widgets/DiagnosticsView.h"
#include "widgets/MetricsDashboard.h"

namespace rgpb::app {

namespace {

QString viewLabel(const QString& id, const QString& label) {
    return QFileInfo(id).fileName() + " (" + label + ")";
}

}  // namespace

void MainWindow::onDiagnostics(const QString& id, const DiagnosticsRow& row) {
    auto s = sessions_.value(id);
    const QString label = s ? s->label() : id;
    diagnostics_->addRow(id, viewLabel(id, label), row);
    const auto curves = widgets::curvesFromDiagnostics({row}, eval_clock_.value(id));
    for (auto it = curves.begin(); it != curves.end(); ++it)
        dashboard_->appendPoints(it.key(), id, label, it.value());
    if (const auto* rows = diagnostics_->rowsOf(id)) {
        const auto alerts = widgets::displacementAlerts(*rows);
        if (!alerts.isEmpty() && alerts.back().step == row.step)
            showAlert(id, alerts.back(), true);
    }
}

void MainWindow::showDiagnosticsFromDisk(
    const RunSummary& s, const QHash<QString, QVector<widgets::CurvePoint>>& curves) {
    const QString id = QString::fromStdString(s.dir);
    eval_clock_[id] = curves.value("perplexity");  // a resumed run's evaluations so far
    std::vector<DiagnosticsRow> rows;
    try {
        rows = readDiagnostics(s.dir);
    } catch (const std::exception& ex) {
        logLine(log::Level::Warn, "gui", QString::fromUtf8(ex.what()));
        diagnostics_->setRunProblem(id, viewLabel(id, recipeLabel(s)),
                                    QString::fromUtf8(ex.what()));
        return;
    }
    diagnostics_->setRunRows(id, viewLabel(id, recipeLabel(s)), rows);
    if (rows.empty())
        return;
    const auto diag = widgets::curvesFromDiagnostics(rows, eval_clock_.value(id));
    for (auto it = diag.begin(); it != diag.end(); ++it)
        dashboard_->appendPoints(it.key(), id, recipeLabel(s), it.value());
    for (const widgets::DisplacementAlert& alert : widgets::displacementAlerts(rows))
        showAlert(id, alert, false);
}

// A live alert is also logged (the trainer's log line names the run folder; this one says
// where to look).
void MainWindow::showAlert(const QString& id, const widgets::DisplacementAlert& alert, bool live) {
    dashboard_->markEvent(id, double(alert.step),
                          QString("displacement %1%").arg(100.0 * alert.share, 0, 'f', 0));
    widgets::RunRow& r = row(id);
    r.alert = alert.text;
    runs_->upsert(r);
    if (live)
        logLine(log::Level::Warn, QFileInfo(id).fileName(),
                alert.text + " (see the Diagnostics tab)");
}

}  // namespace rgpb::app
