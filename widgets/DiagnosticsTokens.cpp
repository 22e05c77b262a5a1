// The diagnostics view's token view: a kept eval pair's chosen and rejected responses, each
// token coloured by the change of its log-probability between the picked evaluation and the
// stage's first one (or the previous evaluation), read from the run's token snapshots.
#include <QComboBox>
#include <QLabel>

#include <algorithm>
#include <cmath>
#include <exception>

#include "widgets/DiagnosticsView.h"

namespace rgpb::widgets {

namespace {

// The changes of one response: pieces with their log-probs before and now (NaN where a
// snapshot has fewer values than the response has tokens).
QVector<TokenChange> changesOf(const std::vector<std::string>& pieces,
                               const std::vector<double>& before, const std::vector<double>& now) {
    QVector<TokenChange> out;
    for (std::size_t i = 0; i < pieces.size(); ++i) {
        TokenChange t;
        t.piece = QString::fromStdString(pieces[i]);
        t.before = i < before.size() ? before[i] : std::nan("");
        t.now = i < now.size() ? now[i] : std::nan("");
        out.append(t);
    }
    return out;
}

double sumOf(const QVector<TokenChange>& tokens, double TokenChange::*field) {
    double s = 0;
    for (const TokenChange& t : tokens)
        s += t.*field;
    return s;
}

// The index of `pair` in a snapshot; -1 when the snapshot does not hold it.
int indexOf(const TokenSnapshot& snapshot, std::size_t pair) {
    const auto it = std::find(snapshot.pairs.begin(), snapshot.pairs.end(), pair);
    return it == snapshot.pairs.end() ? -1 : int(it - snapshot.pairs.begin());
}

}  // namespace

void DiagnosticsView::fillPairs() {
    const QString run = currentRun();
    if (run == pairs_of_ && pair_->count() > 0)
        return;
    const QSignalBlocker block(pair_);
    const QVariant keep = pair_->currentData();
    pair_->clear();
    pairs_of_ = run;
    auto it = runs_.find(run);
    if (it == runs_.end())
        return;
    Run& r = it.value();
    if (!r.pieces_read) {
        try {
            r.pieces = readTokenPieces(run.toStdString());
            r.pieces_read = !r.pieces.empty();  // a live run writes them at its first evaluation
        } catch (const std::exception& ex) {
            token_status_->setText(QString::fromUtf8(ex.what()));
            return;
        }
    }
    for (const TokenPieces& p : r.pieces)
        pair_->addItem(QString("pair %1").arg(p.pair), qulonglong(p.pair));
    const int at = pair_->findData(keep);
    pair_->setCurrentIndex(at >= 0 ? at : 0);
}

void DiagnosticsView::showTokens() {
    chosen_tokens_.clear();
    rejected_tokens_.clear();
    chosen_->setTokens({}, 1.0);
    rejected_->setTokens({}, 1.0);
    token_scale_->clear();
    token_status_->clear();
    fillPairs();
    const Run* run = current();
    const DiagnosticsRow* row = currentRow();
    if (!run || !row)
        return;
    if (pair_->count() == 0) {
        if (token_status_->text().isEmpty())
            token_status_->setText(
                "This run keeps no per-token log-probs "
                "(diagnostics.token_pairs is 0, or no evaluation yet).");
        return;
    }
    const std::size_t pair = std::size_t(pair_->currentData().toULongLong());
    const auto pieces = std::find_if(run->pieces.begin(), run->pieces.end(),
                                     [pair](const TokenPieces& p) { return p.pair == pair; });
    if (pieces == run->pieces.end())
        return;
    const std::string dir = currentRun().toStdString();
    try {
        const std::vector<int64_t> steps = listTokenSnapshots(dir);
        const TokenSnapshot now = readTokenSnapshot(dir, row->step);
        int64_t reference_step = now.stage_start_step;
        QString reference_name = "the stage's first evaluation";
        if (reference_->currentIndex() == 1) {
            const auto at = std::lower_bound(steps.begin(), steps.end(), row->step);
            if (at == steps.begin()) {
                token_status_->setText(QString("Step %1 is the run's first evaluation: there is "
                                               "no previous one to compare with.")
                                           .arg(row->step));
                return;
            }
            reference_step = *(at - 1);
            reference_name = "the previous evaluation";
        }
        const TokenSnapshot before = readTokenSnapshot(dir, reference_step);
        const int i = indexOf(now, pair), j = indexOf(before, pair);
        if (i < 0 || j < 0) {
            token_status_->setText(QString("Pair %1 is not in the snapshot of step %2.")
                                       .arg(pair)
                                       .arg(i < 0 ? row->step : reference_step));
            return;
        }
        chosen_tokens_ =
            changesOf(pieces->pos, before.pos[std::size_t(j)], now.pos[std::size_t(i)]);
        rejected_tokens_ =
            changesOf(pieces->neg, before.neg[std::size_t(j)], now.neg[std::size_t(i)]);
        double scale = 0;
        for (const auto* side : {&chosen_tokens_, &rejected_tokens_})
            for (const TokenChange& t : *side)
                if (std::isfinite(t.delta()))
                    scale = std::max(scale, std::abs(t.delta()));
        scale = std::max(scale, 1e-6);
        chosen_->setTokens(chosen_tokens_, scale);
        rejected_->setTokens(rejected_tokens_, scale);
        const double d_pos =
            sumOf(chosen_tokens_, &TokenChange::now) - sumOf(chosen_tokens_, &TokenChange::before);
        const double d_neg = sumOf(rejected_tokens_, &TokenChange::now) -
                             sumOf(rejected_tokens_, &TokenChange::before);
        token_status_->setText(
            QString("Pair %1, step %2 against %3 (step %4): log p(chosen) %5%6, log p(rejected) "
                    "%7%8, margin %9%10.")
                .arg(pair)
                .arg(row->step)
                .arg(reference_name)
                .arg(reference_step)
                .arg(d_pos >= 0 ? "+" : "")
                .arg(d_pos, 0, 'g', 3)
                .arg(d_neg >= 0 ? "+" : "")
                .arg(d_neg, 0, 'g', 3)
                .arg(d_pos - d_neg >= 0 ? "+" : "")
                .arg(d_pos - d_neg, 0, 'g', 3));
        token_scale_->setText(
            QString("colour: <span style='background:%1'>&nbsp;lost %3 nats or more&nbsp;</span> "
                    "&nbsp;<span style='background:%2'>&nbsp;gained %3 nats or more&nbsp;</span>; "
                    "hover a token for its values")
                .arg(tokenChangeColor(-scale, scale).name(), tokenChangeColor(scale, scale).name())
                .arg(scale, 0, 'g', 3));
    } catch (const std::exception& ex) {
        token_status_->setText(QString::fromUtf8(ex.what()));
    }
}

CsvTable DiagnosticsView::tokensCsv() const {
    CsvTable csv;
    csv.columns = {"side", "index", "piece", "before", "now", "change"};
    for (const auto& [side, tokens] :
         {std::pair{"chosen", &chosen_tokens_}, std::pair{"rejected", &rejected_tokens_}})
        for (int i = 0; i < tokens->size(); ++i) {
            const TokenChange& t = (*tokens)[i];
            csv.rows.append({side, QString::number(i), csvText(t.piece), csvNumber(t.before),
                             csvNumber(t.now), csvNumber(t.delta())});
        }
    return csv;
}

}  // namespace rgpb::widgets
