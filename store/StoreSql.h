// Implementation detail of JudgmentStore (shared by JudgmentStore.cpp and JudgmentExport.cpp):
// the connection, statement helpers that turn SQL errors into rgpb::Error naming the file,
// and the joined rows the statistics and exports read.
#pragma once

#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QString>
#include <QVariant>
#include <array>
#include <filesystem>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/util/Error.h"
#include "store/JudgmentStore.h"

namespace rgpb::judging {

// True when the folder holding `path` has no room left for SQLite's -shm and -wal files (less
// than 64 KiB free).
inline bool diskIsFull(const std::string& path) {
    std::error_code ec;
    const auto folder = std::filesystem::absolute(path, ec).parent_path();
    const auto space = std::filesystem::space(folder, ec);
    return !ec && space.available < 64 * 1024;
}

// What to add to an SQLite error about `path` when its disk is full (SQLite says "disk I/O
// error" when it cannot create its shared-memory file there).
inline std::string diskFullNote(const std::string& path) {
    return diskIsFull(path) ? " (the disk holding it is full; free some space and try again)" : "";
}

// One live vote with everything an export or the statistics need.
struct VoteRow {
    int64_t vote_id = 0;
    std::string set_name;
    int64_t item_index = 0;
    int64_t position = 0;
    bool model_a_left = true;
    bool swapped_repeat = false;
    std::string judge;
    Winner winner = Winner::Skip;
    double tstamp = 0;
    std::string model_a, model_b;
    std::string prompt, response_a, response_b;
    int64_t tokens_a = 0, tokens_b = 0;
    std::optional<std::string> reference;
};

struct JudgmentStore::Impl {
    std::string path;
    QString connection;
    int version = JudgmentStore::kSchemaVersion;  // of the file as opened

    // Schema version 2 (JudgmentModelAnswers.cpp): the model_answers table and its indexes,
    // inside the caller's transaction; migrate() brings a version-1 file up in one transaction.
    void createModelAnswers() const;
    void migrate(int from_version) const;

    QSqlDatabase db() const { return QSqlDatabase::database(connection, false); }

    [[noreturn]] void fail(const QString& what, const QSqlError& error) const {
        throw Error(path + ": database error in " + what.left(80).toStdString() + ": " +
                    error.text().toStdString() + diskFullNote(path));
    }
    void exec(const QString& sql) const {
        QSqlQuery q(db());
        if (!q.exec(sql))
            fail(sql, q.lastError());
    }
    QSqlQuery prepare(const QString& sql) const {
        QSqlQuery q(db());
        if (!q.prepare(sql))
            fail(sql, q.lastError());
        return q;
    }
    void run(QSqlQuery& q) const {
        if (!q.exec())
            fail(q.lastQuery(), q.lastError());
    }
    void begin() const {
        QSqlDatabase d = db();
        if (!d.transaction())
            fail("BEGIN", d.lastError());
    }
    void commit() const {
        QSqlDatabase d = db();
        if (!d.commit())
            fail("COMMIT", d.lastError());
    }
    void rollback() const { db().rollback(); }

    // The steps of importSet (JudgmentStore.cpp), inside its transaction: the set, its two
    // models and its items; one showing per item plus the swapped repeats (returns the id of
    // each item's first showing, in item order); the automatic judge's votes.
    int64_t insertSet(const ComparisonSet& set, const std::string& name,
                      const std::array<std::string, 2>& model_names,
                      const ImportOptions& options) const;
    std::vector<int64_t> insertPresentations(int64_t set_id, const ComparisonSet& set,
                                             const ImportOptions& options) const;
    void insertItems(int64_t set_id, const std::vector<ComparisonItem>& items) const;
    void insertAutoJudgeVotes(const ComparisonSet& set,
                              const std::vector<int64_t>& first_showing) const;
    void close() {
        {
            QSqlDatabase d = db();
            if (d.isValid())
                d.close();
        }
        QSqlDatabase::removeDatabase(connection);
    }

    int64_t insertVote(int64_t presentation_id, const std::string& judge, Winner winner,
                       double tstamp) const {
        QSqlQuery q = prepare(
            "INSERT INTO votes (presentation_id, judge, winner, tstamp) VALUES (?, ?, ?, ?)");
        q.addBindValue(static_cast<qint64>(presentation_id));
        q.addBindValue(QString::fromStdString(judge));
        q.addBindValue(QString(winnerName(winner)));
        q.addBindValue(tstamp);
        run(q);
        return q.lastInsertId().toLongLong();
    }

    static constexpr const char* kPresentationSelect =
        "SELECT p.id, p.set_id, p.item_idx, p.position, p.model_a_left, p.swapped_repeat,"
        " i.prompt, i.response_a, i.response_b, i.reference,"
        " (SELECT name FROM models WHERE set_id = p.set_id AND slot = 0),"
        " (SELECT name FROM models WHERE set_id = p.set_id AND slot = 1)"
        " FROM presentations p JOIN items i ON i.set_id = p.set_id AND i.idx = p.item_idx";

    static Presentation presentationFrom(const QSqlQuery& q) {
        Presentation p;
        p.id = q.value(0).toLongLong();
        p.set_id = q.value(1).toLongLong();
        p.item_index = q.value(2).toLongLong();
        p.position = q.value(3).toLongLong();
        p.model_a_left = q.value(4).toInt() != 0;
        p.swapped_repeat = q.value(5).toInt() != 0;
        p.prompt = q.value(6).toString().toStdString();
        const std::string a = q.value(7).toString().toStdString();
        const std::string b = q.value(8).toString().toStdString();
        if (!q.value(9).isNull())
            p.reference = q.value(9).toString().toStdString();
        const std::string ma = q.value(10).toString().toStdString();
        const std::string mb = q.value(11).toString().toStdString();
        p.left_response = p.model_a_left ? a : b;
        p.right_response = p.model_a_left ? b : a;
        p.left_model = p.model_a_left ? ma : mb;
        p.right_model = p.model_a_left ? mb : ma;
        return p;
    }

    std::vector<VoteRow> voteRows(std::optional<int64_t> set_id) const {
        QSqlQuery q = prepare(
            QString("SELECT v.id, s.name, p.item_idx, p.position, p.model_a_left,"
                    " p.swapped_repeat, v.judge, v.winner, v.tstamp,"
                    " (SELECT name FROM models WHERE set_id = s.id AND slot = 0),"
                    " (SELECT name FROM models WHERE set_id = s.id AND slot = 1),"
                    " i.prompt, i.response_a, i.response_b, i.tokens_a, i.tokens_b, i.reference"
                    " FROM votes v JOIN presentations p ON p.id = v.presentation_id"
                    " JOIN sets s ON s.id = p.set_id"
                    " JOIN items i ON i.set_id = p.set_id AND i.idx = p.item_idx"
                    " WHERE v.undone = 0%1 ORDER BY v.id")
                .arg(set_id ? " AND p.set_id = ?" : ""));
        if (set_id)
            q.addBindValue(static_cast<qint64>(*set_id));
        run(q);
        std::vector<VoteRow> out;
        while (q.next()) {
            VoteRow r;
            r.vote_id = q.value(0).toLongLong();
            r.set_name = q.value(1).toString().toStdString();
            r.item_index = q.value(2).toLongLong();
            r.position = q.value(3).toLongLong();
            r.model_a_left = q.value(4).toInt() != 0;
            r.swapped_repeat = q.value(5).toInt() != 0;
            r.judge = q.value(6).toString().toStdString();
            r.winner = parseWinner(q.value(7).toString().toStdString());
            r.tstamp = q.value(8).toDouble();
            r.model_a = q.value(9).toString().toStdString();
            r.model_b = q.value(10).toString().toStdString();
            r.prompt = q.value(11).toString().toStdString();
            r.response_a = q.value(12).toString().toStdString();
            r.response_b = q.value(13).toString().toStdString();
            r.tokens_a = q.value(14).toLongLong();
            r.tokens_b = q.value(15).toLongLong();
            if (!q.value(16).isNull())
                r.reference = q.value(16).toString().toStdString();
            out.push_back(std::move(r));
        }
        return out;
    }
};

// A set name not in `taken`: `base`, else "base (2)", "base (3)", ... (JudgmentStore.cpp).
std::string uniqueSetName(const std::string& base, const std::set<std::string>& taken);
// The pair's names as stored: two checkpoints of one run would share a name, so each gets
// "@<checkpoint>" (JudgmentStore.cpp).
std::array<std::string, 2> distinctModelNames(const ComparisonSet& set);

}  // namespace rgpb::judging
