#include "widgets/ModelJudgeDialog.h"

#include <QComboBox>
#include <QDialogButtonBox>
#include <QDoubleSpinBox>
#include <QFileDialog>
#include <QFormLayout>
#include <QLabel>
#include <QLineEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QSettings>
#include <QSpinBox>
#include <QVBoxLayout>

namespace rgpb::widgets {

namespace {

const char* const kGroup = "modelJudge";

QDoubleSpinBox* number(double lo, double hi, double value, int decimals, double step) {
    auto* b = new QDoubleSpinBox;
    b->setRange(lo, hi);
    b->setDecimals(decimals);
    b->setSingleStep(step);
    b->setValue(value);
    return b;
}

QSpinBox* integer(int lo, int hi, int value) {
    auto* b = new QSpinBox;
    b->setRange(lo, hi);
    b->setValue(value);
    return b;
}

QString tokensText(int64_t n) {
    return n >= 10000 ? QString("%1k").arg(n / 1000.0, 0, 'f', 1) : QString::number(n);
}

}  // namespace

ModelJudgeDialog::ModelJudgeDialog(const QString& set_name, QWidget* parent)
    : QDialog(parent), set_name_(set_name) {
    setWindowTitle("Model judge: " + set_name);
    setObjectName("modelJudgeDialog");
    auto* form = new QFormLayout;
    endpoint_ = new QLineEdit;
    endpoint_->setObjectName("judgeEndpoint");
    endpoint_->setPlaceholderText("http://127.0.0.1:8000/v1  or  https://api.openai.com/v1");
    endpoint_->setToolTip("The OpenAI-compatible API's base URL (it serves /chat/completions)");
    model_ = new QLineEdit;
    model_->setObjectName("judgeModel");
    model_->setPlaceholderText("gpt-4-turbo-2024-04-09");
    model_->setToolTip("The judge model's name; its votes are stored as judge model:<name>");
    key_env_ = new QLineEdit("OPENAI_API_KEY");
    key_env_->setObjectName("judgeKeyVariable");
    key_env_->setToolTip(
        "The NAME of the environment variable that holds the API key (empty for a local server "
        "without one). The key itself is read when the batch starts and is never stored, "
        "logged or shown.");
    template_ = new QComboBox;
    template_->setObjectName("judgeTemplate");
    template_->addItem("paper (\"You are the human in the conversation…\")", "paper");
    template_->addItem("mtbench (pairwise, [[A]] / [[B]] / [[C]])", "mtbench");
    template_->addItem("file…", QString());
    connect(template_, &QComboBox::activated, this, [this](int i) {
        if (template_->itemData(i).toString().isEmpty())
            chooseTemplateFile();
    });
    temperature_ = number(0, 2, 0, 2, 0.1);
    max_tokens_ = integer(1, 32768, 512);
    concurrency_ = integer(1, 64, 4);
    timeout_ = number(1, 3600, 120, 0, 10);
    timeout_->setSuffix(" s");
    retries_ = integer(0, 20, 4);
    limit_ = integer(0, 1000000, 0);
    limit_->setSpecialValueText("all items");
    price_in_ = number(0, 1000, 0, 3, 0.5);
    price_out_ = number(0, 1000, 0, 3, 0.5);
    price_in_->setToolTip("Cost of one million prompt tokens (0: no cost shown)");
    price_out_->setToolTip("Cost of one million completion tokens");
    form->addRow("comparison set", new QLabel(set_name.toHtmlEscaped()));
    form->addRow("endpoint", endpoint_);
    form->addRow("model", model_);
    form->addRow("API key variable", key_env_);
    form->addRow("template", template_);
    form->addRow("temperature", temperature_);
    form->addRow("max tokens per answer", max_tokens_);
    form->addRow("requests at once", concurrency_);
    form->addRow("timeout per request", timeout_);
    form->addRow("retries (429, 5xx, timeouts)", retries_);
    form->addRow("judge at most", limit_);
    form->addRow("price per 1M prompt tokens", price_in_);
    form->addRow("price per 1M completion tokens", price_out_);

    bar_ = new QProgressBar;
    bar_->setObjectName("judgeProgress");
    bar_->setRange(0, 1);
    bar_->setValue(0);
    progress_ = new QLabel(
        "Every item is judged twice (both orders); a verdict that flips "
        "with the order counts as a tie.");
    progress_->setObjectName("judgeProgressText");
    progress_->setWordWrap(true);
    summary_ = new QLabel;
    summary_->setObjectName("judgeSummary");
    summary_->setWordWrap(true);
    summary_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    problem_ = new QLabel;
    problem_->setStyleSheet("color: #b00020");
    problem_->setWordWrap(true);

    auto* buttons = new QDialogButtonBox;
    start_ = buttons->addButton("Start", QDialogButtonBox::AcceptRole);
    start_->setObjectName("judgeStart");
    cancel_ = buttons->addButton("Cancel batch", QDialogButtonBox::RejectRole);
    cancel_->setObjectName("judgeCancel");
    auto* close = buttons->addButton(QDialogButtonBox::Close);
    connect(start_, &QPushButton::clicked, this, [this] {
        problem_->setText(problem());
        if (!problem_->text().isEmpty() || running_)
            return;
        saveSettings();
        Q_EMIT startRequested(settings());
    });
    connect(cancel_, &QPushButton::clicked, this, &ModelJudgeDialog::cancelRequested);
    connect(close, &QPushButton::clicked, this, &QDialog::hide);

    auto* layout = new QVBoxLayout(this);
    layout->addLayout(form);
    layout->addWidget(bar_);
    layout->addWidget(progress_);
    layout->addWidget(summary_);
    layout->addWidget(problem_);
    layout->addWidget(buttons);

    QSettings q;
    q.beginGroup(kGroup);
    endpoint_->setText(q.value("endpoint").toString());
    model_->setText(q.value("model").toString());
    key_env_->setText(q.value("keyVariable", "OPENAI_API_KEY").toString());
    updateButtons();
}

void ModelJudgeDialog::chooseTemplateFile() {
    const QString file =
        QFileDialog::getOpenFileName(this, "Judge template", {}, "Templates (*.txt);;All (*)");
    if (file.isEmpty()) {
        template_->setCurrentIndex(0);
        return;
    }
    const int at = template_->count() - 1;
    template_->setItemText(at, file);
    template_->setItemData(at, file);
}

judging::ModelJudgeSettings ModelJudgeDialog::settings() const {
    judging::ModelJudgeSettings s;
    s.endpoint = endpoint_->text().trimmed().toStdString();
    s.model = model_->text().trimmed().toStdString();
    s.api_key_env = key_env_->text().trimmed().toStdString();
    const QString t = template_->currentData().toString();
    s.template_name = t.isEmpty() ? "paper" : t.toStdString();
    s.temperature = temperature_->value();
    s.max_tokens = max_tokens_->value();
    s.concurrency = concurrency_->value();
    s.timeout_s = timeout_->value();
    s.retries = retries_->value();
    s.limit = limit_->value();
    s.price_in_per_million = price_in_->value();
    s.price_out_per_million = price_out_->value();
    return s;
}

void ModelJudgeDialog::setSettings(const judging::ModelJudgeSettings& s) {
    endpoint_->setText(QString::fromStdString(s.endpoint));
    model_->setText(QString::fromStdString(s.model));
    key_env_->setText(QString::fromStdString(s.api_key_env));
    const QString t = QString::fromStdString(s.template_name);
    int at = template_->findData(t);
    if (at < 0) {
        at = template_->count() - 1;
        template_->setItemText(at, t);
        template_->setItemData(at, t);
    }
    template_->setCurrentIndex(at);
    temperature_->setValue(s.temperature);
    max_tokens_->setValue(s.max_tokens);
    concurrency_->setValue(s.concurrency);
    timeout_->setValue(s.timeout_s);
    retries_->setValue(s.retries);
    limit_->setValue(static_cast<int>(s.limit));
    price_in_->setValue(s.price_in_per_million);
    price_out_->setValue(s.price_out_per_million);
}

QString ModelJudgeDialog::problem() const {
    if (!judging::modelJudgeAvailable())
        return "This build has no HTTP client (cpp-httplib was not found when it was "
               "configured): install libcpp-httplib-dev (scripts/bootstrap.sh) and rebuild.";
    const QString url = endpoint_->text().trimmed();
    if (url.isEmpty())
        return "Give the endpoint's base URL, e.g. http://127.0.0.1:8000/v1.";
    if (!url.startsWith("http://") && !url.startsWith("https://"))
        return QString("The endpoint must start with http:// or https://, got '%1'.").arg(url);
    if (model_->text().trimmed().isEmpty())
        return "Give the judge model's name (what the endpoint calls it).";
    const QString var = key_env_->text().trimmed();
    if (!var.isEmpty() && qEnvironmentVariableIsEmpty(var.toUtf8().constData()))
        return QString(
                   "The environment variable %1 is not set: start the workbench with the key "
                   "in it, or clear the field for a server without a key.")
            .arg(var);
    return {};
}

void ModelJudgeDialog::saveSettings() const {
    QSettings q;
    q.beginGroup(kGroup);
    q.setValue("endpoint", endpoint_->text().trimmed());
    q.setValue("model", model_->text().trimmed());
    q.setValue("keyVariable", key_env_->text().trimmed());
}

void ModelJudgeDialog::showStarted() {
    running_ = true;
    summary_->clear();
    problem_->clear();
    bar_->setRange(0, 0);  // busy until the first count arrives
    progress_->setText("Starting…");
    updateButtons();
}

QString ModelJudgeDialog::progressLine(const judging::ModelJudgeProgress& p, bool priced) {
    QString line = QString("%1 / %2 prompts").arg(p.done).arg(p.total);
    if (p.failed > 0)
        line += QString(", %1 failed").arg(p.failed);
    if (p.cached > 0)
        line += QString(", %1 from the cache").arg(p.cached);
    line +=
        QString(", tokens %1 in / %2 out").arg(tokensText(p.tokens_in), tokensText(p.tokens_out));
    if (priced)
        line += QString(", cost so far %1").arg(p.cost, 0, 'f', 4);
    return line;
}

void ModelJudgeDialog::showProgress(const judging::ModelJudgeProgress& p) {
    bar_->setRange(0, static_cast<int>(std::max<int64_t>(p.total, 1)));
    bar_->setValue(static_cast<int>(p.done));
    progress_->setText(progressLine(p, price_in_->value() > 0 || price_out_->value() > 0));
}

void ModelJudgeDialog::showSummary(const judging::ModelJudgeSummary& s) {
    running_ = false;
    showProgress(s.progress);
    QStringList lines;
    lines << QString("%1%2: %3 votes on %4 items (%5 prompts answered now, %6 judged before).")
                 .arg(QString::fromStdString(s.judge), s.cancelled ? " (cancelled)" : "")
                 .arg(s.votes)
                 .arg(s.items)
                 .arg(s.answered)
                 .arg(s.already_judged);
    if (s.both_parsed > 0)
        lines << QString(
                     "Position consistency: %1 of %2 items (%3%) got the same verdict in "
                     "both orders.")
                     .arg(s.consistent)
                     .arg(s.both_parsed)
                     .arg(100.0 * s.consistent / s.both_parsed, 0, 'f', 1);
    if (s.unparsed > 0)
        lines << QString("%1 answers gave no verdict the template asks for (kept as raw text).")
                     .arg(s.unparsed);
    if (!s.failures.empty()) {
        QStringList reasons;
        for (const auto& [reason, n] : s.failures)
            reasons << QString("%1 × %2").arg(n).arg(QString::fromStdString(reason));
        lines << "Failed: " + reasons.join(", ") + ". Start again to retry only these.";
        if (!s.first_failure.empty())
            lines << "For example: " + QString::fromStdString(s.first_failure);
    }
    summary_->setText(lines.join('\n'));
    updateButtons();
}

void ModelJudgeDialog::showFailure(const QString& reason) {
    running_ = false;
    bar_->setRange(0, 1);
    bar_->setValue(0);
    problem_->setText("The batch did not run: " + reason);
    updateButtons();
}

QString ModelJudgeDialog::progressText() const {
    return progress_->text();
}
QString ModelJudgeDialog::summaryText() const {
    return summary_->text() + (problem_->text().isEmpty() ? QString() : "\n" + problem_->text());
}

void ModelJudgeDialog::updateButtons() {
    start_->setEnabled(!running_);
    cancel_->setEnabled(running_);
}

}  // namespace rgpb::widgets
