#include "widgets/ChatView.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDir>
#include <QDoubleSpinBox>
#include <QFormLayout>
#include <QGridLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QRandomGenerator>
#include <QScrollBar>
#include <QShortcut>
#include <QSpinBox>
#include <QSplitter>
#include <QTextBrowser>
#include <QVBoxLayout>

namespace rgpb::widgets {

namespace {

const char* const kVoteLabels[] = {"Left is better", "Right is better", "Tie", "Both bad"};

// The text as the model wrote it: HTML-escaped, line breaks kept, and runs of spaces too
// (indented code and aligned lists must not collapse).
QString escapedParagraphs(const QString& text) {
    return "<span style='white-space:pre-wrap'>" + text.toHtmlEscaped().replace('\n', "<br>") +
           "</span>";
}

}  // namespace

ChatView::ChatView(QWidget* parent) : QWidget(parent) {
    auto* layout = new QVBoxLayout(this);
    auto* top = new QHBoxLayout;
    top->addWidget(buildPicker(0), 1, Qt::AlignTop);
    top->addWidget(buildPicker(1), 1, Qt::AlignTop);
    top->addWidget(buildSettings(), 0, Qt::AlignTop);
    layout->addLayout(top);
    layout->addWidget(buildTranscripts(), 1);
    layout->addWidget(buildInput());
    status_ = new QLabel;
    status_->setObjectName("chatStatus");
    status_->setWordWrap(true);
    layout->addWidget(status_);
    updateMode();
}

QGroupBox* ChatView::buildPicker(int side) {
    auto* box = new QGroupBox(side == 0 ? "Model 1" : "Model 2");
    auto* form = new QFormLayout(box);
    run_[side] = new QComboBox;
    run_[side]->setObjectName(QString("chatRun%1").arg(side + 1));
    run_[side]->setMinimumContentsLength(24);
    run_[side]->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
    ckpt_[side] = new QComboBox;
    ckpt_[side]->setObjectName(QString("chatCheckpoint%1").arg(side + 1));
    ckpt_[side]->setToolTip("final: the run's newest checkpoint; step-N: an earlier one it kept");
    form->addRow("run", run_[side]);
    form->addRow("checkpoint", ckpt_[side]);
    connect(run_[side], &QComboBox::currentIndexChanged, this, [this, side] {
        refreshCheckpoints(side);
        Q_EMIT selectionChanged();
    });
    connect(ckpt_[side], &QComboBox::currentIndexChanged, this,
            [this] { Q_EMIT selectionChanged(); });
    picker_box_[side] = box;
    return box;
}

QWidget* ChatView::buildSettings() {
    auto* box = new QGroupBox("Generation");
    auto* form = new QGridLayout(box);
    side_by_side_ = new QCheckBox("two runs side by side");
    blinded_ = new QCheckBox("blinded (hide names, vote)");
    max_new_ = new QSpinBox;
    max_new_->setRange(1, 4096);
    max_new_->setValue(128);
    temperature_ = new QDoubleSpinBox;
    temperature_->setRange(0, 5);
    temperature_->setSingleStep(0.1);
    temperature_->setDecimals(2);
    temperature_->setValue(0.7);
    temperature_->setToolTip("0 = greedy (the most likely token every step)");
    top_k_ = new QSpinBox;
    top_k_->setRange(0, 100000);
    top_k_->setSpecialValueText("off");
    top_p_ = new QDoubleSpinBox;
    top_p_->setRange(0.01, 1.0);
    top_p_->setSingleStep(0.05);
    top_p_->setValue(0.95);
    seed_ = new QSpinBox;
    seed_->setRange(0, 1000000);
    seed_->setValue(1);
    stop_at_eos_ = new QCheckBox("stop at end of sequence");
    stop_at_eos_->setChecked(true);
    template_ = new QComboBox;
    template_->addItem("the run's own", QString());
    template_->addItem("hh-rlhf (Human: / Assistant:)", QString("hh-rlhf"));
    template_->addItem("plain (last message only)", QString("plain"));
    template_->setToolTip(
        "How the conversation becomes the prompt. The run's own: hh-rlhf for runs trained on "
        "HH-RLHF, plain for single prompts (the synthetic task).");
    device_ = new QComboBox;
    device_->setObjectName("chatDevice");
    device_->addItem("cpu");
    // Two settings per row, so the box is no taller than the run pickers need to be.
    auto add = [form](int row, int column, const QString& label, QWidget* w) {
        form->addWidget(new QLabel(label), row, column * 2);
        form->addWidget(w, row, column * 2 + 1);
    };
    form->addWidget(side_by_side_, 0, 0, 1, 2);
    form->addWidget(blinded_, 0, 2, 1, 2);
    add(1, 0, "max new tokens", max_new_);
    add(1, 1, "temperature", temperature_);
    add(2, 0, "top-k", top_k_);
    add(2, 1, "top-p", top_p_);
    add(3, 0, "seed", seed_);
    add(3, 1, "device", device_);
    add(4, 0, "chat template", template_);
    form->addWidget(stop_at_eos_, 4, 2, 1, 2);
    connect(device_, &QComboBox::currentIndexChanged, this, [this] { Q_EMIT selectionChanged(); });
    connect(side_by_side_, &QCheckBox::toggled, this, [this] {
        clearConversation();
        updateMode();
        Q_EMIT selectionChanged();
    });
    connect(blinded_, &QCheckBox::toggled, this, [this] {
        clearConversation();
        updateMode();
    });
    connect(template_, &QComboBox::currentIndexChanged, this,
            [this] { Q_EMIT selectionChanged(); });
    return box;
}

QWidget* ChatView::buildTranscripts() {
    auto* split = new QSplitter(Qt::Horizontal);
    for (int side = 0; side < 2; ++side) {
        auto* box = new QGroupBox;
        auto* v = new QVBoxLayout(box);
        transcript_[side] = new QTextBrowser;
        transcript_[side]->setObjectName(QString("chatTranscript%1").arg(side + 1));
        transcript_[side]->setOpenLinks(false);
        v->addWidget(transcript_[side]);
        transcript_box_[side] = box;
        split->addWidget(box);
    }
    return split;
}

QWidget* ChatView::buildInput() {
    auto* w = new QWidget;
    auto* v = new QVBoxLayout(w);
    v->setContentsMargins(0, 0, 0, 0);
    vote_row_ = new QWidget;
    auto* votes = new QHBoxLayout(vote_row_);
    votes->setContentsMargins(0, 0, 0, 0);
    votes->addWidget(new QLabel("Which answer is better?"));
    for (int i = 0; i < 4; ++i) {
        votes_[i] = new QPushButton(kVoteLabels[i]);
        votes_[i]->setObjectName(QString("chatVote%1").arg(i));
        connect(votes_[i], &QPushButton::clicked, this,
                [this, i] { vote(static_cast<ChatVote>(i)); });
        votes->addWidget(votes_[i]);
    }
    votes->addStretch();
    v->addWidget(vote_row_);
    auto* row = new QHBoxLayout;
    input_ = new QPlainTextEdit;
    input_->setObjectName("chatInput");
    input_->setPlaceholderText("Type a message; Ctrl+Return sends it");
    input_->setMaximumHeight(90);
    auto* buttons = new QVBoxLayout;
    send_ = new QPushButton("Send");
    send_->setObjectName("chatSend");
    stop_ = new QPushButton("Stop");
    stop_->setObjectName("chatStop");
    stop_->setToolTip("End the answers here (what was written so far is kept)");
    clear_ = new QPushButton("New conversation");
    buttons->addWidget(send_);
    buttons->addWidget(stop_);
    buttons->addWidget(clear_);
    row->addWidget(input_, 1);
    row->addLayout(buttons);
    v->addLayout(row);
    connect(send_, &QPushButton::clicked, this, [this] { send(input_->toPlainText()); });
    connect(stop_, &QPushButton::clicked, this, &ChatView::stopRequested);
    connect(clear_, &QPushButton::clicked, this, [this] {
        if (busy())
            Q_EMIT stopRequested();
        clearConversation();
    });
    auto* shortcut = new QShortcut(QKeySequence("Ctrl+Return"), input_);
    shortcut->setContext(Qt::WidgetShortcut);
    connect(shortcut, &QShortcut::activated, this, [this] { send(input_->toPlainText()); });
    return w;
}

void ChatView::setRuns(const QVector<RunChoice>& runs) {
    for (int p = 0; p < 2; ++p) {
        const QString keep = run_[p]->currentData().toString();
        QSignalBlocker block(run_[p]);
        run_[p]->clear();
        for (const RunChoice& r : runs)
            run_[p]->addItem(r.label, r.dir);
        int at = run_[p]->findData(keep);
        if (at < 0)
            at = std::min<int>(p, run_[p]->count() - 1);  // two different runs by default
        run_[p]->setCurrentIndex(at);
        refreshCheckpoints(p);
    }
    updateButtons();
    if (runs.isEmpty())
        showStatus("No finished run yet: train one on the Train tab, then chat with it here.");
}

void ChatView::refreshCheckpoints(int p) {
    const QString keep = ckpt_[p]->currentText();
    QSignalBlocker block(ckpt_[p]);
    ckpt_[p]->clear();
    ckpt_[p]->addItem("final");
    const QString dir = run_[p]->currentData().toString();
    if (!dir.isEmpty()) {
        QStringList steps = QDir(QDir(dir).filePath("checkpoints"))
                                .entryList({"step-*"}, QDir::Dirs | QDir::NoDotAndDotDot);
        std::sort(steps.begin(), steps.end(), [](const QString& a, const QString& b) {
            return a.mid(5).toLongLong() > b.mid(5).toLongLong();
        });
        for (const QString& s : steps)
            ckpt_[p]->addItem(QString("step-%1").arg(s.mid(5).toLongLong()));
    }
    const int at = ckpt_[p]->findText(keep);
    ckpt_[p]->setCurrentIndex(at < 0 ? 0 : at);
}

void ChatView::setSideBySide(bool on) {
    side_by_side_->setChecked(on);
}
bool ChatView::sideBySide() const {
    return side_by_side_->isChecked();
}
void ChatView::setBlinded(bool on) {
    blinded_->setChecked(on);
}
bool ChatView::blinded() const {
    return sideBySide() && blinded_->isChecked();
}

bool ChatView::selectRun(int side, const QString& dir) {
    const int at = run_[side]->findData(dir);
    if (at >= 0)
        run_[side]->setCurrentIndex(at);
    return at >= 0;
}

int ChatView::picker(int side) const {
    return blinded() && swapped_ ? 1 - side : side;
}

QString ChatView::runDir(int side) const {
    return run_[picker(side)]->currentData().toString();
}
QString ChatView::checkpoint(int side) const {
    return ckpt_[picker(side)]->currentText();
}

GenerationSettings ChatView::settings() const {
    GenerationSettings s;
    s.max_new_tokens = max_new_->value();
    s.temperature = temperature_->value();
    s.top_k = top_k_->value();
    s.top_p = top_p_->value();
    s.seed = static_cast<uint64_t>(seed_->value());
    s.stop_at_eos = stop_at_eos_->isChecked();
    s.batch_size = 1;
    return s;
}

QString ChatView::templateOverride() const {
    return template_->currentData().toString();
}

void ChatView::setDevices(const QStringList& devices) {
    const QString keep = device();
    QSignalBlocker block(device_);
    device_->clear();
    device_->addItems(devices.isEmpty() ? QStringList{"cpu"} : devices);
    const int at = device_->findText(keep);
    device_->setCurrentIndex(at < 0 ? 0 : at);
}

QString ChatView::device() const {
    return device_->currentText();
}

std::vector<ChatMessage> ChatView::conversation(int side) const {
    return sides_[side].messages;
}

bool ChatView::send(const QString& typed) {
    const QString text = typed.trimmed();
    QString problem;
    if (busy())
        problem = "An answer is still being written: wait for it or press Stop.";
    else if (text.isEmpty())
        problem = "Type a message first.";
    else if (runDir(0).isEmpty())
        problem = "Pick a finished run to chat with.";
    else if (sideBySide() && runDir(0) == runDir(1) && checkpoint(0) == checkpoint(1))
        problem = "Both sides are the same run and checkpoint: pick two different ones.";
    else if (blinded() && last_ && !voted_)
        problem = "Vote on the last answers first (blinded mode records every exchange).";
    if (!problem.isEmpty()) {
        showStatus(problem, true);
        return false;
    }
    for (int side = 0; side < sides(); ++side) {
        sides_[side].messages.push_back({"user", text.toStdString()});
        sides_[side].failure.clear();
        render(side);
    }
    last_.reset();
    voted_ = false;
    input_->clear();
    showStatus("Generating...");
    Q_EMIT sendRequested();
    return true;
}

void ChatView::setTemplateName(int side, const QString& name) {
    transcript_box_[side]->setToolTip("chat template: " + name);
    transcript_box_[side]->setTitle(sideTitle(side) + "  ·  template " + name);
}

void ChatView::beginReply(int side) {
    sides_[side].answering = true;
    sides_[side].streaming.clear();
    render(side);
    updateButtons();
}

void ChatView::streamReply(int side, const QString& text, qint64 tokens, double tokens_per_s) {
    sides_[side].streaming = text;
    render(side);
    showStatus(QString("%1: %2 tokens, %3 tokens/s")
                   .arg(sideTitle(side))
                   .arg(tokens)
                   .arg(tokens_per_s, 0, 'f', 1));
}

void ChatView::endReply(int side, const QString& text, const QString& stats, qint64 tokens) {
    Side& s = sides_[side];
    s.answering = false;
    s.streaming.clear();
    s.messages.push_back({"assistant", text.toStdString()});
    s.last_tokens = tokens;
    render(side);
    showStatus(sideTitle(side) + ": " + stats);
    if (!busy() && sideBySide()) {
        ChatExchange e;
        for (int i = 0; i < 2; ++i) {
            const auto& m = sides_[i].messages;
            e.responses[i] = m.empty() ? QString() : QString::fromStdString(m.back().content);
            e.runs[i] = runDir(i);
            e.checkpoints[i] = checkpoint(i);
            e.tokens[i] = sides_[i].last_tokens;
        }
        const auto& m0 = sides_[0].messages;
        e.prompt = m0.size() >= 2 ? QString::fromStdString(m0[m0.size() - 2].content) : QString();
        last_ = e;
        if (blinded())
            showStatus("Both answers are in: which is better?");
    }
    updateButtons();
}

void ChatView::failReply(int side, const QString& reason) {
    Side& s = sides_[side];
    s.answering = false;
    s.streaming.clear();
    s.failure = reason;
    if (!s.messages.empty() && s.messages.back().role == "user")
        s.messages.pop_back();  // unanswered: not part of the conversation
    render(side);
    showStatus(sideTitle(side) + ": no answer: " + reason, true);
    updateButtons();
}

bool ChatView::busy() const {
    return sides_[0].answering || sides_[1].answering;
}

void ChatView::clearConversation() {
    for (int side = 0; side < 2; ++side) {
        sides_[side] = Side{};
        render(side);
    }
    last_.reset();
    voted_ = false;
    // A new blinded conversation draws which run sits on the left.
    QRandomGenerator draw(draw_seed_ == 0 ? QRandomGenerator::global()->generate64()
                                          : draw_seed_ + draws_);
    ++draws_;
    swapped_ = draw.bounded(2) == 1;
    updateMode();
    Q_EMIT clearRequested();
}

bool ChatView::vote(ChatVote choice) {
    if (!blinded() || !last_ || voted_ || busy())
        return false;
    const QString refused =
        vote_sink_ ? vote_sink_(choice, *last_) : QString("votes are not recorded in this view");
    if (!refused.isEmpty()) {
        showStatus("Vote not recorded: " + refused, true);
        return false;
    }
    voted_ = true;
    const QString left = run_[picker(0)]->currentText(), right = run_[picker(1)]->currentText();
    showStatus(QString("Voted \"%1\". Left was %2, right was %3.")
                   .arg(kVoteLabels[static_cast<int>(choice)], left, right));
    for (int side = 0; side < 2; ++side)
        transcript_box_[side]->setTitle(sideTitle(side) + "  =  " +
                                        run_[picker(side)]->currentText());
    updateButtons();
    return true;
}

QString ChatView::sideTitle(int side) const {
    if (!sideBySide())
        return run_[0]->currentText();
    if (blinded())
        return side == 0 ? "Left" : "Right";
    return run_[side]->currentText();
}

void ChatView::render(int side) {
    const Side& s = sides_[side];
    QString html;
    for (const ChatMessage& m : s.messages) {
        const bool user = m.role == "user";
        html += QString("<p style='margin:6px 0'><b style='color:%1'>%2</b><br>%3</p>")
                    .arg(user ? "#1f5fa8" : "#2e7d32", user ? "You" : "Model",
                         escapedParagraphs(QString::fromStdString(m.content)));
    }
    if (s.answering)
        html += QString(
                    "<p style='margin:6px 0'><b style='color:#2e7d32'>Model</b><br>%1"
                    "<span style='color:#888'>&#9612;</span></p>")
                    .arg(escapedParagraphs(s.streaming));
    if (!s.failure.isEmpty())
        html +=
            QString("<p style='color:#b00020'>No answer: %1</p>").arg(s.failure.toHtmlEscaped());
    transcript_[side]->setHtml(html);
    auto* bar = transcript_[side]->verticalScrollBar();
    bar->setValue(bar->maximum());
}

QString ChatView::transcriptText(int side) const {
    return transcript_[side]->toPlainText();
}

QString ChatView::statusText() const {
    return status_->text();
}

void ChatView::updateMode() {
    const bool two = sideBySide();
    picker_box_[0]->setTitle(two ? "Model 1" : "Model");
    picker_box_[1]->setVisible(two);
    transcript_box_[1]->setVisible(two);
    blinded_->setEnabled(two);
    vote_row_->setVisible(blinded());
    for (int side = 0; side < 2; ++side)
        transcript_box_[side]->setTitle(sideTitle(side));
    updateButtons();
}

void ChatView::updateButtons() {
    send_->setEnabled(!busy() && run_[0]->count() > 0);
    stop_->setEnabled(busy());
    const bool can_vote = blinded() && last_ && !voted_ && !busy();
    for (QPushButton* b : votes_)
        b->setEnabled(can_vote);
}

void ChatView::showStatus(const QString& text, bool error) {
    status_->setText(text);
    status_->setStyleSheet(error ? "color: #b00020" : QString());
}

}  // namespace rgpb::widgets
