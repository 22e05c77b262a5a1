// The model judge's part of the judgments store (schema version 2): its answers per item and
// order, the cache lookup, the combined vote, and position consistency across the two orders.
#include <QDateTime>
#include <QSqlQuery>
#include <QVariant>
#include <cmath>
#include <limits>
#include <map>

#include "core/judging/JudgeTemplate.h"
#include "store/JudgmentStore.h"
#include "store/StoreSql.h"

namespace rgpb::judging {

namespace {

const char* const kModelAnswersSchema[] = {
    // One row per answer (or failure) for one order of one item; failures stay for the record
    // and a rerun adds a new row.
    "CREATE TABLE model_answers (id INTEGER PRIMARY KEY, set_id INTEGER NOT NULL"
    " REFERENCES sets(id), item_idx INTEGER NOT NULL, judge TEXT NOT NULL,"
    " model_a_first INTEGER NOT NULL, template TEXT NOT NULL, endpoint TEXT NOT NULL,"
    " system_prompt TEXT NOT NULL, user_prompt TEXT NOT NULL, prompt_key TEXT NOT NULL,"
    " raw_answer TEXT, verdict TEXT CHECK (verdict IS NULL OR verdict IN ('response_1',"
    " 'response_2', 'tie', 'unparsed')), latency REAL, prompt_tokens INTEGER,"
    " completion_tokens INTEGER, attempts INTEGER, failure TEXT, failure_message TEXT,"
    " cached INTEGER NOT NULL DEFAULT 0, tstamp REAL NOT NULL,"
    " FOREIGN KEY (set_id, item_idx) REFERENCES items(set_id, idx))",
    "CREATE INDEX model_answers_by_item ON model_answers (set_id, judge, item_idx)",
    "CREATE INDEX model_answers_by_prompt ON model_answers (prompt_key)",
};

// FNV-1a (64 bit) of the cache key's parts, as hex: an index for the exact text comparison.
QString promptKey(const std::string& judge, const std::string& template_text,
                  const std::string& system_prompt, const std::string& user_prompt) {
    uint64_t h = 1469598103934665603ULL;
    for (const std::string* part : {&judge, &template_text, &system_prompt, &user_prompt}) {
        for (unsigned char c : *part) {
            h ^= c;
            h *= 1099511628211ULL;
        }
        h ^= 0xff;  // part separator
        h *= 1099511628211ULL;
    }
    return QString::number(static_cast<qulonglong>(h), 16);
}

constexpr const char* kAnswerColumns =
    "id, set_id, item_idx, judge, model_a_first, template, endpoint, system_prompt, user_prompt,"
    " raw_answer, verdict, latency, prompt_tokens, completion_tokens, attempts, failure,"
    " failure_message, cached, tstamp";

ModelAnswer answerFrom(const QSqlQuery& q) {
    ModelAnswer a;
    a.id = q.value(0).toLongLong();
    a.set_id = q.value(1).toLongLong();
    a.item_index = q.value(2).toLongLong();
    a.judge = q.value(3).toString().toStdString();
    a.model_a_first = q.value(4).toInt() != 0;
    a.template_text = q.value(5).toString().toStdString();
    a.endpoint = q.value(6).toString().toStdString();
    a.system_prompt = q.value(7).toString().toStdString();
    a.user_prompt = q.value(8).toString().toStdString();
    a.raw_answer = q.value(9).toString().toStdString();
    a.verdict = q.value(10).toString().toStdString();
    a.latency_s = q.value(11).toDouble();
    a.prompt_tokens = q.value(12).toLongLong();
    a.completion_tokens = q.value(13).toLongLong();
    a.attempts = q.value(14).toInt();
    a.failure = q.value(15).toString().toStdString();
    a.failure_message = q.value(16).toString().toStdString();
    a.cached = q.value(17).toInt() != 0;
    a.tstamp = q.value(18).toDouble();
    return a;
}

QVariant textOrNull(const std::string& s) {
    return s.empty() ? QVariant(QMetaType::fromType<QString>())
                     : QVariant(QString::fromStdString(s));
}

}  // namespace

void JudgmentStore::Impl::createModelAnswers() const {
    for (const char* statement : kModelAnswersSchema)
        exec(statement);
}

void JudgmentStore::Impl::migrate(int from_version) const {
    begin();
    try {
        if (from_version < 2)
            createModelAnswers();
        exec(QString("PRAGMA user_version = %1").arg(JudgmentStore::kSchemaVersion));
        commit();
    } catch (...) {
        rollback();
        throw;
    }
}

std::optional<Winner> JudgmentStore::recordModelAnswer(const ModelAnswer& a) {
    if (d_->version < 2)
        throw Error(d_->path + ": schema version " + std::to_string(d_->version) +
                    " has no model answers; open it for writing to migrate it");
    requireArgument(a.judge.rfind("model:", 0) == 0, "recordModelAnswer", "judge",
                    "a name starting with 'model:'", "'" + a.judge + "'");
    const double now = static_cast<double>(QDateTime::currentMSecsSinceEpoch()) / 1000.0;
    d_->begin();
    try {
        QSqlQuery q = d_->prepare(
            "INSERT INTO model_answers (set_id, item_idx, judge, model_a_first, template,"
            " endpoint, system_prompt, user_prompt, prompt_key, raw_answer, verdict, latency,"
            " prompt_tokens, completion_tokens, attempts, failure, failure_message, cached,"
            " tstamp) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
        q.addBindValue(static_cast<qint64>(a.set_id));
        q.addBindValue(static_cast<qint64>(a.item_index));
        q.addBindValue(QString::fromStdString(a.judge));
        q.addBindValue(a.model_a_first ? 1 : 0);
        q.addBindValue(QString::fromStdString(a.template_text));
        q.addBindValue(QString::fromStdString(a.endpoint));
        q.addBindValue(QString::fromStdString(a.system_prompt));
        q.addBindValue(QString::fromStdString(a.user_prompt));
        q.addBindValue(promptKey(a.judge, a.template_text, a.system_prompt, a.user_prompt));
        q.addBindValue(a.failure.empty() ? QVariant(QString::fromStdString(a.raw_answer))
                                         : textOrNull(a.raw_answer));
        q.addBindValue(a.failure.empty() ? textOrNull(a.verdict)
                                         : QVariant(QMetaType::fromType<QString>()));
        q.addBindValue(a.latency_s);
        q.addBindValue(static_cast<qint64>(a.prompt_tokens));
        q.addBindValue(static_cast<qint64>(a.completion_tokens));
        q.addBindValue(a.attempts);
        q.addBindValue(textOrNull(a.failure));
        q.addBindValue(textOrNull(a.failure_message));
        q.addBindValue(a.cached ? 1 : 0);
        q.addBindValue(a.tstamp > 0 ? a.tstamp : now);
        d_->run(q);
        std::optional<Winner> vote;
        if (a.failure.empty()) {
            // The latest successful answer of each order decides.
            QSqlQuery o = d_->prepare(
                "SELECT model_a_first, verdict FROM model_answers WHERE set_id = ? AND"
                " item_idx = ? AND judge = ? AND failure IS NULL ORDER BY id");
            o.addBindValue(static_cast<qint64>(a.set_id));
            o.addBindValue(static_cast<qint64>(a.item_index));
            o.addBindValue(QString::fromStdString(a.judge));
            d_->run(o);
            std::optional<Winner> order[2];
            while (o.next()) {
                const bool first = o.value(0).toInt() != 0;
                order[first ? 0 : 1] = winnerOfAnswer(
                    parseJudgeVerdictName(o.value(1).toString().toStdString()), first);
            }
            if (order[0] && order[1]) {
                QSqlQuery p = d_->prepare(
                    "SELECT id FROM presentations WHERE set_id = ? AND item_idx = ? AND"
                    " swapped_repeat = 0 ORDER BY position LIMIT 1");
                p.addBindValue(static_cast<qint64>(a.set_id));
                p.addBindValue(static_cast<qint64>(a.item_index));
                d_->run(p);
                if (!p.next())
                    throw InputError(d_->path,
                                     "has no showing of item " + std::to_string(a.item_index));
                const qint64 showing = p.value(0).toLongLong();
                QSqlQuery replace = d_->prepare(
                    "UPDATE votes SET undone = 1 WHERE presentation_id = ? AND judge = ? AND"
                    " undone = 0");
                replace.addBindValue(showing);
                replace.addBindValue(QString::fromStdString(a.judge));
                d_->run(replace);
                vote = combinedVerdict(*order[0], *order[1]);
                d_->insertVote(showing, a.judge, *vote, now);
            }
        }
        d_->commit();
        return vote;
    } catch (...) {
        d_->rollback();
        throw;
    }
}

std::optional<ModelAnswer> JudgmentStore::cachedModelAnswer(const std::string& judge,
                                                            const std::string& template_text,
                                                            const std::string& system_prompt,
                                                            const std::string& user_prompt) const {
    if (d_->version < 2)
        return std::nullopt;
    QSqlQuery q = d_->prepare(QString("SELECT %1 FROM model_answers WHERE prompt_key = ? AND"
                                      " judge = ? AND template = ? AND system_prompt = ? AND"
                                      " user_prompt = ? AND failure IS NULL ORDER BY id LIMIT 1")
                                  .arg(kAnswerColumns));
    q.addBindValue(promptKey(judge, template_text, system_prompt, user_prompt));
    q.addBindValue(QString::fromStdString(judge));
    q.addBindValue(QString::fromStdString(template_text));
    q.addBindValue(QString::fromStdString(system_prompt));
    q.addBindValue(QString::fromStdString(user_prompt));
    d_->run(q);
    if (!q.next())
        return std::nullopt;
    return answerFrom(q);
}

std::vector<ModelAnswer> JudgmentStore::modelAnswers(int64_t set_id,
                                                     const std::string& judge) const {
    std::vector<ModelAnswer> out;
    if (d_->version < 2)
        return out;
    QSqlQuery q = d_->prepare(
        QString("SELECT %1 FROM model_answers WHERE set_id = ? AND judge = ? ORDER BY id")
            .arg(kAnswerColumns));
    q.addBindValue(static_cast<qint64>(set_id));
    q.addBindValue(QString::fromStdString(judge));
    d_->run(q);
    while (q.next())
        out.push_back(answerFrom(q));
    return out;
}

std::vector<PositionConsistency> JudgmentStore::modelJudgeConsistency(
    std::optional<int64_t> set_id) const {
    std::vector<PositionConsistency> out;
    if (d_->version < 2)
        return out;
    QSqlQuery q = d_->prepare(
        QString("SELECT judge, set_id, item_idx, model_a_first, verdict FROM model_answers"
                " WHERE failure IS NULL%1 ORDER BY judge, id")
            .arg(set_id ? " AND set_id = ?" : ""));
    if (set_id)
        q.addBindValue(static_cast<qint64>(*set_id));
    d_->run(q);
    // judge -> (set, item) -> latest verdict per order
    std::map<std::string, std::map<std::pair<int64_t, int64_t>, std::optional<JudgeVerdict>[2]>>
        latest;
    while (q.next()) {
        auto& item = latest[q.value(0).toString().toStdString()]
                           [{q.value(1).toLongLong(), q.value(2).toLongLong()}];
        item[q.value(3).toInt() != 0 ? 0 : 1] =
            parseJudgeVerdictName(q.value(4).toString().toStdString());
    }
    for (const auto& [judge, items] : latest) {
        PositionConsistency c;
        c.judge = judge;
        std::size_t first_won = 0;
        for (const auto& [key, orders] : items) {
            for (const auto& v : orders) {
                if (v && (*v == JudgeVerdict::Response1 || *v == JudgeVerdict::Response2)) {
                    ++c.decisive;
                    first_won += *v == JudgeVerdict::Response1;
                }
            }
            if (!orders[0] || !orders[1] || *orders[0] == JudgeVerdict::Unparsed ||
                *orders[1] == JudgeVerdict::Unparsed)
                continue;
            ++c.repeated;
            c.consistent += winnerOfAnswer(*orders[0], true) == winnerOfAnswer(*orders[1], false);
        }
        const double nan = std::numeric_limits<double>::quiet_NaN();
        c.rate = c.repeated ? static_cast<double>(c.consistent) / c.repeated : nan;
        c.left_win_rate = c.decisive ? static_cast<double>(first_won) / c.decisive : nan;
        out.push_back(c);
    }
    return out;
}

}  // namespace rgpb::judging
