#include "store/JudgmentStore.h"

#include <QDateTime>
#include <QFile>
#include <QFileInfo>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QStringList>
#include <QUrl>
#include <QVariant>
#include <algorithm>
#include <atomic>
#include <cmath>
#include <set>

#include <unistd.h>

#include "core/data/SeededRandom.h"
#include "core/util/Error.h"
#include "store/StoreSql.h"

namespace rgpb::judging {

Winner winnerOf(SideChoice choice, bool model_a_left) {
    switch (choice) {
        case SideChoice::Left:
            return model_a_left ? Winner::ModelA : Winner::ModelB;
        case SideChoice::Right:
            return model_a_left ? Winner::ModelB : Winner::ModelA;
        case SideChoice::Tie:
            return Winner::Tie;
        case SideChoice::BothBad:
            return Winner::BothBad;
        case SideChoice::Skip:
            return Winner::Skip;
    }
    return Winner::Skip;
}

namespace {

// 'RGPB' as a big-endian 32-bit integer, in the SQLite header's application_id field.
constexpr int kApplicationId = 0x52475042;

const char* const kSchema[] = {
    "CREATE TABLE sets (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, source_dir TEXT,"
    " comparison_json TEXT NOT NULL, generation_json TEXT, prompt_source TEXT, created TEXT,"
    " imported TEXT NOT NULL, seed INTEGER NOT NULL, repeat_fraction REAL NOT NULL)",
    "CREATE TABLE models (set_id INTEGER NOT NULL REFERENCES sets(id), slot INTEGER NOT NULL"
    " CHECK (slot IN (0, 1)), name TEXT NOT NULL, run TEXT, checkpoint TEXT,"
    " PRIMARY KEY (set_id, slot))",
    "CREATE TABLE items (set_id INTEGER NOT NULL REFERENCES sets(id), idx INTEGER NOT NULL,"
    " prompt TEXT NOT NULL, response_a TEXT NOT NULL, response_b TEXT NOT NULL,"
    " tokens_a INTEGER NOT NULL, tokens_b INTEGER NOT NULL, reference TEXT,"
    " PRIMARY KEY (set_id, idx))",
    // One row per showing; model_a_left is the seeded side, swapped_repeat the second showing.
    "CREATE TABLE presentations (id INTEGER PRIMARY KEY, set_id INTEGER NOT NULL"
    " REFERENCES sets(id), item_idx INTEGER NOT NULL, position INTEGER NOT NULL,"
    " model_a_left INTEGER NOT NULL, swapped_repeat INTEGER NOT NULL,"
    " UNIQUE (set_id, position), FOREIGN KEY (set_id, item_idx) REFERENCES items(set_id, idx))",
    // Undo and replacement keep the row (undone = 1) so the history stays auditable.
    "CREATE TABLE votes (id INTEGER PRIMARY KEY, presentation_id INTEGER NOT NULL"
    " REFERENCES presentations(id), judge TEXT NOT NULL, winner TEXT NOT NULL CHECK (winner IN"
    " ('model_a', 'model_b', 'tie', 'both_bad', 'skip')), tstamp REAL NOT NULL,"
    " undone INTEGER NOT NULL DEFAULT 0)",
    "CREATE INDEX votes_by_presentation ON votes (presentation_id, judge, undone)",
};

std::atomic<int> connection_counter{0};

QString printableStart(const QByteArray& bytes) {
    QString out;
    for (char c : bytes.left(16)) {
        const auto u = static_cast<unsigned char>(c);
        out +=
            (u >= 32 && u < 127) ? QString(QChar(c)) : QString("\\x%1").arg(u, 2, 16, QChar('0'));
    }
    return out;
}

// Opens `db` on `file` for reading only. A WAL-mode database (ours are) needs its -shm file
// beside it, which SQLite cannot create in a folder nobody may write (a read-only share or
// snapshot) or on a full disk: there the file is opened as immutable, read exactly as it is on
// disk, which is the whole database when no -wal file holds pages not yet written back.
void setReadOnly(QSqlDatabase& db, const QString& file) {
    const QFileInfo info(file);
    const bool folder_writable =
        ::access(QFile::encodeName(info.absolutePath()).constData(), W_OK) == 0 &&
        !diskIsFull(QFile::encodeName(file).toStdString());
    const QFileInfo wal(file + "-wal");
    if (folder_writable || (wal.exists() && wal.size() > 0)) {
        db.setDatabaseName(file);
        db.setConnectOptions("QSQLITE_OPEN_READONLY");
        return;
    }
    QUrl url = QUrl::fromLocalFile(info.absoluteFilePath());
    url.setQuery("immutable=1");
    db.setDatabaseName(url.toString(QUrl::FullyEncoded));
    db.setConnectOptions("QSQLITE_OPEN_READONLY;QSQLITE_OPEN_URI");
}

// What an existing file says about itself, read without writing to it (WAL mode would
// rewrite the header): SQLite's application_id and user_version, and its tables.
struct FileIdentity {
    int app_id = 0, version = 0;
    QStringList tables;
};

FileIdentity identify(const std::string& path, const QString& file, const QString& connection) {
    QFile f(file);
    if (!f.open(QIODevice::ReadOnly))
        throw InputError(path, "cannot be read: " + f.errorString().toStdString());
    const QByteArray head = f.read(16);
    if (head != QByteArray("SQLite format 3\0", 16))
        throw InputError(path, "is not an SQLite database (it starts with \"" +
                                   printableStart(head).toStdString() +
                                   "\"); expected an RGPB judgments database");
    f.close();
    FileIdentity id;
    QString error;
    bool ok = false;
    {
        QSqlDatabase probe = QSqlDatabase::addDatabase("QSQLITE", connection);
        setReadOnly(probe, file);
        ok = probe.open();
        error = probe.lastError().text();
        if (ok) {
            QSqlQuery q(probe);
            ok = q.exec("PRAGMA application_id") && q.next();
            if (ok)
                id.app_id = q.value(0).toInt();
            ok = ok && q.exec("PRAGMA user_version") && q.next();
            if (ok)
                id.version = q.value(0).toInt();
            ok = ok && q.exec("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name");
            while (ok && q.next())
                id.tables << q.value(0).toString();
            if (!ok)
                error = q.lastError().text();
        }
        probe.close();
    }
    QSqlDatabase::removeDatabase(connection);
    if (!ok)
        throw InputError(path, "cannot be read as an SQLite database: " + error.toStdString() +
                                   diskFullNote(path));
    return id;
}

// True for an RGPB judgments database this build reads, false for an empty SQLite database
// (ours to initialise); anything else is refused, untouched, with what it is.
bool isOurs(const std::string& path, const FileIdentity& id) {
    if (id.app_id != kApplicationId) {
        if (!id.tables.isEmpty()) {
            throw InputError(path, QString("is an SQLite database of another application "
                                           "(application_id %1, tables: %2), not an RGPB "
                                           "judgments database")
                                       .arg(id.app_id)
                                       .arg(id.tables.join(", "))
                                       .toStdString());
        }
        return false;
    }
    if (id.version > JudgmentStore::kSchemaVersion) {
        throw InputError(path, "has judgments schema version " + std::to_string(id.version) +
                                   ", newer than this build reads (" +
                                   std::to_string(JudgmentStore::kSchemaVersion) +
                                   "); open it with a newer rgpb");
    }
    if (id.version < 1) {
        throw InputError(path,
                         "is marked as an RGPB database but has no schema version "
                         "(user_version 0); it was not written by rgpb");
    }
    return true;
}

// A name for the imported set: the given one (which must be new), or the set's folder name
// made unique with " (2)", " (3)", ...
std::string setNameFor(const ComparisonSet& set, const ImportOptions& options,
                       const std::set<std::string>& taken, const std::string& db_path) {
    std::string name = options.name;
    if (!name.empty()) {
        if (taken.count(name))
            throw ArgumentError("import", "name", "a set name not in " + db_path, "'" + name + "'");
        return name;
    }
    name = QFileInfo(QString::fromStdString(set.dir)).fileName().toStdString();
    return uniqueSetName(name.empty() ? "set" : name, taken);
}

}  // namespace

std::string uniqueSetName(const std::string& base, const std::set<std::string>& taken) {
    std::string name = base;
    for (int k = 2; taken.count(name); ++k)
        name = base + " (" + std::to_string(k) + ")";
    return name;
}

// Two checkpoints of one run would share a name; keep the pair distinguishable.
std::array<std::string, 2> distinctModelNames(const ComparisonSet& set) {
    std::array<std::string, 2> names = {set.models[0].name, set.models[1].name};
    if (names[0] == names[1]) {
        names[0] += "@" + set.models[0].checkpoint;
        names[1] += "@" + set.models[1].checkpoint;
        if (names[0] == names[1])
            names[1] += " (2)";
    }
    return names;
}

JudgmentStore::JudgmentStore(const std::string& path, Mode mode) : d_(std::make_unique<Impl>()) {
    d_->path = path;
    d_->connection = QString("rgpb-judgments-%1").arg(connection_counter.fetch_add(1));
    const QString file = QString::fromStdString(path);
    QFileInfo info(file);
    const bool exists = info.exists();
    if (exists && !info.isFile())
        throw InputError(path, "is not a regular file (expected a judgments database)");
    if (!exists && mode == Mode::ReadOnly)
        throw InputError(path, "does not exist (expected a judgments database)");

    bool fresh = !exists || info.size() == 0;
    int version = kSchemaVersion;
    if (!fresh) {
        const FileIdentity id = identify(path, file, d_->connection + "-probe");
        fresh = !isOurs(path, id);
        version = fresh ? kSchemaVersion : id.version;
    }

    QSqlDatabase db = QSqlDatabase::addDatabase("QSQLITE", d_->connection);
    if (mode == Mode::ReadOnly)
        setReadOnly(db, file);
    else
        db.setDatabaseName(file);
    if (!db.open()) {
        const std::string error = db.lastError().text().toStdString();
        db = QSqlDatabase();
        QSqlDatabase::removeDatabase(d_->connection);
        throw InputError(path, "cannot be opened: " + error + diskFullNote(path));
    }
    try {
        if (mode == Mode::ReadWrite) {
            d_->exec("PRAGMA journal_mode = WAL");
            d_->exec("PRAGMA synchronous = FULL");
        }
        d_->exec("PRAGMA foreign_keys = ON");
        if (fresh) {
            if (mode == Mode::ReadOnly)
                throw InputError(path, "is an empty database (expected judgments)");
            d_->begin();
            for (const char* statement : kSchema)
                d_->exec(statement);
            d_->createModelAnswers();
            d_->exec(QString("PRAGMA application_id = %1").arg(kApplicationId));
            d_->exec(QString("PRAGMA user_version = %1").arg(kSchemaVersion));
            d_->commit();
        } else if (version < kSchemaVersion && mode == Mode::ReadWrite) {
            d_->migrate(version);
            version = kSchemaVersion;
        }
        d_->version = version;
    } catch (...) {
        d_->close();
        throw;
    }
}

JudgmentStore::~JudgmentStore() {
    d_->close();
}

const std::string& JudgmentStore::path() const {
    return d_->path;
}

int JudgmentStore::schemaVersion() const {
    return d_->version;
}

int64_t JudgmentStore::importSet(const ComparisonSet& set, const ImportOptions& options) {
    requireArgument(options.repeat_fraction >= 0 && options.repeat_fraction <= 1,
                    "JudgmentStore::importSet", "repeat_fraction", "in [0, 1]",
                    options.repeat_fraction);
    std::set<std::string> taken;
    for (const SetInfo& s : sets())
        taken.insert(s.name);
    const std::string name = setNameFor(set, options, taken, d_->path);
    d_->begin();
    try {
        const int64_t set_id = d_->insertSet(set, name, distinctModelNames(set), options);
        const std::vector<int64_t> first_showing = d_->insertPresentations(set_id, set, options);
        if (options.auto_judge)
            d_->insertAutoJudgeVotes(set, first_showing);
        d_->commit();
        return set_id;
    } catch (...) {
        d_->rollback();
        throw;
    }
}

int64_t JudgmentStore::Impl::insertSet(const ComparisonSet& set, const std::string& name,
                                       const std::array<std::string, 2>& model_names,
                                       const ImportOptions& options) const {
    QSqlQuery q = prepare(
        "INSERT INTO sets (name, source_dir, comparison_json, generation_json, prompt_source,"
        " created, imported, seed, repeat_fraction) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)");
    q.addBindValue(QString::fromStdString(name));
    q.addBindValue(QString::fromStdString(set.dir));
    q.addBindValue(QString::fromStdString(set.comparison_json));
    q.addBindValue(QString::fromStdString(set.generation_json));
    q.addBindValue(QString::fromStdString(set.prompt_source));
    q.addBindValue(QString::fromStdString(set.created));
    q.addBindValue(QDateTime::currentDateTimeUtc().toString(Qt::ISODate));
    q.addBindValue(static_cast<qint64>(options.seed));
    q.addBindValue(options.repeat_fraction);
    run(q);
    const int64_t set_id = q.lastInsertId().toLongLong();
    for (int m = 0; m < 2; ++m) {
        QSqlQuery mq = prepare(
            "INSERT INTO models (set_id, slot, name, run, checkpoint) VALUES (?, ?, ?, ?, ?)");
        mq.addBindValue(static_cast<qint64>(set_id));
        mq.addBindValue(m);
        mq.addBindValue(QString::fromStdString(model_names[static_cast<std::size_t>(m)]));
        mq.addBindValue(QString::fromStdString(set.models[static_cast<std::size_t>(m)].run));
        mq.addBindValue(QString::fromStdString(set.models[static_cast<std::size_t>(m)].checkpoint));
        run(mq);
    }
    insertItems(set_id, set.items);
    return set_id;
}

void JudgmentStore::Impl::insertItems(int64_t set_id,
                                      const std::vector<ComparisonItem>& items) const {
    QSqlQuery iq = prepare(
        "INSERT INTO items (set_id, idx, prompt, response_a, response_b, tokens_a, tokens_b,"
        " reference) VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
    for (const ComparisonItem& item : items) {
        iq.addBindValue(static_cast<qint64>(set_id));
        iq.addBindValue(static_cast<qint64>(item.index));
        iq.addBindValue(QString::fromStdString(item.prompt));
        iq.addBindValue(QString::fromStdString(item.responses[0]));
        iq.addBindValue(QString::fromStdString(item.responses[1]));
        iq.addBindValue(static_cast<qint64>(item.new_tokens[0]));
        iq.addBindValue(static_cast<qint64>(item.new_tokens[1]));
        iq.addBindValue(item.reference ? QVariant(QString::fromStdString(*item.reference))
                                       : QVariant(QMetaType::fromType<QString>()));
        run(iq);
    }
}

std::vector<int64_t> JudgmentStore::Impl::insertPresentations(int64_t set_id,
                                                              const ComparisonSet& set,
                                                              const ImportOptions& options) const {
    // Sides: one draw per item in file order; repeats: a seeded choice of
    // round(fraction * n) items, shown after all first showings, shuffled, sides swapped.
    SeededRandom rng(options.seed);
    std::vector<bool> a_left;
    for (std::size_t i = 0; i < set.items.size(); ++i)
        a_left.push_back(rng.below(2) == 0);
    std::vector<std::size_t> order(set.items.size());
    for (std::size_t i = 0; i < order.size(); ++i)
        order[i] = i;
    rng.shuffle(order);
    const auto repeats = static_cast<std::size_t>(
        std::llround(options.repeat_fraction * static_cast<double>(set.items.size())));
    order.resize(std::min(repeats, order.size()));
    QSqlQuery pq = prepare(
        "INSERT INTO presentations (set_id, item_idx, position, model_a_left, swapped_repeat)"
        " VALUES (?, ?, ?, ?, ?)");
    std::vector<int64_t> first_showing;
    int64_t position = 0;
    auto present = [&](std::size_t i, bool left, bool repeat) {
        pq.addBindValue(static_cast<qint64>(set_id));
        pq.addBindValue(static_cast<qint64>(set.items[i].index));
        pq.addBindValue(static_cast<qint64>(position++));
        pq.addBindValue(left ? 1 : 0);
        pq.addBindValue(repeat ? 1 : 0);
        run(pq);
        return static_cast<int64_t>(pq.lastInsertId().toLongLong());
    };
    for (std::size_t i = 0; i < set.items.size(); ++i)
        first_showing.push_back(present(i, a_left[i], false));
    for (std::size_t i : order)
        present(i, !a_left[i], true);
    return first_showing;
}

void JudgmentStore::Impl::insertAutoJudgeVotes(const ComparisonSet& set,
                                               const std::vector<int64_t>& first_showing) const {
    const double now = static_cast<double>(QDateTime::currentMSecsSinceEpoch()) / 1000.0;
    for (std::size_t i = 0; i < set.items.size(); ++i) {
        const ComparisonItem& item = set.items[i];
        if (!item.reference || item.reference->empty())
            continue;
        const Winner w =
            autoJudge(item.prompt, *item.reference, item.responses[0], item.responses[1]);
        insertVote(first_showing[i], kAutoJudgeName, w, now);
    }
}

std::vector<SetInfo> JudgmentStore::sets() const {
    QSqlQuery q = d_->prepare(
        "SELECT s.id, s.name, s.source_dir, s.prompt_source, s.imported,"
        " (SELECT name FROM models WHERE set_id = s.id AND slot = 0),"
        " (SELECT name FROM models WHERE set_id = s.id AND slot = 1),"
        " (SELECT COUNT(*) FROM items WHERE set_id = s.id),"
        " (SELECT COUNT(*) FROM presentations WHERE set_id = s.id)"
        " FROM sets s ORDER BY s.id");
    d_->run(q);
    std::vector<SetInfo> out;
    while (q.next()) {
        SetInfo s;
        s.id = q.value(0).toLongLong();
        s.name = q.value(1).toString().toStdString();
        s.source_dir = q.value(2).toString().toStdString();
        s.prompt_source = q.value(3).toString().toStdString();
        s.imported = q.value(4).toString().toStdString();
        s.models = {q.value(5).toString().toStdString(), q.value(6).toString().toStdString()};
        s.items = q.value(7).toLongLong();
        s.presentations = q.value(8).toLongLong();
        out.push_back(std::move(s));
    }
    return out;
}

SetInfo JudgmentStore::set(const std::string& name) const {
    std::string names;
    for (const SetInfo& s : sets()) {
        if (s.name == name)
            return s;
        names += (names.empty() ? "'" : ", '") + s.name + "'";
    }
    throw InputError(d_->path, "has no comparison set named '" + name + "' (sets: " +
                                   (names.empty() ? std::string("none") : names) + ")");
}

std::vector<Presentation> JudgmentStore::presentations(int64_t set_id) const {
    QSqlQuery q =
        d_->prepare(Impl::kPresentationSelect + QString(" WHERE p.set_id = ? ORDER BY p.position"));
    q.addBindValue(static_cast<qint64>(set_id));
    d_->run(q);
    std::vector<Presentation> out;
    while (q.next())
        out.push_back(Impl::presentationFrom(q));
    return out;
}

Presentation JudgmentStore::presentation(int64_t presentation_id) const {
    QSqlQuery q = d_->prepare(Impl::kPresentationSelect + QString(" WHERE p.id = ?"));
    q.addBindValue(static_cast<qint64>(presentation_id));
    d_->run(q);
    if (!q.next())
        throw InputError(d_->path, "has no presentation " + std::to_string(presentation_id));
    return Impl::presentationFrom(q);
}

std::optional<Presentation> JudgmentStore::nextFor(int64_t set_id, const std::string& judge) const {
    QSqlQuery q =
        d_->prepare(Impl::kPresentationSelect +
                    QString(" WHERE p.set_id = ? AND NOT EXISTS (SELECT 1 FROM votes v WHERE"
                            " v.presentation_id = p.id AND v.judge = ? AND v.undone = 0)"
                            " ORDER BY p.position LIMIT 1"));
    q.addBindValue(static_cast<qint64>(set_id));
    q.addBindValue(QString::fromStdString(judge));
    d_->run(q);
    if (!q.next())
        return std::nullopt;
    return Impl::presentationFrom(q);
}

int64_t JudgmentStore::judgedCount(int64_t set_id, const std::string& judge) const {
    QSqlQuery q = d_->prepare(
        "SELECT COUNT(DISTINCT v.presentation_id) FROM votes v JOIN presentations p ON"
        " p.id = v.presentation_id WHERE p.set_id = ? AND v.judge = ? AND v.undone = 0");
    q.addBindValue(static_cast<qint64>(set_id));
    q.addBindValue(QString::fromStdString(judge));
    d_->run(q);
    return q.next() ? q.value(0).toLongLong() : 0;
}

int64_t JudgmentStore::recordVote(int64_t presentation_id, const std::string& judge,
                                  Winner winner) {
    requireArgument(!judge.empty() && judge != kAutoJudgeName, "recordVote", "judge",
                    "a non-empty judge name other than 'auto' (the automatic judge's)",
                    "'" + judge + "'");
    const double now = static_cast<double>(QDateTime::currentMSecsSinceEpoch()) / 1000.0;
    d_->begin();
    try {
        QSqlQuery check = d_->prepare("SELECT 1 FROM presentations WHERE id = ?");
        check.addBindValue(static_cast<qint64>(presentation_id));
        d_->run(check);
        if (!check.next())
            throw InputError(d_->path, "has no presentation " + std::to_string(presentation_id));
        QSqlQuery replace = d_->prepare(
            "UPDATE votes SET undone = 1 WHERE presentation_id = ? AND judge = ? AND undone = 0");
        replace.addBindValue(static_cast<qint64>(presentation_id));
        replace.addBindValue(QString::fromStdString(judge));
        d_->run(replace);
        const int64_t id = d_->insertVote(presentation_id, judge, winner, now);
        d_->commit();
        return id;
    } catch (...) {
        d_->rollback();
        throw;
    }
}

std::optional<StoredVote> JudgmentStore::undoLastVote(int64_t set_id, const std::string& judge) {
    d_->begin();
    try {
        QSqlQuery q = d_->prepare(
            "SELECT v.id, v.presentation_id, v.winner, v.tstamp FROM votes v JOIN presentations p"
            " ON p.id = v.presentation_id WHERE p.set_id = ? AND v.judge = ? AND v.undone = 0"
            " ORDER BY v.id DESC LIMIT 1");
        q.addBindValue(static_cast<qint64>(set_id));
        q.addBindValue(QString::fromStdString(judge));
        d_->run(q);
        if (!q.next()) {
            d_->rollback();
            return std::nullopt;
        }
        StoredVote v;
        v.id = q.value(0).toLongLong();
        v.presentation_id = q.value(1).toLongLong();
        v.judge = judge;
        v.winner = parseWinner(q.value(2).toString().toStdString());
        v.tstamp = q.value(3).toDouble();
        QSqlQuery u = d_->prepare("UPDATE votes SET undone = 1 WHERE id = ?");
        u.addBindValue(static_cast<qint64>(v.id));
        d_->run(u);
        d_->commit();
        return v;
    } catch (...) {
        d_->rollback();
        throw;
    }
}

std::vector<StoredVote> JudgmentStore::liveVotes(int64_t set_id) const {
    QSqlQuery q = d_->prepare(
        "SELECT v.id, v.presentation_id, v.judge, v.winner, v.tstamp FROM votes v JOIN"
        " presentations p ON p.id = v.presentation_id WHERE p.set_id = ? AND v.undone = 0"
        " ORDER BY v.id");
    q.addBindValue(static_cast<qint64>(set_id));
    d_->run(q);
    std::vector<StoredVote> out;
    while (q.next()) {
        StoredVote v;
        v.id = q.value(0).toLongLong();
        v.presentation_id = q.value(1).toLongLong();
        v.judge = q.value(2).toString().toStdString();
        v.winner = parseWinner(q.value(3).toString().toStdString());
        v.tstamp = q.value(4).toDouble();
        out.push_back(std::move(v));
    }
    return out;
}

std::vector<Vote> JudgmentStore::statsVotes(std::optional<int64_t> set_id) const {
    std::vector<Vote> out;
    for (const VoteRow& r : d_->voteRows(set_id)) {
        Vote v;
        v.item = r.set_name + ":" + std::to_string(r.item_index);
        v.judge = r.judge;
        v.model_a = r.model_a;
        v.model_b = r.model_b;
        v.winner = r.winner;
        v.model_a_left = r.model_a_left;
        v.swapped_repeat = r.swapped_repeat;
        v.length_a = static_cast<double>(r.tokens_a);
        v.length_b = static_cast<double>(r.tokens_b);
        out.push_back(std::move(v));
    }
    return out;
}

}  // namespace rgpb::judging
