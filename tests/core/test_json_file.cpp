// JsonFile (core/util/JsonFile.h): the one way a file's text is parsed as JSON. Bad text is an
// InputError naming the file (or file:line) and the parser's position and reason, shortened,
// never the JSON library's own exception or tag.
#include <QtTest>

#include <nlohmann/json.hpp>

#include <string>

#include "core/util/Error.h"
#include "core/util/JsonFile.h"
#include "tests/support/ErrorText.h"
#include "tests/support/TestMain.h"

// This file's code has its own namespace: the group's tests build as one unity batch.
namespace rgpb_test_json_file {

using namespace rgpb;
using rgpb::test::contains;
using rgpb::test::messageOf;

namespace {

bool startsWith(const std::string& text, const std::string& prefix) {
    return text.rfind(prefix, 0) == 0;
}

}  // namespace

class JsonFileTest : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void parsesValidText() {
        const nlohmann::json j = parseJson("{\"a\": [1, 2, 3], \"b\": \"x\"}", "f.json");
        QCOMPARE(j.at("a").at(2).get<int>(), 3);
        QCOMPARE(j.at("b").get<std::string>(), std::string("x"));
        // The ordered variant keeps the keys in the file's order (the other sorts them).
        QCOMPARE(parseOrderedJson("{\"z\": 1, \"a\": 2}", "f.json").dump(),
                 std::string("{\"z\":1,\"a\":2}"));
        QCOMPARE(parseJson("{\"z\": 1, \"a\": 2}", "f.json").dump(),
                 std::string("{\"a\":2,\"z\":1}"));
    }

    // A file: its name, the line and column of the fault (the third line here) and the reason.
    void aFileNamesItselfAndThePosition() {
        const std::string text = "{\n  \"a\": 1,\n  \"b\": tru }\n";
        std::string m = "(no exception)", location;
        try {
            parseJson(text, "dir/f.json");
        } catch (const InputError& e) {
            m = e.what();
            location = e.location();
        }
        QCOMPARE(location, std::string("dir/f.json"));
        QVERIFY2(startsWith(m, "dir/f.json: not valid JSON (line 3, column "), m.c_str());
        QVERIFY2(contains(m, "syntax error") && !contains(m, "[json.exception"), m.c_str());
    }

    // A JSONL record: the caller names the line, the message gives the column and what the
    // line should hold.
    void aLineGivesTheColumnAndWhatWasExpected() {
        const std::string m = messageOf<InputError>(
            [] { parseJson("{\"a\" 1}", "data.jsonl:7", "one JSON object per line"); });
        QVERIFY2(startsWith(m, "data.jsonl:7: not valid JSON (column "), m.c_str());
        QVERIFY2(contains(m, "), expected one JSON object per line") && !contains(m, "line 1"),
                 m.c_str());
        const std::string empty = messageOf<InputError>([] { parseJson("", "e.json"); });
        QVERIFY2(startsWith(empty, "e.json: not valid JSON (column 1: ") &&
                     contains(empty, "end of input"),
                 empty.c_str());
    }

    // Not a syntax error: a number too large for a double (the library's out_of_range.406).
    void aNumberOverflowIsNamedWithoutTheLibraryTag() {
        const std::string m = messageOf<InputError>([] { parseJson("[1e999]", "n.json"); });
        QVERIFY2(startsWith(m, "n.json: not valid JSON (") && contains(m, "1e999") &&
                     !contains(m, "[json.exception"),
                 m.c_str());
    }

    // The library quotes what it read; a huge bad token is shortened, not echoed whole.
    void aHugeBadTokenIsShortened() {
        const std::string text = "[\"" + std::string(100000, 'x') + "\\q\"]";
        const std::string m = messageOf<InputError>([&] { parseJson(text, "big.json"); });
        QVERIFY2(startsWith(m, "big.json: not valid JSON (column "), m.c_str());
        QVERIFY2(m.size() < 400 && contains(m, "characters)"), m.c_str());
    }
};

RGPB_TEST_MAIN(JsonFileTest)
}  // namespace rgpb_test_json_file
#include "test_json_file.moc"
