// One response of an evaluation pair, token by token, each token's background coloured by how
// much its log-probability changed between two evaluations (the diagnostics view's token view):
// red where the model lost probability, blue where it gained, white where nothing changed, on a
// scale shared by the chosen and the rejected response so their colours compare. Hovering a
// token shows its text, both log-probabilities and the change.
#pragma once

#include <QString>
#include <QTextBrowser>
#include <QVector>

namespace rgpb::widgets {

struct TokenChange {
    QString piece;        // the token's text as the tokenizer decodes it
    double before = 0.0;  // log P(token) at the reference evaluation
    double now = 0.0;     // log P(token) at the shown evaluation
    double delta() const { return now - before; }
};

// The colour of a change `delta` on a scale where |delta| >= scale is the full colour: red for a
// loss, blue for a gain, white for none (and for a NaN: the token was not measured).
QColor tokenChangeColor(double delta, double scale);

class TokenDeltaText : public QTextBrowser {
    Q_OBJECT

public:
    explicit TokenDeltaText(QWidget* parent = nullptr);

    // Shows `tokens` with colours on `scale` (> 0; the larger |delta| of both responses).
    void setTokens(const QVector<TokenChange>& tokens, double scale);
    const QVector<TokenChange>& tokens() const { return tokens_; }
    // The token drawn at character `position` of the document; -1 for none.
    int tokenAtPosition(int position) const;
    // The hover text of token `index` ("'piece'  log p -1.23 -> -2.05  (change -0.82)").
    QString describe(int index) const;

protected:
    bool viewportEvent(QEvent* event) override;

private:
    QVector<TokenChange> tokens_;
    QVector<int> starts_;  // first character of each token in the document
};

}  // namespace rgpb::widgets
