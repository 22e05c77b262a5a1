// The Chat tab: talk to a trained run, or send one prompt to two runs and read their answers
// side by side. Pick the run (and checkpoint: the newest, or any step the run kept), the
// generation settings and the chat template (the run's own, or hh-rlhf / plain); type a message
// and the answer streams in. Two runs can be named, or blinded: the sides are drawn per
// conversation, the names stay hidden ("Model 1", "Model 2"), and after each exchange a vote
// (left, right, tie, both bad) goes into the judgments database, after which the names are
// shown. Each side keeps its own conversation (its own earlier answers).
//
// The view only shows and asks: the application (app/gui/ChatSession) generates on a worker
// and streams the text in through beginReply / streamReply / endReply. Torch-free.
#pragma once

#include <QString>
#include <QVector>
#include <QWidget>
#include <array>
#include <functional>
#include <optional>

#include "core/generate/ChatTemplate.h"
#include "core/generate/Generation.h"
#include "widgets/ComparisonDialog.h"  // RunChoice

class QCheckBox;
class QComboBox;
class QDoubleSpinBox;
class QGroupBox;
class QLabel;
class QPlainTextEdit;
class QPushButton;
class QSpinBox;
class QTextBrowser;

namespace rgpb::widgets {

// One side's exchange after it ended (the vote and the database need the words, not the HTML).
struct ChatExchange {
    QString prompt;        // the user's message
    QString responses[2];  // left, right (screen sides)
    QString runs[2];       // left, right run folders
    QString checkpoints[2];
    qint64 tokens[2] = {0, 0};  // new tokens of each answer
};

// A blinded vote in screen terms: 0 left better, 1 right better, 2 tie, 3 both bad.
enum class ChatVote { Left, Right, Tie, BothBad };

class ChatView : public QWidget {
    Q_OBJECT

public:
    explicit ChatView(QWidget* parent = nullptr);

    // The runs offered (finished runs). Keeps the current picks when they are still listed.
    void setRuns(const QVector<RunChoice>& runs);
    // Two runs side by side (else one); blinded hides the names and asks for a vote.
    void setSideBySide(bool on);
    bool sideBySide() const;
    void setBlinded(bool on);
    bool blinded() const;
    // Selects a run (by folder) on a screen side; false when it is not listed.
    bool selectRun(int side, const QString& dir);
    // The run and checkpoint ("final" or "step-N") shown on a screen side (0 left, 1 right).
    QString runDir(int side) const;
    QString checkpoint(int side) const;
    GenerationSettings settings() const;
    // Empty: each run's own template; else "hh-rlhf" or "plain".
    QString templateOverride() const;
    // The devices offered ("cpu", "cuda:0", ...) and the one picked.
    void setDevices(const QStringList& devices);
    QString device() const;
    // A side's conversation so far, ending with the message being answered while a reply runs.
    std::vector<ChatMessage> conversation(int side) const;
    int sides() const { return sideBySide() ? 2 : 1; }

    // Sends the typed message (what the Send button and Ctrl+Return do): adds it to each side's
    // conversation and emits sendRequested(). False, with the reason shown, when there is
    // nothing to send, no run is picked, the two sides are the same model, or a reply runs.
    bool send(const QString& text);
    // From the application, per screen side, on the GUI thread:
    void setTemplateName(int side, const QString& name);  // shown under the run's name
    void beginReply(int side);
    void streamReply(int side, const QString& text, qint64 tokens, double tokens_per_s);
    void endReply(int side, const QString& text, const QString& stats, qint64 tokens = 0);
    void failReply(int side, const QString& reason);
    // True while any side is still answering.
    bool busy() const;
    // Starts a new conversation (and, when blinded, a new draw of the sides).
    void clearConversation();
    // Where a blinded vote goes (the application: the judgments database). Returns an empty
    // string when it was recorded, else why not (shown; the vote can be given again).
    using VoteSink = std::function<QString(ChatVote choice, const ChatExchange& exchange)>;
    void setVoteSink(VoteSink sink) { vote_sink_ = std::move(sink); }
    // Hands the vote on the last exchange to the sink (blinded mode only; false when there is
    // nothing to vote on, it was voted already, or the sink refused) and reveals the names.
    bool vote(ChatVote choice);

    // Read-outs and parts, for tests and the application.
    QString transcriptText(int side) const;
    QString statusText() const;
    QPushButton* sendButton() const { return send_; }
    QPushButton* stopButton() const { return stop_; }
    QPlainTextEdit* input() const { return input_; }
    QComboBox* runBox(int side) const { return run_[side]; }
    QComboBox* checkpointBox(int side) const { return ckpt_[side]; }
    QSpinBox* maxTokens() const { return max_new_; }
    QDoubleSpinBox* temperature() const { return temperature_; }
    QCheckBox* stopAtEos() const { return stop_at_eos_; }
    std::optional<ChatExchange> lastExchange() const { return last_; }
    bool voted() const { return voted_; }
    // The blinded draw: true when run picker 0 (model 1) is on the right this conversation.
    bool swapped() const { return swapped_; }
    // The seed of the blinded side draws (tests make it reproducible).
    void setDrawSeed(quint64 seed) { draw_seed_ = seed; }

Q_SIGNALS:
    void sendRequested();
    void stopRequested();
    void selectionChanged();  // a run, checkpoint, mode or template changed
    void clearRequested();

private:
    struct Side {
        std::vector<ChatMessage> messages;  // finished turns
        qint64 last_tokens = 0;             // new tokens of the last answer
        QString streaming;                  // the reply being written
        bool answering = false;
        QString failure;
    };
    QGroupBox* buildPicker(int side);
    QWidget* buildSettings();
    QWidget* buildTranscripts();
    QWidget* buildInput();
    void render(int side);
    void refreshCheckpoints(int side);
    void updateMode();
    void updateButtons();
    void showStatus(const QString& text, bool error = false);
    int picker(int side) const;  // the run picker shown on screen side `side`
    QString sideTitle(int side) const;

    std::array<Side, 2> sides_;  // screen sides
    std::array<QComboBox*, 2> run_{}, ckpt_{};
    std::array<QGroupBox*, 2> picker_box_{}, transcript_box_{};
    std::array<QTextBrowser*, 2> transcript_{};
    QCheckBox *side_by_side_, *blinded_, *stop_at_eos_;
    QComboBox *template_, *device_;
    QSpinBox *max_new_, *top_k_, *seed_;
    QDoubleSpinBox *temperature_, *top_p_;
    QPlainTextEdit* input_;
    QPushButton *send_, *stop_, *clear_;
    std::array<QPushButton*, 4> votes_{};
    QWidget* vote_row_;
    QLabel* status_;
    std::optional<ChatExchange> last_;
    VoteSink vote_sink_;
    bool voted_ = false;
    bool swapped_ = false;
    quint64 draw_seed_ = 0;
    quint64 draws_ = 0;
};

}  // namespace rgpb::widgets
