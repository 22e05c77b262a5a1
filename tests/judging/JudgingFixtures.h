// Test helper: writes small comparison set directories in the `rgpb compare` format
// (comparison.json + items.jsonl) for the judging tests.
#pragma once

#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QString>
#include <optional>
#include <string>
#include <vector>

namespace rgpb::test {

struct FixtureItem {
    std::string prompt;
    std::string response_0, response_1;
    int tokens_0 = 0, tokens_1 = 0;
    std::optional<std::string> reference;
};

// The synthetic task's shape: "Al has pink. Bo has gold.\nUser: Bo?\nAssistant:" -> " Bo has gold."
inline std::string syntheticPrompt(int i) {
    static const char* names[] = {"Al", "Bo", "Cy", "Di", "Ed", "Jo"};
    static const char* colours[] = {"red", "blue", "gold", "pink", "lime", "navy"};
    const char* n1 = names[i % 6];
    const char* n2 = names[(i + 1) % 6];
    const char* c1 = colours[i % 6];
    const char* c2 = colours[(i + 2) % 6];
    const char* asked = i % 2 ? n2 : n1;
    return std::string(n1) + " has " + c1 + ". " + n2 + " has " + c2 + ".\nUser: " + asked +
           "?\nAssistant:";
}

inline std::string syntheticAnswerFor(int i) {
    static const char* names[] = {"Al", "Bo", "Cy", "Di", "Ed", "Jo"};
    static const char* colours[] = {"red", "blue", "gold", "pink", "lime", "navy"};
    return i % 2 ? std::string(" ") + names[(i + 1) % 6] + " has " + colours[(i + 2) % 6] + "."
                 : std::string(" ") + names[i % 6] + " has " + colours[i % 6] + ".";
}

inline void writeComparisonSet(const QString& dir, const std::vector<FixtureItem>& items,
                               const QString& model_0 = "exmate-dpo",
                               const QString& model_1 = "sft-dpo") {
    QDir().mkpath(dir);
    QJsonObject meta;
    meta["version"] = 1;
    QJsonArray models;
    for (const QString& m : {model_0, model_1}) {
        QJsonObject o;
        o["name"] = m;
        o["run"] = "/runs/" + m;
        o["checkpoint"] = "final";
        models.append(o);
    }
    meta["models"] = models;
    QJsonObject gen;
    gen["max_new_tokens"] = 24;
    gen["temperature"] = 0.0;
    gen["top_k"] = 0;
    gen["top_p"] = 1.0;
    gen["seed"] = 1;
    meta["generation"] = gen;
    meta["prompt_source"] = "test fixture";
    meta["created"] = "2026-11-23T00:00:00Z";
    QFile m(dir + "/comparison.json");
    m.open(QIODevice::WriteOnly);
    m.write(QJsonDocument(meta).toJson());
    m.close();
    QFile f(dir + "/items.jsonl");
    f.open(QIODevice::WriteOnly);
    for (std::size_t i = 0; i < items.size(); ++i) {
        const FixtureItem& it = items[i];
        QJsonObject o;
        o["index"] = static_cast<int>(i);
        o["prompt"] = QString::fromStdString(it.prompt);
        o["responses"] = QJsonArray{QString::fromStdString(it.response_0),
                                    QString::fromStdString(it.response_1)};
        o["new_tokens"] = QJsonArray{it.tokens_0, it.tokens_1};
        o["reference"] = it.reference ? QJsonValue(QString::fromStdString(*it.reference))
                                      : QJsonValue(QJsonValue::Null);
        f.write(QJsonDocument(o).toJson(QJsonDocument::Compact) + "\n");
    }
}

// n plain items (no reference): prompt "prompt i", responses "zero i" / "one i" with
// token counts i % 3 + 1 and 2.
inline std::vector<FixtureItem> plainItems(int n) {
    std::vector<FixtureItem> out;
    for (int i = 0; i < n; ++i) {
        FixtureItem it;
        it.prompt = "prompt " + std::to_string(i);
        it.response_0 = "zero " + std::to_string(i);
        it.response_1 = "one " + std::to_string(i);
        it.tokens_0 = i % 3 + 1;
        it.tokens_1 = 2;
        out.push_back(it);
    }
    return out;
}

}  // namespace rgpb::test
