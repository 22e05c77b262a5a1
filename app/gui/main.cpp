// rgpb-workbench: the Qt application. Options:
//   --runs-dir DIR   where runs live (default: runs)
//   --presets DIR    preset folder (default: the source tree's or the installed presets/)
//   --preset FILE    preset opened at start (default: demo.yaml)
//   --run            start the opened preset at once
//   --tab NAME       show the tab labelled NAME wherever it is (repeatable: "Landscape", "YAML")
//   --screenshot PNG --after SECONDS   save a picture of the window, then quit (docs, tests)
#include <QApplication>
#include <QCommandLineParser>
#include <QDir>
#include <QFileInfo>
#include <QTabWidget>
#include <QTimer>
#include <cstdlib>

#include "app/gui/MainWindow.h"
#include "core/util/Log.h"
#include "widgets/ConfigEditor.h"

namespace {

QString findPresets() {
    QStringList candidates = {QStringLiteral(RGPB_SOURCE_PRESETS),
                              QCoreApplication::applicationDirPath() + "/../share/rgpb/presets",
                              QDir::currentPath() + "/presets"};
    for (const QString& c : candidates) {
        if (QFileInfo(c + "/demo.yaml").exists())
            return QDir(c).absolutePath();
    }
    return QDir::currentPath();
}

}  // namespace

int main(int argc, char** argv) {
    // OpenMP threads that spin while waiting starve the GUI thread and each other when several
    // runs train at once; passive waiting costs a few percent of throughput and keeps the window
    // responsive. Must be set before LibTorch starts its OpenMP pool; a user's setting wins.
    setenv("OMP_WAIT_POLICY", "PASSIVE", 0);
    QApplication app(argc, argv);
    QApplication::setApplicationName("RGPB Workbench");
    QApplication::setApplicationVersion(RGPB_VERSION);
    QCommandLineParser cli;
    cli.setApplicationDescription(
        "Train language models that reward good and penalize bad examples.");
    cli.addHelpOption();
    cli.addVersionOption();
    cli.addOption({"runs-dir", "Folder of runs.", "dir", "runs"});
    cli.addOption({"presets", "Folder of presets.", "dir"});
    cli.addOption({"preset", "Preset to open.", "file"});
    cli.addOption({"run", "Start the opened preset at once."});
    cli.addOption({"tab", "Show the tab with this label (repeatable).", "name"});
    cli.addOption({"screenshot", "Save a PNG of the window and quit.", "png"});
    cli.addOption({"after", "Seconds before the screenshot.", "seconds", "3"});
    cli.process(app);

    rgpb::log::initConsole(rgpb::log::Level::Warn);
    QString presets = cli.isSet("presets") ? cli.value("presets") : findPresets();
    rgpb::app::MainWindow window(cli.value("runs-dir"), presets);
    QString preset = cli.isSet("preset") ? cli.value("preset") : presets + "/demo.yaml";
    if (QFileInfo(preset).exists())
        window.loadPreset(preset);
    window.show();
    for (const QString& name : cli.values("tab")) {
        bool found = false;
        for (QTabWidget* tabs : window.findChildren<QTabWidget*>()) {
            for (int i = 0; i < tabs->count(); ++i) {
                if (tabs->tabText(i).compare(name, Qt::CaseInsensitive) == 0) {
                    tabs->setCurrentIndex(i);
                    found = true;
                }
            }
        }
        if (!found)
            fprintf(stderr, "no tab labelled '%s'\n", qPrintable(name));
    }
    if (cli.isSet("run")) {
        QTimer::singleShot(0, &window, [&] { window.launch(window.editor()->yaml(), preset); });
    }
    if (cli.isSet("screenshot")) {
        const QString png = cli.value("screenshot");
        QTimer::singleShot(
            static_cast<int>(cli.value("after").toDouble() * 1000), &window, [&, png] {
                bool ok = window.grab().save(png);
                fprintf(stderr, "%s %s\n", ok ? "saved" : "could not save", qPrintable(png));
                QApplication::exit(ok ? 0 : 1);
            });
    }
    return QApplication::exec();
}
