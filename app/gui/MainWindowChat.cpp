// MainWindow's Chat tab: the finished runs offered to the ChatView (refreshed whenever the tab
// is shown and when a run finishes), the ChatSession that answers, and the blinded votes, which
// go into the Judge tab's judgments database under the judge name set there.
#include <QDir>
#include <QTabWidget>

#include "app/gui/ChatSession.h"
#include "app/gui/MainWindow.h"
#include "core/util/Devices.h"
#include "widgets/ChatView.h"

namespace rgpb::app {

void MainWindow::buildChatTab() {
    chat_ = new widgets::ChatView;
    chat_->setObjectName("chatView");
    QStringList devices;
    for (const std::string& d : availableDevices())
        devices << QString::fromStdString(d);
    chat_->setDevices(devices);
    chat_session_ = new ChatSession(chat_, this);
    auto* tabs = qobject_cast<QTabWidget*>(centralWidget());
    if (!tabs)
        return;  // the Judge tab made the central widget a tab widget
    tabs->addTab(chat_, "Chat");
    connect(tabs, &QTabWidget::currentChanged, this, [this, tabs](int index) {
        if (tabs->widget(index) == chat_)
            chat_->setRuns(finishedRuns());
    });
    connect(this, &MainWindow::runEnded, this, [this] { chat_->setRuns(finishedRuns()); });
}

}  // namespace rgpb::app
