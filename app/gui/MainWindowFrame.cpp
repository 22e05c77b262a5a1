// MainWindow's frame: the menu bar (its actions press the same buttons the panels have, so each
// action lives in one place), the settings a window remembers between starts, and the runs
// folder watched for runs started elsewhere.
#include <QAction>
#include <QCoreApplication>
#include <QDir>
#include <QDockWidget>
#include <QFileInfo>
#include <QFileSystemWatcher>
#include <QMenu>
#include <QMenuBar>
#include <QPushButton>
#include <QSettings>
#include <QSpinBox>
#include <QSplitter>
#include <QTimer>

#include "app/gui/MainWindow.h"
#include "widgets/ConfigEditor.h"

namespace rgpb::app {

namespace {

// How often the runs folder is rescanned by default.
constexpr int kRescanMs = 3000;

// Settings are kept only for an application that names its organization (rgpb-workbench does;
// tests do not, or point QSettings at a temporary folder): a test never touches the user's.
bool settingsOn() {
    return !QCoreApplication::organizationName().isEmpty();
}

QPushButton* buttonNamed(QWidget* parent, const QString& text) {
    for (QPushButton* b : parent->findChildren<QPushButton*>()) {
        if (b->text() == text)
            return b;
    }
    return nullptr;
}

// An action that presses `button` (when it is enabled), enabled like it when its menu opens.
QAction* addButtonAction(QMenu* menu, const QString& text, QPushButton* button,
                         const QKeySequence& keys = {}) {
    QAction* a = menu->addAction(text);
    a->setShortcut(keys);
    QObject::connect(a, &QAction::triggered, button, [button] {
        if (button->isEnabled())
            button->click();
    });
    QObject::connect(menu, &QMenu::aboutToShow, a,
                     [a, button] { a->setEnabled(button->isEnabled()); });
    return a;
}

}  // namespace

void MainWindow::buildMenuBar() {
    QMenu* file = menuBar()->addMenu("&File");
    if (QPushButton* open = buttonNamed(editor_, "Open..."))
        addButtonAction(file, "&Open preset...", open, QKeySequence::Open)->setObjectName("open");
    if (QPushButton* save = buttonNamed(editor_, "Save as..."))
        addButtonAction(file, "&Save YAML...", save, QKeySequence::Save)->setObjectName("save");
    file->addSeparator();
    QAction* quit = file->addAction("&Quit");
    connect(quit, &QAction::triggered, this, &QWidget::close);
    quit->setObjectName("quit");
    quit->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_Q));

    QMenu* run = menuBar()->addMenu("&Run");
    addButtonAction(run, "&Run", editor_->runButton(), QKeySequence(Qt::CTRL | Qt::Key_R))
        ->setObjectName("run");
    if (QPushButton* sweep = buttonNamed(editor_, "Sweep"))
        addButtonAction(run, "S&weep", sweep)->setObjectName("sweep");
    run->addSeparator();
    addButtonAction(run, "&Cancel selected runs...", runs_->cancelButton())
        ->setObjectName("cancel");
    addButtonAction(run, "R&esume from checkpoint", runs_->resumeButton())->setObjectName("resume");
    QAction* refresh = run->addAction("Re&fresh runs");
    connect(refresh, &QAction::triggered, this, &MainWindow::refreshRuns);
    refresh->setShortcut(QKeySequence::Refresh);

    QMenu* view = menuBar()->addMenu("&View");
    if (auto* dock = findChild<QDockWidget*>("log")) {
        QAction* log = dock->toggleViewAction();
        log->setText("&Log");
        log->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_L));
        view->addAction(log);
    }
}

QString MainWindow::lastPreset() {
    return settingsOn() ? QSettings().value("editor/lastPreset").toString() : QString();
}

QString MainWindow::openPresetAtStart(const QString& asked, const QString& preset_dir) {
    QString preset = asked;
    if (preset.isEmpty()) {
        preset = QFileInfo::exists(lastPreset()) ? lastPreset() : preset_dir + "/demo.yaml";
        if (!QFileInfo::exists(preset))
            return {};  // no default to show: an empty editor, no complaint
    }
    loadPreset(preset);
    return preset;
}

void MainWindow::restoreSettings() {
    if (!settingsOn())
        return;
    QSettings settings;
    restoreGeometry(settings.value("window/geometry").toByteArray());
    restoreState(settings.value("window/state").toByteArray());
    for (auto* splitter : findChildren<QSplitter*>()) {
        const QString key = "window/" + splitter->objectName();
        if (!splitter->objectName().isEmpty() && settings.contains(key))
            splitter->restoreState(settings.value(key).toByteArray());
    }
    if (settings.contains("runs/concurrent"))
        setMaxConcurrent(settings.value("runs/concurrent").toInt());
}

void MainWindow::saveSettings() const {
    if (!settingsOn())
        return;
    QSettings settings;
    settings.setValue("window/geometry", saveGeometry());
    settings.setValue("window/state", saveState());
    for (auto* splitter : findChildren<QSplitter*>()) {
        if (!splitter->objectName().isEmpty())
            settings.setValue("window/" + splitter->objectName(), splitter->saveState());
    }
    settings.setValue("runs/concurrent", maxConcurrent());
    if (!editor_->currentPath().isEmpty())
        settings.setValue("editor/lastPreset", editor_->currentPath());
}

// A new run folder shows at once (the folder watch); what changes inside run folders (a CLI run
// that finishes) shows at the next rescan.
void MainWindow::watchRunsFolder() {
    QDir().mkpath(runs_dir_);
    watcher_ = new QFileSystemWatcher({runs_dir_}, this);
    auto* soon = new QTimer(this);
    soon->setSingleShot(true);
    soon->setInterval(300);  // a folder appears before its summary.json
    connect(watcher_, &QFileSystemWatcher::directoryChanged, soon, qOverload<>(&QTimer::start));
    connect(soon, &QTimer::timeout, this, &MainWindow::refreshRuns);
    rescan_ = new QTimer(this);
    rescan_->setInterval(kRescanMs);
    connect(rescan_, &QTimer::timeout, this, &MainWindow::refreshRuns);
    rescan_->start();
}

void MainWindow::setRescanInterval(int ms) {
    rescan_->setInterval(ms);
}

}  // namespace rgpb::app
