// Exports of the live votes: CSV, FastChat battle JSONL, AlpacaEval annotations. Each file is
// written through rgpb::writeFileAtomic (a temporary beside the target, renamed over it, never
// through a link), so a reader never sees half a file.
#include <nlohmann/json.hpp>

#include <QDateTime>
#include <QString>
#include <cmath>
#include <sstream>

#include "core/util/CsvText.h"
#include "core/util/SafeFile.h"
#include "store/StoreSql.h"

namespace rgpb::judging {

namespace {

std::string isoTime(double tstamp) {
    return QDateTime::fromMSecsSinceEpoch(static_cast<qint64>(std::llround(tstamp * 1000)))
        .toUTC()
        .toString(Qt::ISODateWithMs)
        .toStdString();
}

}  // namespace

std::size_t JudgmentStore::exportCsv(const std::string& file, std::optional<int64_t> set_id) const {
    std::ostringstream out;
    out << "set,item,position,swapped_repeat,judge,winner,model_a,model_b,left_model,"
           "right_model,tokens_a,tokens_b,time_utc,tstamp,prompt,response_a,response_b,"
           "reference\n";
    const auto rows = d_->voteRows(set_id);
    for (const VoteRow& r : rows) {
        const std::string& left = r.model_a_left ? r.model_a : r.model_b;
        const std::string& right = r.model_a_left ? r.model_b : r.model_a;
        std::ostringstream t;
        t.precision(15);
        t << r.tstamp;
        out << csvField(r.set_name) << ',' << r.item_index << ',' << r.position << ','
            << (r.swapped_repeat ? 1 : 0) << ',' << csvField(r.judge) << ',' << winnerName(r.winner)
            << ',' << csvField(r.model_a) << ',' << csvField(r.model_b) << ',' << csvField(left)
            << ',' << csvField(right) << ',' << r.tokens_a << ',' << r.tokens_b << ','
            << isoTime(r.tstamp) << ',' << t.str() << ',' << csvField(r.prompt) << ','
            << csvField(r.response_a) << ',' << csvField(r.response_b) << ','
            << csvField(r.reference.value_or("")) << '\n';
    }
    writeFileAtomic(file, out.str());
    return rows.size();
}

std::size_t JudgmentStore::exportFastChat(const std::string& file,
                                          std::optional<int64_t> set_id) const {
    std::ostringstream out;
    std::size_t n = 0;
    for (const VoteRow& r : d_->voteRows(set_id)) {
        if (r.winner == Winner::Skip)
            continue;
        // FastChat's model_a is the model shown on the left.
        const bool a_left = r.model_a_left;
        const std::string& left = a_left ? r.model_a : r.model_b;
        const std::string& right = a_left ? r.model_b : r.model_a;
        const std::string& left_text = a_left ? r.response_a : r.response_b;
        const std::string& right_text = a_left ? r.response_b : r.response_a;
        std::string winner;
        switch (r.winner) {
            case Winner::ModelA:
                winner = a_left ? "model_a" : "model_b";
                break;
            case Winner::ModelB:
                winner = a_left ? "model_b" : "model_a";
                break;
            case Winner::Tie:
                winner = "tie";
                break;
            default:
                winner = "tie (bothbad)";
                break;
        }
        nlohmann::ordered_json j;
        j["question_id"] = r.set_name + ":" + std::to_string(r.item_index);
        j["model_a"] = left;
        j["model_b"] = right;
        j["winner"] = winner;
        j["judge"] = r.judge;
        j["turn"] = 1;
        j["anony"] = true;
        j["tstamp"] = r.tstamp;
        j["shown_order"] = {left, right};
        j["position"] = r.position;
        j["swapped_repeat"] = r.swapped_repeat;
        j["conversation_a"] = {{{"role", "user"}, {"content", r.prompt}},
                               {{"role", "assistant"}, {"content", left_text}}};
        j["conversation_b"] = {{{"role", "user"}, {"content", r.prompt}},
                               {{"role", "assistant"}, {"content", right_text}}};
        out << j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << '\n';
        ++n;
    }
    writeFileAtomic(file, out.str());
    return n;
}

std::size_t JudgmentStore::exportAlpacaEval(const std::string& file,
                                            std::optional<int64_t> set_id) const {
    nlohmann::ordered_json all = nlohmann::ordered_json::array();
    for (const VoteRow& r : d_->voteRows(set_id)) {
        if (r.winner == Winner::Skip)
            continue;
        nlohmann::ordered_json j;
        j["instruction"] = r.prompt;
        j["output_1"] = r.response_a;
        j["output_2"] = r.response_b;
        j["generator_1"] = r.model_a;
        j["generator_2"] = r.model_b;
        j["preference"] = r.winner == Winner::ModelA ? 1.0 : r.winner == Winner::ModelB ? 2.0 : 1.5;
        j["annotator"] = r.judge;
        j["both_bad"] = r.winner == Winner::BothBad;
        j["dataset"] = r.set_name;
        j["item"] = r.item_index;
        j["swapped_repeat"] = r.swapped_repeat;
        all.push_back(std::move(j));
    }
    writeFileAtomic(file, all.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n");
    return all.size();
}

}  // namespace rgpb::judging
