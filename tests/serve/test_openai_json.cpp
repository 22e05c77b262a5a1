// The OpenAI wire format of `rgpb serve` without a server: request fields read and checked,
// response and chunk shapes, error bodies, and the UTF-8 and stop-string rules streaming relies
// on, on hand-made bytes.
#include <QtTest>

#include "tests/support/TestMain.h"

#include <nlohmann/json.hpp>

#include "core/serve/OpenAiJson.h"

// This file's code has its own namespace: the group's tests build as one unity batch.
namespace rgpb_test_openai_json {

using namespace rgpb;
using namespace rgpb::serve;
using nlohmann::json;

class OpenAiJsonTest : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void readsACompletionRequest() {
        ApiLimits limits;
        limits.max_tokens_limit = 50;
        limits.default_max_tokens = 7;
        const ApiRequest r = parseApiRequest(
            R"({"model": "m", "prompt": ["hi"], "max_tokens": 9, "temperature": 0.5,
                "top_p": 0.9, "top_k": 4, "seed": 12, "stop": ["\n", ""], "stream": true,
                "n": 1, "user": "ignored", "logprobs": null})",
            false, limits);
        QCOMPARE(r.model, std::string("m"));
        QCOMPARE(r.prompt, std::string("hi"));
        QCOMPARE(r.settings.max_new_tokens, int64_t(9));
        QCOMPARE(r.settings.temperature, 0.5);
        QCOMPARE(r.settings.top_p, 0.9);
        QCOMPARE(r.settings.top_k, int64_t(4));
        QCOMPARE(r.settings.seed, uint64_t(12));
        QCOMPARE(r.stops, std::vector<std::string>{"\n"});  // empty stop strings dropped
        QVERIFY(r.stream);
        // Defaults: the server's max_tokens, greedy, no stops, one string stop.
        const ApiRequest d =
            parseApiRequest(R"({"prompt": "x", "stop": "END", "top_k": -1})", false, limits);
        QCOMPARE(d.settings.max_new_tokens, int64_t(7));
        QCOMPARE(d.settings.temperature, 0.0);
        QCOMPARE(d.settings.top_k, int64_t(0));
        QCOMPARE(d.stops, std::vector<std::string>{"END"});
        QVERIFY(!d.stream);
    }

    void readsAChatRequest() {
        const ApiRequest r = parseApiRequest(
            R"({"messages": [{"role": "system", "content": "s"},
                             {"role": "user", "content": [{"type": "text", "text": "a"},
                                                          {"type": "text", "text": "b"}]}],
                "max_completion_tokens": 5})",
            true, {});
        QCOMPARE(r.messages.size(), std::size_t(2));
        QCOMPARE(r.messages[1].role, std::string("user"));
        QCOMPARE(r.messages[1].content, std::string("ab"));
        QCOMPARE(r.settings.max_new_tokens, int64_t(5));
    }

    void errorsNameTheField() {
        try {
            parseApiRequest(R"({"prompt": "x", "top_k": 1.5})", false, {});
            QFAIL("no error");
        } catch (const ApiError& e) {
            QCOMPARE(e.status, 400);
            QCOMPARE(e.param, std::string("top_k"));
            const json body = json::parse(errorJson(e));
            QCOMPARE(body["error"]["param"], json("top_k"));
            QCOMPARE(body["error"]["type"], json("invalid_request_error"));
            QVERIFY(body["error"]["code"].is_null());
            QCOMPARE(body["error"]["message"].get<std::string>(),
                     std::string("top_k: expected a whole number in [-1, 1073741824], got 1.5"));
        }
    }

    void writesOpenAisShapes() {
        ApiResponseHead head{true, "chatcmpl-3", 1700000000, "run"};
        ApiResult result{"hi", "length", 4, 2};
        const json full = json::parse(completionJson(head, result));
        QCOMPARE(full["object"], json("chat.completion"));
        QCOMPARE(full["choices"][0]["message"]["content"], json("hi"));
        QCOMPARE(full["choices"][0]["finish_reason"], json("length"));
        QCOMPARE(full["usage"]["total_tokens"], json(6));
        const std::string role = chunkEvent(head, "", true);
        QVERIFY(role.rfind("data: ", 0) == 0 && role.size() > 8 &&
                role.substr(role.size() - 2) == "\n\n");
        const json r = json::parse(role.substr(6));
        QCOMPARE(r["choices"][0]["delta"], json({{"role", "assistant"}}));
        QVERIFY(r["choices"][0]["finish_reason"].is_null());
        const json last = json::parse(chunkEvent(head, "", false, "stop").substr(6));
        QCOMPARE(last["choices"][0]["delta"], json::object());
        QCOMPARE(last["choices"][0]["finish_reason"], json("stop"));
        head.chat = false;
        const json text = json::parse(chunkEvent(head, "ab").substr(6));
        QCOMPARE(text["object"], json("text_completion"));
        QCOMPARE(text["choices"][0]["text"], json("ab"));
        const json models = json::parse(modelsJson("run", 5));
        QCOMPARE(models["data"][0]["id"], json("run"));
    }

    void utf8Rules() {
        // Invalid bytes become U+FFFD one by one; valid sequences stay.
        QCOMPARE(validUtf8("a\xff"
                           "b"),
                 std::string("a\xEF\xBF\xBD"
                             "b"));
        QCOMPARE(validUtf8("\xC3\xA9"), std::string("\xC3\xA9"));
        QCOMPARE(validUtf8("\xE2\x82"), std::string("\xEF\xBF\xBD\xEF\xBF\xBD"));
        // A trailing sequence still waiting for bytes is not final; complete or broken ones are.
        QCOMPARE(completeUtf8Prefix("ab\xE2\x82"), std::size_t(2));
        QCOMPARE(completeUtf8Prefix("ab\xE2\x82\xAC"), std::size_t(5));
        QCOMPARE(completeUtf8Prefix("a\xF0\x9F\x98"), std::size_t(1));
        QCOMPARE(completeUtf8Prefix("a\xC3"), std::size_t(1));
        QCOMPARE(completeUtf8Prefix("a\x80"), std::size_t(2));
        QCOMPARE(completeUtf8Prefix(""), std::size_t(0));
        // Pieces cut where completeUtf8Prefix allows give the whole text's replacement.
        const std::string text =
            "x\xE2\x82"
            "A\xC3\xA9\xFF";
        const std::size_t cut = completeUtf8Prefix(text.substr(0, 3));
        QCOMPARE(cut, std::size_t(1));
        QCOMPARE(validUtf8(text.substr(0, cut)) + validUtf8(text.substr(cut)), validUtf8(text));
    }

    void stopStringRules() {
        const std::vector<std::string> stops = {"END", "\n\n"};
        QCOMPARE(firstStop("abc\n\nxENDy", stops), std::size_t(3));
        QCOMPARE(firstStop("abc", stops), std::string::npos);
        // A possible start of a stop string at the end is held back.
        QCOMPARE(stopSafePrefix("abcEN", stops), std::size_t(3));
        QCOMPARE(stopSafePrefix("abc\n", stops), std::size_t(3));
        QCOMPARE(stopSafePrefix("abcE!", stops), std::size_t(5));
        QCOMPARE(stopSafePrefix("aENDb", stops), std::size_t(1));
        QCOMPARE(stopSafePrefix("abc", {}), std::size_t(3));
    }
};

}  // namespace rgpb_test_openai_json

using rgpb_test_openai_json::OpenAiJsonTest;
RGPB_TEST_MAIN(OpenAiJsonTest)
#include "test_openai_json.moc"
