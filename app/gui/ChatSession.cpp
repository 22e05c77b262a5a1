#include "app/gui/ChatSession.h"

#include <chrono>
#include <mutex>

#include "app/gui/WorkerJob.h"
#include "core/generate/ChatTemplate.h"
#include "core/generate/Comparison.h"
#include "core/generate/Generator.h"
#include "core/train/Evaluation.h"
#include "widgets/ChatView.h"

namespace rgpb::app {

// A run loaded for chatting: loaded on the worker that first needs it, then reused. Only one
// worker uses a slot at a time (a side answers one message at a time, and the two sides of a
// comparison are never the same run and checkpoint); the mutex makes that safe regardless.
struct ChatModelSlot {
    std::string run, checkpoint, device;
    std::mutex mutex;
    std::unique_ptr<LoadedRun> loaded;

    LoadedRun& get() {
        if (!loaded) {
            loaded = std::make_unique<LoadedRun>(
                loadRun(checkpointPath(run, checkpoint), torch::Device(device)));
        }
        return *loaded;
    }
};

namespace {

struct Reply {
    std::string text;
    int64_t tokens = 0;
    bool stopped_by_user = false;
    bool hit_stop = false;
    bool eos = false;
    std::string template_name;
    double seconds = 0;
};

Reply answer(ChatModelSlot& slot, const std::vector<ChatMessage>& messages,
             const GenerationSettings& settings, const std::string& template_override,
             WorkerJob::Feedback& feedback) {
    std::lock_guard<std::mutex> lock(slot.mutex);
    const auto t0 = std::chrono::steady_clock::now();
    feedback.setProgress(0, settings.max_new_tokens, {});
    LoadedRun& run = slot.get();
    const ChatTemplate chat = template_override.empty() ? chatTemplateFor(run.config.data)
                                                        : parseChatTemplate(template_override);
    const std::string prompt = chat.render(messages);
    Generator generator(run.model, run.tokenizer->specials(), torch::Device(slot.device));
    std::vector<int32_t> tokens;
    std::string text;
    Reply reply;
    reply.template_name = chat.name();
    GenerationHooks hooks;
    hooks.token = [&](int64_t, int32_t token) {
        tokens.push_back(token);
        text = run.tokenizer->decode(tokens);
        const std::string shown = chat.finish(text.substr(0, chat.safePrefix(text)));
        feedback.setProgress(static_cast<qint64>(tokens.size()), settings.max_new_tokens,
                             QString::fromStdString(shown));
    };
    hooks.stop_row = [&](int64_t) {
        if (feedback.isCancelled()) {
            reply.stopped_by_user = true;
            return true;
        }
        bool hit = false;
        chat.finish(text, &hit);
        return hit;  // the model began the next turn
    };
    const std::vector<GeneratedText> out = generator.generateText(
        *run.tokenizer, {prompt}, run.config.data.max_prompt_length, settings, hooks);
    reply.text = chat.finish(out.front().response, &reply.hit_stop);
    reply.tokens = out.front().new_tokens;
    reply.eos = out.front().stopped_at_eos;
    reply.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    return reply;
}

QString statsLine(const Reply& r) {
    const QString why = r.stopped_by_user ? "stopped by you"
                        : r.hit_stop      ? "the model began the next turn"
                        : r.eos           ? "end of sequence"
                                          : "max new tokens reached";
    return QString("%1 tokens in %2 s (%3 tokens/s), %4")
        .arg(r.tokens)
        .arg(r.seconds, 0, 'f', r.seconds < 10 ? 2 : 1)
        .arg(r.seconds > 0 ? r.tokens / r.seconds : 0.0, 0, 'f', 1)
        .arg(why);
}

}  // namespace

ChatSession::ChatSession(widgets::ChatView* view, QObject* parent) : QObject(parent), view_(view) {
    for (int side = 0; side < 2; ++side) {
        auto* job = new WorkerJob(this);
        jobs_[side] = job;
        connect(job, &WorkerJob::progress, this,
                [this, side](qint64 done, qint64, const QString& text) {
                    const double s = clocks_[side].elapsed() / 1000.0;
                    view_->streamReply(side, text, done, s > 0 ? done / s : 0.0);
                });
        connect(job, &WorkerJob::failed, this,
                [this, side](const QString& message) { view_->failReply(side, message); });
        connect(job, &WorkerJob::ended, this, [this, side] { sideEnded(side); });
    }
    connect(view_, &widgets::ChatView::sendRequested, this, &ChatSession::start);
    connect(view_, &widgets::ChatView::stopRequested, this, &ChatSession::stop);
    connect(view_, &widgets::ChatView::selectionChanged, this, &ChatSession::dropUnpicked);
}

ChatSession::~ChatSession() = default;

bool ChatSession::isRunning() const {
    return jobs_[0]->isRunning() || jobs_[1]->isRunning();
}

void ChatSession::stop() {
    for (WorkerJob* job : jobs_)
        job->cancel();
}

int ChatSession::loadedRuns() const {
    int n = 0;
    for (const auto& slot : slots_) {
        std::unique_lock<std::mutex> lock(slot->mutex, std::try_to_lock);
        n += lock.owns_lock() && slot->loaded ? 1 : 0;
    }
    return n;
}

std::shared_ptr<ChatModelSlot> ChatSession::slotFor(const QString& run, const QString& checkpoint,
                                                    const QString& device) {
    const QString key = run + '|' + checkpoint + '|' + device;
    auto& slot = slots_[key];
    if (!slot) {
        slot = std::make_shared<ChatModelSlot>();
        slot->run = run.toStdString();
        slot->checkpoint = checkpoint.toStdString();
        slot->device = device.toStdString();
    }
    return slot;
}

// A run no side shows any more is let go (a worker still using it keeps its copy alive).
void ChatSession::dropUnpicked() {
    QStringList keep;
    for (int side = 0; side < view_->sides(); ++side)
        keep << view_->runDir(side) + '|' + view_->checkpoint(side) + '|' + view_->device();
    for (auto it = slots_.begin(); it != slots_.end();) {
        if (keep.contains(it.key()))
            ++it;
        else
            it = slots_.erase(it);
    }
}

void ChatSession::start() {
    for (int side = 0; side < view_->sides(); ++side)
        startSide(side);
}

void ChatSession::startSide(int side) {
    auto slot = slotFor(view_->runDir(side), view_->checkpoint(side), view_->device());
    const std::vector<ChatMessage> messages = view_->conversation(side);
    const GenerationSettings settings = view_->settings();
    const std::string override_name = view_->templateOverride().toStdString();
    view_->beginReply(side);
    clocks_[side].start();
    jobs_[side]->start([this, side, slot, messages, settings,
                        override_name](WorkerJob::Feedback& feedback) -> WorkerJob::Completion {
        const Reply r = answer(*slot, messages, settings, override_name, feedback);
        return [this, side, r] {
            view_->setTemplateName(side, QString::fromStdString(r.template_name));
            view_->endReply(side, QString::fromStdString(r.text), statsLine(r), r.tokens);
        };
    });
}

void ChatSession::sideEnded(int side) {
    Q_EMIT replyEnded(side);
    if (!isRunning())
        Q_EMIT allEnded();
}

}  // namespace rgpb::app
