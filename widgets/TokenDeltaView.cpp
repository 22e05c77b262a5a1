#include "widgets/TokenDeltaView.h"

#include <QHelpEvent>
#include <QTextCursor>
#include <QToolTip>

#include <algorithm>
#include <cmath>

namespace rgpb::widgets {

QColor tokenChangeColor(double delta, double scale) {
    if (!std::isfinite(delta) || scale <= 0.0)
        return QColor(Qt::white);
    const double t = std::min(1.0, std::abs(delta) / scale);
    // White to a saturated red (loss) or blue (gain), linear in |delta| / scale.
    const QColor full = delta < 0 ? QColor(214, 39, 40) : QColor(31, 119, 180);
    auto mix = [t](int to) { return int(std::lround(255.0 + t * (to - 255.0))); };
    return QColor(mix(full.red()), mix(full.green()), mix(full.blue()));
}

TokenDeltaText::TokenDeltaText(QWidget* parent) : QTextBrowser(parent) {
    setReadOnly(true);
    setOpenLinks(false);
    setMouseTracking(true);
    setLineWrapMode(QTextEdit::WidgetWidth);
}

void TokenDeltaText::setTokens(const QVector<TokenChange>& tokens, double scale) {
    tokens_ = tokens;
    starts_.clear();
    clear();
    QTextCursor cursor(document());
    for (const TokenChange& t : tokens_) {
        starts_.append(cursor.position());
        QTextCharFormat format;
        const QColor background = tokenChangeColor(t.delta(), scale);
        format.setBackground(background);
        format.setForeground(background.lightness() < 110 ? Qt::white : Qt::black);
        QString shown = t.piece;
        shown.replace('\n', QString::fromUtf8("\u21b5\n"));  // a newline token stays visible
        if (shown.isEmpty())
            shown = QString::fromUtf8("\u2205");
        cursor.insertText(shown, format);
        // A hairline between tokens, uncoloured, so neighbours of one colour stay apart.
        cursor.insertText(QString(QChar(0x200A)), QTextCharFormat());
    }
    starts_.append(cursor.position());
}

int TokenDeltaText::tokenAtPosition(int position) const {
    if (tokens_.isEmpty() || position < starts_.front() || position >= starts_.back())
        return -1;
    const auto it = std::upper_bound(starts_.begin(), starts_.end(), position);
    return int(it - starts_.begin()) - 1;
}

QString TokenDeltaText::describe(int index) const {
    if (index < 0 || index >= tokens_.size())
        return {};
    const TokenChange& t = tokens_[index];
    QString piece = t.piece;
    piece.replace('\n', "\\n");
    return QString("token %1 '%2'   log p %3 -> %4   (change %5%6)")
        .arg(index + 1)
        .arg(piece)
        .arg(t.before, 0, 'g', 4)
        .arg(t.now, 0, 'g', 4)
        .arg(t.delta() >= 0 ? "+" : "")
        .arg(t.delta(), 0, 'g', 3);
}

bool TokenDeltaText::viewportEvent(QEvent* event) {
    if (event->type() == QEvent::ToolTip) {
        auto* help = static_cast<QHelpEvent*>(event);
        const int index = tokenAtPosition(cursorForPosition(help->pos()).position());
        if (index >= 0)
            QToolTip::showText(help->globalPos(), describe(index), viewport());
        else
            QToolTip::hideText();
        return true;
    }
    return QTextBrowser::viewportEvent(event);
}

}  // namespace rgpb::widgets
