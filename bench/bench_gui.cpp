// GUI responsiveness (issue 5's quality bar), measured, never asserted:
//  1. the time to replot a curve of 1,000,000 points (QCustomPlot with adaptive sampling, raw +
//     smoothed line), and to append a 30 Hz batch to it;
//  2. the event-loop latency while the micro model trains at full speed through the workbench's
//     adapter: a 10 ms timer measures how late it fires (p50 / p99 / max).
// usage: QT_QPA_PLATFORM=offscreen bench_gui [--seconds 20]
#include <qcustomplot.h>
#include <QApplication>
#include <QElapsedTimer>
#include <QTemporaryDir>
#include <QTimer>
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "app/gui/MainWindow.h"
#include "core/util/ProcessSetup.h"
#include "widgets/CurvePlot.h"

using namespace rgpb;

static double percentile(std::vector<double> v, double p) {
    if (v.empty())
        return 0;
    std::sort(v.begin(), v.end());
    return v[std::min(v.size() - 1, static_cast<std::size_t>(p * (v.size() - 1) + 0.5))];
}

RGPB_PROCESS_SETUP()

int main(int argc, char** argv) {
    QApplication app(argc, argv);
    double seconds = 20;
    for (int i = 1; i + 1 < argc; ++i) {
        if (!std::strcmp(argv[i], "--seconds"))
            seconds = std::atof(argv[i + 1]);
    }

    {  // 1. replot of a 1e6-point curve
        widgets::CurvePlot plot("loss");
        plot.resize(900, 500);
        plot.setSmoothing(0.6);
        plot.show();
        QVector<widgets::CurvePoint> pts(1000000);
        for (int i = 0; i < pts.size(); ++i) {
            pts[i] = {double(i), double(i) * 64, i * 0.01,
                      3.0 * std::exp(-i / 2e5) + 0.1 * std::sin(i * 0.01)};
        }
        QElapsedTimer t;
        t.start();
        plot.appendPoints("run", "run", pts);
        plot.flush();
        double load_ms = t.nsecsElapsed() / 1e6;
        std::vector<double> replots;
        for (int i = 0; i < 20; ++i) {
            t.restart();
            plot.plot()->replot(QCustomPlot::rpImmediateRefresh);
            replots.push_back(t.nsecsElapsed() / 1e6);
        }
        std::vector<double> appends;
        for (int i = 0; i < 20; ++i) {
            QVector<widgets::CurvePoint> batch(30);
            for (int k = 0; k < 30; ++k) {
                double s = 1e6 + i * 30 + k;
                batch[k] = {s, s * 64, s * 0.01, 0.1};
            }
            t.restart();
            plot.appendPoints("run", "run", batch);
            plot.flush();
            plot.plot()->replot(QCustomPlot::rpImmediateRefresh);
            appends.push_back(t.nsecsElapsed() / 1e6);
        }
        std::printf(
            "1,000,000-point curve: first load %.0f ms; replot median %.1f ms, max %.1f ms; "
            "30-point append + replot median %.1f ms\n",
            load_ms, percentile(replots, 0.5), percentile(replots, 1.0), percentile(appends, 0.5));
    }

    {  // 2. event-loop latency while training
        QTemporaryDir tmp;
        app::MainWindow w(tmp.filePath("runs"), "");
        w.show();
        QString id = w.launch(
            "name: bench\nthreads: 2\ndata: {synthetic: {count: 3000}, eval_pairs: 200}\n"
            "eval: {every: 25, batch_size: 100}\nstages: [{method: exmate, beta: 0.5, steps: "
            "100000}]\n",
            "bench.yaml");
        std::vector<double> late;
        QElapsedTimer clock;
        clock.start();
        qint64 last = clock.nsecsElapsed();
        QTimer tick;
        tick.setTimerType(Qt::PreciseTimer);
        tick.setInterval(10);
        QObject::connect(&tick, &QTimer::timeout, [&] {
            qint64 now = clock.nsecsElapsed();
            late.push_back(std::max(0.0, (now - last) / 1e6 - 10.0));
            last = now;
        });
        QTimer::singleShot(3000, [&] { late.clear(); });  // skip data preparation
        tick.start();
        QTimer::singleShot(static_cast<int>(seconds * 1000), &app, &QApplication::quit);
        app.exec();
        double steps = w.runTable()->rowAt(0).step;
        std::printf(
            "event loop while training (%.0f s, %.0f steps): timer lateness p50 %.1f ms, "
            "p99 %.1f ms, max %.1f ms over %zu ticks\n",
            seconds, steps, percentile(late, 0.5), percentile(late, 0.99), percentile(late, 1.0),
            late.size());
        if (auto* s = w.session(id))
            s->cancel();
    }
    return 0;
}
