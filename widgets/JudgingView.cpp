#include "widgets/JudgingView.h"

#include <QComboBox>
#include <QFileDialog>
#include <QFileInfo>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QKeySequence>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QSettings>
#include <QShortcut>
#include <QSpinBox>
#include <QSplitter>
#include <QVBoxLayout>
#include <exception>

#include "widgets/JudgingResults.h"

namespace rgpb::widgets {

namespace {

QPlainTextEdit* readOnlyText(const QString& object_name) {
    auto* t = new QPlainTextEdit;
    t->setObjectName(object_name);
    t->setReadOnly(true);
    // Not focusable: the arrow keys and digits stay with the judging shortcuts.
    t->setFocusPolicy(Qt::NoFocus);
    t->setLineWrapMode(QPlainTextEdit::WidgetWidth);
    return t;
}

// Vote buttons never take the focus: the digit and arrow keys must reach the view's shortcuts.
QPushButton* voteButton(const QString& text, const QString& name, const QString& tip) {
    auto* b = new QPushButton(text);
    b->setObjectName(name);
    b->setToolTip(tip);
    b->setFocusPolicy(Qt::NoFocus);
    return b;
}

QString choiceText(judging::SideChoice c) {
    switch (c) {
        case judging::SideChoice::Left:
            return "A better";
        case judging::SideChoice::Right:
            return "B better";
        case judging::SideChoice::Tie:
            return "tie";
        case judging::SideChoice::BothBad:
            return "both bad";
        case judging::SideChoice::Skip:
            return "skip";
    }
    return {};
}

}  // namespace

JudgingView::JudgingView(const QString& default_db, QWidget* parent)
    : QWidget(parent), db_path_(default_db) {
    setFocusPolicy(Qt::StrongFocus);

    QHBoxLayout* top = buildSetRow();
    QHBoxLayout* second = buildJudgeRow();
    QHBoxLayout* sides = buildSides();
    QHBoxLayout* buttons = buildVoteButtons();
    QWidget* judging = buildItemPane(sides, buttons);
    results_ = new JudgingResults;
    connect(results_, &JudgingResults::scopeChanged, this, [this] { refreshResults(); });
    auto* split = new QSplitter(Qt::Vertical);
    split->addWidget(judging);
    split->addWidget(results_);
    split->setStretchFactor(0, 3);
    split->setStretchFactor(1, 2);

    auto* layout = new QVBoxLayout(this);
    layout->addLayout(top);
    layout->addLayout(second);
    layout->addWidget(error_);
    layout->addWidget(split, 1);

    connectSignals();
    addShortcuts();

    if (QFileInfo::exists(db_path_))
        openDatabase(db_path_);
    else
        db_label_->setText(QString("database: %1 (created on the first import)").arg(db_path_));
    loadNext();
}

QHBoxLayout* JudgingView::buildSetRow() {
    db_label_ = new QLabel;
    db_label_->setObjectName("database");
    db_label_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    auto* open_db = new QPushButton("Open database…");
    open_db->setObjectName("openDatabase");
    open_db->setToolTip("Open an existing judgments database (.sqlite)");
    auto* new_db = new QPushButton("New database…");
    new_db->setObjectName("newDatabase");
    new_db->setToolTip("Create a judgments database (.sqlite) and switch to it");
    sets_ = new QComboBox;
    sets_->setObjectName("sets");
    sets_->setMinimumContentsLength(24);
    sets_->setToolTip("The comparison set being judged");
    auto* generate = new QPushButton("New comparison…");
    generate->setObjectName("newComparison");
    generate->setToolTip("Generate two runs' responses to the same prompts, then judge them");
    generate->setFocusPolicy(Qt::NoFocus);
    connect(generate, &QPushButton::clicked, this, &JudgingView::newComparisonRequested);
    auto* import = new QPushButton("Import comparison…");
    import->setObjectName("import");
    import->setToolTip(
        "Import a comparison set directory written by `rgpb compare` "
        "(comparison.json + items.jsonl)");
    repeat_percent_ = new QSpinBox;
    repeat_percent_->setRange(0, 100);
    repeat_percent_->setValue(10);
    repeat_percent_->setSuffix(" % repeated");
    repeat_percent_->setToolTip(
        "Share of items shown a second time, sides swapped, at the end "
        "(measures each judge's position consistency)");
    seed_ = new QSpinBox;
    seed_->setRange(0, 1000000);
    seed_->setValue(1);
    seed_->setPrefix("seed ");
    seed_->setToolTip("Seed of the per-item side draw (stored with the set at import)");
    for (QPushButton* w : {open_db, new_db, import})
        w->setFocusPolicy(Qt::NoFocus);
    connect(open_db, &QPushButton::clicked, this, &JudgingView::chooseDatabase);
    connect(new_db, &QPushButton::clicked, this, &JudgingView::chooseNewDatabase);
    connect(import, &QPushButton::clicked, this, &JudgingView::chooseAndImport);
    auto* top = new QHBoxLayout;
    top->addWidget(new QLabel("Set:"));
    top->addWidget(sets_, 1);
    top->addWidget(generate);
    top->addWidget(import);
    top->addWidget(repeat_percent_);
    top->addWidget(seed_);
    top->addWidget(open_db);
    top->addWidget(new_db);
    return top;
}

QHBoxLayout* JudgingView::buildJudgeRow() {
    judge_ = new QLineEdit(QSettings().value("judging/judge").toString());
    judge_->setObjectName("judge");
    judge_->setPlaceholderText("your name");
    judge_->setToolTip("Judge name stored with every vote (remembered); press Enter to start");
    judge_->setMaximumWidth(200);
    progress_text_ = new QLabel("0 / 0");
    progress_text_->setObjectName("progressText");
    progress_text_->setMinimumWidth(
        progress_text_->fontMetrics().horizontalAdvance("00000 / 00000"));
    progress_text_->setAlignment(Qt::AlignRight | Qt::AlignVCenter);
    progress_ = new QProgressBar;
    progress_->setObjectName("progress");
    progress_->setTextVisible(false);
    auto* model_judge = new QPushButton("Model judge…");
    model_judge->setObjectName("modelJudge");
    model_judge->setToolTip(
        "Let a chat model behind an OpenAI-compatible endpoint judge this set in both orders, "
        "beside the human judges (its votes: judge model:<name>)");
    model_judge->setFocusPolicy(Qt::NoFocus);
    connect(model_judge, &QPushButton::clicked, this, [this] {
        if (!set_id_)
            showError("Import or generate a comparison set first: the model judge judges a set.");
        else
            Q_EMIT modelJudgeRequested();
    });
    auto* second = new QHBoxLayout;
    second->addWidget(new QLabel("Judge:"));
    second->addWidget(judge_);
    second->addSpacing(16);
    second->addWidget(progress_text_);
    second->addWidget(progress_, 1);
    second->addWidget(model_judge);
    second->addWidget(db_label_);
    return second;
}

QHBoxLayout* JudgingView::buildSides() {
    prompt_ = readOnlyText("prompt");
    prompt_->setMaximumHeight(120);
    response_a_ = readOnlyText("responseA");
    response_b_ = readOnlyText("responseB");
    const QString side_style = "QGroupBox { font-weight: bold; font-size: 14pt; }";
    box_a_ = new QGroupBox("A");
    box_a_->setStyleSheet(side_style);
    box_a_->setObjectName("boxA");
    (new QVBoxLayout(box_a_))->addWidget(response_a_);
    box_b_ = new QGroupBox("B");
    box_b_->setStyleSheet(side_style);
    box_b_->setObjectName("boxB");
    (new QVBoxLayout(box_b_))->addWidget(response_b_);
    auto* sides = new QHBoxLayout;
    sides->addWidget(box_a_);
    sides->addWidget(box_b_);
    return sides;
}

// The button labels and tooltips name their keys, so the shortcuts are discoverable.
QHBoxLayout* JudgingView::buildVoteButtons() {
    a_better_ = voteButton("A better  [1 / ←]", "aBetter", "Response A is better (keys 1 or Left)");
    b_better_ =
        voteButton("B better  [2 / →]", "bBetter", "Response B is better (keys 2 or Right)");
    tie_ = voteButton("Tie  [3]", "tie", "Both equally good (key 3)");
    both_bad_ = voteButton("Both bad  [4]", "bothBad", "Neither is acceptable (key 4)");
    skip_ = voteButton("Skip  [5 / S]", "skip", "No verdict; counts as seen (keys 5 or S)");
    undo_ = voteButton("Undo  [Ctrl+Z / ⌫]", "undo",
                       "Take back your last vote in this set (Ctrl+Z or Backspace)");
    auto* buttons = new QHBoxLayout;
    for (QPushButton* b : {a_better_, b_better_, tie_, both_bad_, skip_})
        buttons->addWidget(b);
    buttons->addStretch();
    buttons->addWidget(undo_);
    return buttons;
}

QWidget* JudgingView::buildItemPane(QHBoxLayout* sides, QHBoxLayout* buttons) {
    reveal_ = new QLabel("Model names are revealed here after each vote.");
    reveal_->setObjectName("reveal");
    reveal_->setWordWrap(true);
    error_ = new QLabel;
    error_->setObjectName("error");
    error_->setWordWrap(true);
    error_->setStyleSheet("color: #b00020");
    error_->hide();

    auto* judging = new QWidget;
    auto* jl = new QVBoxLayout(judging);
    jl->setContentsMargins(0, 0, 0, 0);
    jl->addWidget(new QLabel("Prompt"));
    jl->addWidget(prompt_);
    jl->addLayout(sides, 1);
    jl->addLayout(buttons);
    jl->addWidget(reveal_);
    return judging;
}

void JudgingView::connectSignals() {
    connect(sets_, &QComboBox::currentIndexChanged, this, [this](int) {
        const QVariant id = sets_->currentData();
        set_id_ = id.isValid() ? std::optional<int64_t>(id.toLongLong()) : std::nullopt;
        loadNext();
        refreshResults();
    });
    connect(judge_, &QLineEdit::editingFinished, this, [this] {
        setJudge(judge_->text());
        setFocus();
    });
    using judging::SideChoice;
    connect(a_better_, &QPushButton::clicked, this, [this] { vote(SideChoice::Left); });
    connect(b_better_, &QPushButton::clicked, this, [this] { vote(SideChoice::Right); });
    connect(tie_, &QPushButton::clicked, this, [this] { vote(SideChoice::Tie); });
    connect(both_bad_, &QPushButton::clicked, this, [this] { vote(SideChoice::BothBad); });
    connect(skip_, &QPushButton::clicked, this, [this] { vote(SideChoice::Skip); });
    connect(undo_, &QPushButton::clicked, this, &JudgingView::undo);
}

void JudgingView::addShortcuts() {
    using judging::SideChoice;
    // Shortcuts live while the focus is in this view; the judge field keeps its typed text.
    auto key = [this](const QKeySequence& k, auto slot) {
        auto* s = new QShortcut(k, this);
        s->setContext(Qt::WidgetWithChildrenShortcut);
        connect(s, &QShortcut::activated, this, slot);
    };
    key(QKeySequence(Qt::Key_1), [this] { vote(SideChoice::Left); });
    key(QKeySequence(Qt::Key_Left), [this] { vote(SideChoice::Left); });
    key(QKeySequence(Qt::Key_2), [this] { vote(SideChoice::Right); });
    key(QKeySequence(Qt::Key_Right), [this] { vote(SideChoice::Right); });
    key(QKeySequence(Qt::Key_3), [this] { vote(SideChoice::Tie); });
    key(QKeySequence(Qt::Key_4), [this] { vote(SideChoice::BothBad); });
    key(QKeySequence(Qt::Key_5), [this] { vote(SideChoice::Skip); });
    key(QKeySequence(Qt::Key_S), [this] { vote(SideChoice::Skip); });
    key(QKeySequence(Qt::CTRL | Qt::Key_Z), [this] { undo(); });
    key(QKeySequence(Qt::Key_Backspace), [this] { undo(); });
}

JudgingView::~JudgingView() = default;

QString JudgingView::judge() const {
    return judge_->text().trimmed();
}
QString JudgingView::errorText() const {
    return error_->isHidden() ? QString() : error_->text();
}
void JudgingView::setRepeatPercent(int percent) {
    repeat_percent_->setValue(percent);
}
void JudgingView::setImportSeed(int seed) {
    seed_->setValue(seed);
}

void JudgingView::showError(const QString& message) {
    error_->setText(message);
    error_->setVisible(!message.isEmpty());
}

bool JudgingView::openDatabase(const QString& path) {
    try {
        auto store = std::make_unique<judging::JudgmentStore>(path.toStdString());
        store_ = std::move(store);
        db_path_ = path;
        db_label_->setText(QString("database: %1").arg(path));
        showError({});
        refreshSets();
        return true;
    } catch (const std::exception& e) {
        showError(QString::fromStdString(e.what()));
        return false;
    }
}

bool JudgingView::ensureStore() {
    return store_ || openDatabase(db_path_);
}

bool JudgingView::importComparison(const QString& dir) {
    if (!ensureStore())
        return false;
    try {
        const judging::ComparisonSet set = judging::readComparisonSet(dir.toStdString());
        judging::ImportOptions o;
        o.seed = static_cast<uint64_t>(seed_->value());
        o.repeat_fraction = repeat_percent_->value() / 100.0;
        const int64_t id = store_->importSet(set, o);
        QString name;
        for (const judging::SetInfo& s : store_->sets()) {
            if (s.id == id)
                name = QString::fromStdString(s.name);
        }
        showError({});
        refreshSets(name);
        return true;
    } catch (const std::exception& e) {
        showError(QString::fromStdString(e.what()));
        return false;
    }
}

bool JudgingView::selectSet(const QString& name) {
    const int i = sets_->findText(name);
    if (i < 0) {
        showError(QString("No comparison set named '%1' in %2").arg(name, db_path_));
        return false;
    }
    sets_->setCurrentIndex(i);
    return true;
}

void JudgingView::setJudge(const QString& name) {
    if (judge_->text() != name)
        judge_->setText(name);
    QSettings().setValue("judging/judge", name.trimmed());
    loadNext();
}

void JudgingView::refreshSets(const QString& select) {
    const QString keep = select.isEmpty() ? sets_->currentText() : select;
    QSignalBlocker block(sets_);
    sets_->clear();
    if (store_) {
        for (const judging::SetInfo& s : store_->sets()) {
            sets_->addItem(QString::fromStdString(s.name), QVariant::fromValue<qlonglong>(s.id));
            sets_->setItemData(
                sets_->count() - 1,
                QString("%1 items, %2 showings, imported %3 from %4")
                    .arg(s.items)
                    .arg(s.presentations)
                    .arg(QString::fromStdString(s.imported), QString::fromStdString(s.source_dir)),
                Qt::ToolTipRole);
        }
    }
    int i = sets_->findText(keep);
    if (i < 0 && sets_->count() > 0)
        i = sets_->count() - 1;
    sets_->setCurrentIndex(i);
    const QVariant id = sets_->currentData();
    set_id_ = id.isValid() ? std::optional<int64_t>(id.toLongLong()) : std::nullopt;
    loadNext();
    refreshResults();
}

void JudgingView::loadNext() {
    current_.reset();
    int64_t total = 0, done = 0;
    QString waiting;
    if (!store_ || !set_id_) {
        waiting = "Import a comparison set (a directory written by `rgpb compare`) to start.";
    } else {
        try {
            for (const judging::SetInfo& s : store_->sets()) {
                if (s.id == *set_id_)
                    total = s.presentations;
            }
            if (judge().isEmpty()) {
                waiting = "Enter your name as judge (above) and press Enter to start.";
            } else {
                done = store_->judgedCount(*set_id_, judge().toStdString());
                current_ = store_->nextFor(*set_id_, judge().toStdString());
                if (!current_)
                    waiting = QString("All %1 showings judged. Thank you!").arg(total);
            }
        } catch (const std::exception& e) {
            showError(QString::fromStdString(e.what()));
        }
    }
    progress_text_->setText(QString("%1 / %2").arg(done).arg(total));
    progress_->setRange(0, static_cast<int>(std::max<int64_t>(total, 1)));
    progress_->setValue(static_cast<int>(done));
    for (QPushButton* b : {a_better_, b_better_, tie_, both_bad_, skip_})
        b->setEnabled(current_.has_value());
    undo_->setEnabled(store_ && set_id_ && done > 0);
    if (current_) {
        prompt_->setPlainText(QString::fromStdString(current_->prompt));
        response_a_->setPlainText(QString::fromStdString(current_->left_response));
        response_b_->setPlainText(QString::fromStdString(current_->right_response));
    } else {
        prompt_->setPlainText(waiting);
        response_a_->clear();
        response_b_->clear();
    }
    // Blinding: the side titles never carry a model name.
    box_a_->setTitle("A");
    box_b_->setTitle("B");
}

void JudgingView::vote(judging::SideChoice choice) {
    if (!current_ || !store_)
        return;
    const judging::Presentation p = *current_;
    try {
        store_->recordVote(p.id, judge().toStdString(), judging::winnerOf(choice, p.model_a_left));
    } catch (const std::exception& e) {
        showError(QString::fromStdString(e.what()));
        return;
    }
    showError({});
    reveal_->setText(QString("Item %1%2: A was %3, B was %4 — you chose %5.")
                         .arg(p.item_index)
                         .arg(p.swapped_repeat ? " (repeat, sides swapped)" : "")
                         .arg(QString::fromStdString(p.left_model),
                              QString::fromStdString(p.right_model), choiceText(choice)));
    Q_EMIT voted(p.id);
    loadNext();
    refreshResults();
}

void JudgingView::undo() {
    if (!store_ || !set_id_ || judge().isEmpty())
        return;
    try {
        auto v = store_->undoLastVote(*set_id_, judge().toStdString());
        if (v) {
            const judging::Presentation p = store_->presentation(v->presentation_id);
            reveal_->setText(
                QString("Undid your vote on item %1; it is shown again.").arg(p.item_index));
        }
    } catch (const std::exception& e) {
        showError(QString::fromStdString(e.what()));
        return;
    }
    loadNext();
    refreshResults();
}

void JudgingView::reload(bool sets) {
    if (sets)
        refreshSets();
    else
        refreshResults();
}

QString JudgingView::recordChatVote(judging::ChatVote vote) {
    if (judge().isEmpty())
        return "type your judge name on the Judge tab first (votes are stored under it)";
    if (!ensureStore())
        return errorText();
    try {
        vote.judge = judge().toStdString();
        store_->recordChatVote(vote);
    } catch (const std::exception& e) {
        return QString::fromStdString(e.what());
    }
    refreshSets();
    return {};
}

QString JudgingView::currentSetName() const {
    return set_id_ ? sets_->currentText() : QString();
}

void JudgingView::refreshResults() {
    if (!store_ || !set_id_) {
        results_->setReport({});
        return;
    }
    try {
        const bool all = results_->allSets();
        const std::vector<judging::Vote> votes =
            all ? store_->statsVotes() : store_->statsVotes(*set_id_);
        results_->setReport(judging::computeJudgeStats(votes));
        // One set has two models: ratings only when the sets are pooled.
        results_->setRatings(
            judging::lengthControlledByPair(votes),
            all ? judging::ratingsByJudge(votes) : std::vector<judging::JudgeRatings>{});
    } catch (const std::exception& e) {
        showError(QString::fromStdString(e.what()));
    }
}

void JudgingView::chooseAndImport() {
    const QString dir = QFileDialog::getExistingDirectory(
        this, "Import comparison set (folder with comparison.json and items.jsonl)",
        QFileInfo(db_path_).absolutePath());
    if (!dir.isEmpty())
        importComparison(dir);
}

void JudgingView::chooseDatabase() {
    const QString path = QFileDialog::getOpenFileName(
        this, "Open a judgments database", QFileInfo(db_path_).absolutePath(),
        "Judgments database (*.sqlite *.db);;All files (*)");
    if (!path.isEmpty())
        openDatabase(path);
}

void JudgingView::chooseNewDatabase() {
    const QString path = QFileDialog::getSaveFileName(this, "New judgments database",
                                                      QFileInfo(db_path_).absolutePath(),
                                                      "Judgments database (*.sqlite *.db)");
    if (!path.isEmpty())
        openDatabase(path);
}

}  // namespace rgpb::widgets
