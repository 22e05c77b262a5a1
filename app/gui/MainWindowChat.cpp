// MainWindow's Chat tab: the finished runs offered to the ChatView (refreshed whenever the tab
// is shown and when a run finishes), the ChatSession that answers, and the blinded votes, which
// go into the Judge tab's judgments database under the judge name set there.
#include <QDir>
#include <QFileInfo>
#include <QTabWidget>

#include <nlohmann/json.hpp>

#include "app/gui/ChatSession.h"
#include "app/gui/MainWindow.h"
#include "core/util/Devices.h"
#include "widgets/ChatView.h"
#include "widgets/JudgingView.h"

namespace rgpb::app {

namespace {

const judging::SideChoice kSideChoice[] = {judging::SideChoice::Left, judging::SideChoice::Right,
                                           judging::SideChoice::Tie, judging::SideChoice::BothBad};

// The store's record of a blinded exchange: model_a is the run picked as "Model 1", shown on
// the left unless the conversation's draw swapped the sides.
judging::ChatVote chatVote(widgets::ChatVote choice, const widgets::ChatExchange& e,
                           bool model_a_left, const GenerationSettings& g) {
    judging::ChatVote v;
    const int a = model_a_left ? 0 : 1;  // model_a's screen side
    for (int m = 0; m < 2; ++m) {
        const int side = m == 0 ? a : 1 - a;
        v.models[m].name = QFileInfo(e.runs[side]).fileName().toStdString();
        v.models[m].run = QDir(e.runs[side]).absolutePath().toStdString();
        v.models[m].checkpoint = e.checkpoints[side].toStdString();
        v.responses[m] = e.responses[side].toStdString();
        v.new_tokens[m] = e.tokens[side];
    }
    v.prompt = e.prompt.toStdString();
    v.model_a_left = model_a_left;
    v.choice = kSideChoice[static_cast<int>(choice)];
    v.generation_json = nlohmann::json{
        {"max_new_tokens", g.max_new_tokens},
        {"temperature", g.temperature},
        {"top_k", g.top_k},
        {"top_p", g.top_p},
        {"seed", g.seed}}.dump();
    return v;
}

}  // namespace

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
    chat_->setVoteSink([this](widgets::ChatVote choice, const widgets::ChatExchange& e) {
        return judging_->recordChatVote(chatVote(choice, e, !chat_->swapped(), chat_->settings()));
    });
}

}  // namespace rgpb::app
