// The Chat tab's blinded votes in the judgments store: each voted exchange becomes an item of the
// set of its two runs ("chat: <a> vs <b>", source "chat"), with one showing (the sides as they
// were on screen) and the judge's vote, so judge-stats, the kappa lines and the exports count
// them like any other judged item.
#include <QDateTime>
#include <QSqlQuery>
#include <QVariant>

#include <nlohmann/json.hpp>

#include "core/util/Error.h"
#include "store/JudgmentStore.h"
#include "store/StoreSql.h"

namespace rgpb::judging {

namespace {

constexpr const char* kChatSource = "chat";

}  // namespace

int64_t JudgmentStore::recordChatVote(const ChatVote& v) {
    requireArgument(!v.judge.empty() && v.judge != kAutoJudgeName, "recordChatVote", "judge",
                    "a non-empty judge name other than 'auto' (the automatic judge's)",
                    "'" + v.judge + "'");
    requireArgument(v.choice != SideChoice::Skip, "recordChatVote", "choice",
                    "left, right, tie or both bad (a chat exchange is voted on, not skipped)",
                    "skip");
    const double now = static_cast<double>(QDateTime::currentMSecsSinceEpoch()) / 1000.0;
    ComparisonItem item;
    item.prompt = v.prompt;
    item.responses = v.responses;
    item.new_tokens = v.new_tokens;
    std::set<std::string> taken;
    for (const SetInfo& s : sets())
        taken.insert(s.name);
    const Impl& d = *d_;
    // The set of this pair of runs and checkpoints (model_a and model_b in this order), if any.
    auto find_set = [&]() -> std::optional<int64_t> {
        QSqlQuery q = d.prepare(
            "SELECT s.id FROM sets s JOIN models a ON a.set_id = s.id AND a.slot = 0"
            " JOIN models b ON b.set_id = s.id AND b.slot = 1 WHERE s.source_dir = ?"
            " AND a.run = ? AND a.checkpoint = ? AND b.run = ? AND b.checkpoint = ?"
            " ORDER BY s.id LIMIT 1");
        q.addBindValue(QString(kChatSource));
        for (const ComparisonModel& m : v.models) {
            q.addBindValue(QString::fromStdString(m.run));
            q.addBindValue(QString::fromStdString(m.checkpoint));
        }
        d.run(q);
        if (!q.next())
            return std::nullopt;
        return q.value(0).toLongLong();
    };
    auto next_value = [&](const char* sql, int64_t set_id) -> int64_t {
        QSqlQuery q = d.prepare(sql);
        q.addBindValue(static_cast<qint64>(set_id));
        d.run(q);
        return q.next() ? q.value(0).toLongLong() : 0;
    };
    d.begin();
    try {
        std::optional<int64_t> set_id = find_set();
        if (set_id) {
            item.index =
                next_value("SELECT COALESCE(MAX(idx) + 1, 0) FROM items WHERE set_id = ?", *set_id);
            d_->insertItems(*set_id, {item});
        } else {
            ComparisonSet set;
            set.dir = kChatSource;
            set.models = v.models;
            set.prompt_source = "the Chat tab (blinded)";
            set.created = QDateTime::currentDateTimeUtc().toString(Qt::ISODate).toStdString();
            set.generation_json = v.generation_json;
            nlohmann::json models = nlohmann::json::array();
            for (const ComparisonModel& m : v.models)
                models.push_back({{"name", m.name}, {"run", m.run}, {"checkpoint", m.checkpoint}});
            set.comparison_json =
                nlohmann::json{{"version", 1}, {"source", kChatSource}, {"models", models}}.dump();
            set.items = {item};
            const std::array<std::string, 2> names = distinctModelNames(set);
            ImportOptions options;
            options.seed = 0;
            options.auto_judge = false;
            set_id = d_->insertSet(
                set, uniqueSetName("chat: " + names[0] + " vs " + names[1], taken), names, options);
        }
        QSqlQuery p = d_->prepare(
            "INSERT INTO presentations (set_id, item_idx, position, model_a_left, swapped_repeat)"
            " VALUES (?, ?, ?, ?, 0)");
        p.addBindValue(static_cast<qint64>(*set_id));
        p.addBindValue(static_cast<qint64>(item.index));
        p.addBindValue(static_cast<qint64>(next_value(
            "SELECT COALESCE(MAX(position) + 1, 0) FROM presentations WHERE set_id = ?", *set_id)));
        p.addBindValue(v.model_a_left ? 1 : 0);
        d_->run(p);
        d_->insertVote(p.lastInsertId().toLongLong(), v.judge, winnerOf(v.choice, v.model_a_left),
                       now);
        d_->commit();
        return *set_id;
    } catch (...) {
        d_->rollback();
        throw;
    }
}

}  // namespace rgpb::judging
