// The Chat tab's engine: answers the ChatView's messages with the picked runs, in-process, on
// WorkerJobs (one per screen side, so two runs answer at the same time), streaming each answer
// into the view as it is written and keeping the GUI responsive. A run is loaded on its first
// message and kept while it stays picked. Stop ends the answers where they are (the text so
// far is kept); a run that cannot be loaded or answer shows why on its side.
//
// The conversation becomes the prompt through the run's chat template
// (core/generate/ChatTemplate.h, or the view's override), the answer is cut at the template's
// stop string, and the text streams only up to where a stop string could still begin.
#pragma once

#include <QElapsedTimer>
#include <QHash>
#include <QObject>
#include <array>
#include <memory>

namespace rgpb::widgets {
class ChatView;
}

namespace rgpb::app {

class WorkerJob;
struct ChatModelSlot;  // ChatSession.cpp: a loaded run, shared with the worker using it

class ChatSession : public QObject {
    Q_OBJECT

public:
    explicit ChatSession(widgets::ChatView* view, QObject* parent = nullptr);
    ~ChatSession() override;

    bool isRunning() const;
    void stop();
    // Loaded runs held now (tests: a run stays loaded between messages).
    int loadedRuns() const;

Q_SIGNALS:
    void replyEnded(int side);  // after the view got the end (or the failure) of a side
    void allEnded();

private:
    void start();
    void startSide(int side);
    void dropUnpicked();
    std::shared_ptr<ChatModelSlot> slotFor(const QString& run, const QString& checkpoint,
                                           const QString& device);
    void sideEnded(int side);

    widgets::ChatView* view_;
    std::array<WorkerJob*, 2> jobs_{};
    std::array<QElapsedTimer, 2> clocks_;
    QHash<QString, std::shared_ptr<ChatModelSlot>> slots_;  // by run|checkpoint|device
};

}  // namespace rgpb::app
