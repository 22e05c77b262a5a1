// `rgpb serve` over real HTTP on a free loopback port with a micro run: /v1/models, completions
// and chat equal to the Generator's own greedy answer (called directly here), usage and
// finish_reason, stop strings, the HH-RLHF chat template, streamed deltas that add up to the
// unstreamed text, and concurrent clients decoded in one batch with their single-client answers.
#include <QtTest>

#include "tests/support/TestMain.h"

#include <QTemporaryDir>
#include <thread>

#include "core/generate/ChatTemplate.h"
#include "core/serve/OpenAiJson.h"
#include "core/serve/Server.h"
#include "tests/serve/ServeClient.h"
#include "tests/support/MicroRun.h"

// This file's code has its own namespace: the group's tests build as one unity batch.
namespace rgpb_test_serve_api {

using namespace rgpb;
using namespace rgpb::test;
using nlohmann::json;

namespace {

// The server writes invalid UTF-8 bytes of a random model's answer as U+FFFD (validUtf8 is
// checked on hand-made bytes in test_openai_json).
std::string shown(const std::string& text) {
    return serve::validUtf8(text);
}

// Without stop strings an answer stops at EOS, or is cut at max_tokens (or the model's context).
std::string finishReason(const GeneratedText& g) {
    return g.stopped_at_eos ? "stop" : "length";
}

}  // namespace

class ServeApiTest : public QObject {
    Q_OBJECT

    QTemporaryDir tmp_;
    std::string run_dir_;
    LoadedRun run_;
    std::unique_ptr<Server> server_;
    std::string url_;

private Q_SLOTS:
    void initTestCase() {
        QVERIFY(tmp_.isValid());
        torch::manual_seed(11);  // the same random model every time
        run_dir_ = makeMicroRun(std::filesystem::path(tmp_.path().toStdString()) / "micro-run");
        run_ = loadRun(run_dir_, torch::kCPU);
        ServerOptions o;
        o.model_path = run_dir_;
        o.batch_window_ms = 0;
        server_ = std::make_unique<Server>(o);
        server_->start();
        QVERIFY(server_->port() > 0);
        url_ = server_->url();
        QCOMPARE(QString::fromStdString(url_), QString("http://127.0.0.1:%1").arg(server_->port()));
    }

    void cleanupTestCase() { server_.reset(); }

    void listsTheModelByItsFolderName() {
        const HttpReply r = httpCall(url_, "GET", "/v1/models");
        QCOMPARE(r.status, 200);
        QCOMPARE(r.json["object"], json("list"));
        QCOMPARE(r.json["data"].size(), std::size_t(1));
        QCOMPARE(r.json["data"][0]["id"], json("micro-run"));
        QCOMPARE(r.json["data"][0]["object"], json("model"));
    }

    void completionEqualsTheGeneratorsGreedyAnswer() {
        for (const std::string prompt : {"The cat", "", "a longer prompt, with punctuation!"}) {
            const int64_t max_tokens = 12;
            const GeneratedText expected = greedyAnswer(run_, prompt, max_tokens);
            const HttpReply r = postJson(url_, "/v1/completions",
                                         {{"model", "micro-run"},
                                          {"prompt", prompt},
                                          {"max_tokens", max_tokens},
                                          {"temperature", 0}});
            QCOMPARE(r.status, 200);
            QCOMPARE(r.json["object"], json("text_completion"));
            QCOMPARE(r.json["model"], json("micro-run"));
            QVERIFY(r.json["id"].get<std::string>().rfind("cmpl-", 0) == 0);
            const json& choice = r.json["choices"][0];
            QCOMPARE(choice["text"].get<std::string>(), shown(expected.response));
            QCOMPARE(choice["finish_reason"].get<std::string>(), finishReason(expected));
            const json& usage = r.json["usage"];
            const auto context =
                promptContext(*run_.tokenizer, prompt, run_.config.data.max_prompt_length);
            QCOMPARE(usage["prompt_tokens"].get<int64_t>(), static_cast<int64_t>(context.size()));
            QCOMPARE(usage["completion_tokens"].get<int64_t>(), expected.new_tokens);
            QCOMPARE(usage["total_tokens"].get<int64_t>(),
                     static_cast<int64_t>(context.size()) + expected.new_tokens);
        }
    }

    void aPromptArrayOfOneIsThePrompt() {
        const GeneratedText expected = greedyAnswer(run_, "xyz", 6);
        const HttpReply r =
            postJson(url_, "/v1/completions", {{"prompt", {"xyz"}}, {"max_tokens", 6}});
        QCOMPARE(r.status, 200);
        QCOMPARE(r.json["choices"][0]["text"].get<std::string>(), shown(expected.response));
    }

    void aStopStringCutsTheAnswer() {
        const GeneratedText expected = greedyAnswer(run_, "stop here", 24);
        // The stop string: an ASCII byte from the answer's middle (JSON carries UTF-8 only).
        std::string stop;
        for (std::size_t i = 2; i < expected.response.size() && stop.empty(); ++i) {
            const auto c = static_cast<unsigned char>(expected.response[i]);
            if (c >= 0x20 && c < 0x7f)
                stop = std::string(1, static_cast<char>(c));
        }
        QVERIFY2(!stop.empty(), "the micro model's answer has no ASCII byte to stop at");
        const std::string cut = expected.response.substr(0, expected.response.find(stop));
        const HttpReply r =
            postJson(url_, "/v1/completions",
                     {{"prompt", "stop here"}, {"max_tokens", 24}, {"stop", {stop}}});
        QCOMPARE(r.status, 200);
        QCOMPARE(r.json["choices"][0]["text"].get<std::string>(), shown(cut));
        QCOMPARE(r.json["choices"][0]["finish_reason"], json("stop"));
        // The row ended where the stop string was complete, not at max_tokens.
        QVERIFY(r.json["usage"]["completion_tokens"].get<int64_t>() < 24);
    }

    void chatUsesTheRunsTemplate() {
        // The micro run's data are synthetic: the plain template (the last user message alone).
        const GeneratedText expected = greedyAnswer(run_, "hello", 10);
        const json messages = {{{"role", "system"}, {"content", "be brief"}},
                               {{"role", "user"}, {"content", "hello"}}};
        const HttpReply r =
            postJson(url_, "/v1/chat/completions", {{"messages", messages}, {"max_tokens", 10}});
        QCOMPARE(r.status, 200);
        QCOMPARE(r.json["object"], json("chat.completion"));
        const json& choice = r.json["choices"][0];
        QCOMPARE(choice["message"]["role"], json("assistant"));
        QCOMPARE(choice["message"]["content"].get<std::string>(), shown(expected.response));
    }

    void chatWithTheHhRlhfTemplate() {
        ServerOptions o;
        o.model_path = run_dir_;
        o.chat_template = "hh-rlhf";
        Server hh(o);
        hh.start();
        QCOMPARE(QString::fromStdString(hh.chatTemplate()), QString("hh-rlhf"));
        const std::string prompt =
            "\n\nHuman: hi there\n\nAssistant: hello\n\nHuman: and?"
            "\n\nAssistant:";
        const GeneratedText raw = greedyAnswer(run_, prompt, 16);
        // finish(): cut at "\n\nHuman:", the answer's leading space dropped.
        std::string expected = raw.response.substr(0, raw.response.find("\n\nHuman:"));
        if (!expected.empty() && expected.front() == ' ')
            expected.erase(0, 1);
        const json messages = {{{"role", "user"}, {"content", "hi there"}},
                               {{"role", "assistant"}, {"content", "hello"}},
                               {{"role", "user"}, {"content", "and?"}}};
        const HttpReply r = postJson(hh.url(), "/v1/chat/completions",
                                     {{"messages", messages}, {"max_tokens", 16}});
        QCOMPARE(r.status, 200);
        QCOMPARE(r.json["choices"][0]["message"]["content"].get<std::string>(), shown(expected));
    }

    void streamedDeltasAddUpToTheAnswer() {
        for (const bool chat : {false, true}) {
            const json body = chat ? json{{"messages", {{{"role", "user"}, {"content", "stream"}}}},
                                          {"max_tokens", 20}}
                                   : json{{"prompt", "stream"}, {"max_tokens", 20}};
            const char* path = chat ? "/v1/chat/completions" : "/v1/completions";
            const HttpReply whole = postJson(url_, path, body);
            QCOMPARE(whole.status, 200);
            json streamed_body = body;
            streamed_body["stream"] = true;
            const HttpReply r = postJson(url_, path, streamed_body);
            QCOMPARE(r.status, 200);
            const SseEvents events = parseSse(r.body);
            QVERIFY(events.done);
            QVERIFY(events.chunks.size() >= 2);
            std::string text, finish;
            for (std::size_t i = 0; i < events.chunks.size(); ++i) {
                const json& c = events.chunks[i];
                QCOMPARE(c["object"], json(chat ? "chat.completion.chunk" : "text_completion"));
                QCOMPARE(c["id"], events.chunks[0]["id"]);
                const json& choice = c["choices"][0];
                if (chat && i == 0) {
                    QCOMPARE(choice["delta"]["role"], json("assistant"));
                    continue;
                }
                if (!choice["finish_reason"].is_null()) {
                    QCOMPARE(i, events.chunks.size() - 1);  // the last chunk
                    finish = choice["finish_reason"].get<std::string>();
                    continue;
                }
                text += chat ? choice["delta"]["content"].get<std::string>()
                             : choice["text"].get<std::string>();
            }
            const json& expected = whole.json["choices"][0];
            QCOMPARE(text,
                     (chat ? expected["message"]["content"] : expected["text"]).get<std::string>());
            QCOMPARE(finish, expected["finish_reason"].get<std::string>());
        }
    }

    void concurrentClientsAreBatchedAndGetTheirOwnAnswers() {
        ServerOptions o;
        o.model_path = run_dir_;
        o.max_batch = 6;
        o.batch_window_ms = 20000;  // the first request waits for the other five
        Server batched(o);
        batched.start();
        const std::vector<std::string> prompts = {"one", "two two", "three", "4", "five!", "s"};
        std::vector<HttpReply> replies(prompts.size());
        std::vector<std::thread> clients;
        for (std::size_t i = 0; i < prompts.size(); ++i) {
            clients.emplace_back([&, i] {
                replies[i] = postJson(batched.url(), "/v1/completions",
                                      {{"prompt", prompts[i]}, {"max_tokens", 8 + int(i)}});
            });
        }
        for (std::thread& t : clients)
            t.join();
        for (std::size_t i = 0; i < prompts.size(); ++i) {
            const GeneratedText expected = greedyAnswer(run_, prompts[i], 8 + int64_t(i));
            QCOMPARE(replies[i].status, 200);
            QCOMPARE(replies[i].json["choices"][0]["text"].get<std::string>(),
                     shown(expected.response));
            QCOMPARE(replies[i].json["usage"]["completion_tokens"].get<int64_t>(),
                     expected.new_tokens);
        }
        const ServerCounters c = batched.counters();
        QCOMPARE(c.completions, int64_t(6));
        QCOMPARE(c.batched_rows, int64_t(6));
        QVERIFY2(c.batches < 6 && c.largest_batch >= 2,
                 qPrintable(QString("%1 batches, largest %2").arg(c.batches).arg(c.largest_batch)));
        QTRY_COMPARE(batched.counters().requests, int64_t(6));  // counted after the answer
    }
};

}  // namespace rgpb_test_serve_api

using rgpb_test_serve_api::ServeApiTest;
RGPB_TEST_MAIN(ServeApiTest)
#include "test_serve_api.moc"
