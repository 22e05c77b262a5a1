// rgpb-workbench: the Qt application. Options:
//   --runs-dir DIR   where runs live (default: runs)
//   --presets DIR    preset folder (default: the source tree's or the installed presets/)
//   --preset FILE    preset opened at start (default: the last one open, else demo.yaml)
//   --run            start the opened preset at once
//   --tab NAME       show the tab labelled NAME wherever it is (repeatable: "Landscape", "YAML")
//   --screenshot PNG --after SECONDS   save a picture of the window, then quit (docs, tests)
//   --tab "Gradient lab/Measured"      show that tab (a path through nested tab widgets)
//   --lab-run DIR [--lab-data F] [--lab-format F]   start a gradient-lab measurement at once
//   --studies-dir DIR   where the Study tab runs studies (default: <runs dir>/studies)
//   --study FILE|DIR    open a study file or a study folder in the Study tab at start
#include <QApplication>
#include <QCommandLineParser>
#include <QDir>
#include <QFileInfo>
#include <QPushButton>
#include <QTabWidget>
#include <QTimer>
#include <cstdlib>

#include "app/gui/MainWindow.h"
#include "app/gui/StudyTab.h"
#include "core/util/Log.h"
#include "core/util/ProcessSetup.h"
#include "widgets/ConfigEditor.h"
#include "widgets/GradientLab.h"
#include "widgets/GradientLabMeasured.h"
#include "widgets/SaveFile.h"

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

// Selects the tab named by each part of "A/B/..." in the tab widgets below `root`, in turn.
void selectTabPath(QWidget* root, const QString& path) {
    QWidget* scope = root;
    for (const QString& name : path.split('/')) {
        bool found = false;
        QList<QTabWidget*> candidates = scope->findChildren<QTabWidget*>();
        if (auto* self = qobject_cast<QTabWidget*>(scope))
            candidates.prepend(self);
        for (QTabWidget* tabs : candidates) {
            for (int i = 0; i < tabs->count() && !found; ++i) {
                if (tabs->tabText(i) == name) {
                    tabs->setCurrentIndex(i);
                    scope = tabs->widget(i);
                    found = true;
                }
            }
            if (found)
                break;
        }
        if (!found) {
            fprintf(stderr, "no tab named '%s'\n", qPrintable(name));
            return;
        }
    }
}

}  // namespace

RGPB_PROCESS_SETUP()

int main(int argc, char** argv) {
    QApplication app(argc, argv);
    QApplication::setApplicationName("RGPB Workbench");
    // Names the settings file (~/.config/RGPB/RGPB Workbench.conf): window geometry, splitters,
    // concurrency and the last preset are remembered (MainWindow::saveSettings).
    QApplication::setOrganizationName("RGPB");
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
    cli.addOption({"screenshot", "Save a PNG of the window and quit.", "png"});
    cli.addOption({"after", "Seconds before the screenshot.", "seconds", "3"});
    cli.addOption({"tab",
                   "Tab to show (repeatable), e.g. \"Gradient lab\" or \"Gradient lab/Measured\".",
                   "name"});
    cli.addOption({"lab-run", "Gradient lab: measure this run or checkpoint at start.", "dir"});
    cli.addOption({"lab-data", "Gradient lab: the pair data to measure on.", "file", "synthetic"});
    cli.addOption({"lab-format", "Gradient lab: the data's format.", "format", "auto"});
    cli.addOption({"studies-dir", "Folder of studies (default: <runs dir>/studies).", "dir"});
    cli.addOption({"study", "Study file or study folder to open in the Study tab.", "path"});
    cli.process(app);

    rgpb::log::initConsole(rgpb::log::Level::Warn);
    QString presets = cli.isSet("presets") ? cli.value("presets") : findPresets();
    rgpb::app::MainWindow window(cli.value("runs-dir"), presets);
    const QString preset = window.openPresetAtStart(cli.value("preset"), presets);
    if (cli.isSet("studies-dir"))
        window.studyTab()->setStudiesDir(cli.value("studies-dir"));
    if (cli.isSet("study")) {
        const QString study = cli.value("study");
        if (QFileInfo(study).isDir())
            window.studyTab()->openFolder(study);
        else
            window.studyTab()->openFile(study);
    }
    window.show();
    for (const QString& path : cli.values("tab"))
        selectTabPath(&window, path);
    if (cli.isSet("lab-run")) {
        rgpb::GradientMeasureRequest r = window.gradientLab()->measured()->request();
        r.model_path = cli.value("lab-run").toStdString();
        r.data_path = cli.value("lab-data").toStdString();
        r.format = cli.value("lab-format").toStdString();
        window.gradientLab()->measured()->setRequest(r);
        QTimer::singleShot(0, &window,
                           [&] { window.gradientLab()->measured()->measureButton()->click(); });
    }
    if (cli.isSet("run")) {
        QTimer::singleShot(0, &window, [&] { window.launch(window.editor()->yaml(), preset); });
    }
    if (cli.isSet("screenshot")) {
        const QString png = cli.value("screenshot");
        QTimer::singleShot(
            static_cast<int>(cli.value("after").toDouble() * 1000), &window, [&, png] {
                const QString error = rgpb::widgets::saveRendered(
                    png, [&](QIODevice& out) { return window.grab().save(&out, "PNG"); });
                const bool ok = error.isEmpty();
                fprintf(stderr, "%s\n", ok ? qPrintable("saved " + png) : qPrintable(error));
                QApplication::exit(ok ? 0 : 1);
            });
    }
    return QApplication::exec();
}
