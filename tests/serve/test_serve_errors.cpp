// `rgpb serve` refusing what it cannot answer, over real HTTP: bad JSON, wrong types, values out
// of range, an unknown model, n > 1, empty or user-less messages, a body over the size limit and
// unknown routes each get a 4xx with an OpenAI-style JSON error naming the field; the bearer
// token is required when set; a client that leaves mid-stream cancels its row, and the server
// keeps answering after all of it.
#include <QtTest>

#include "tests/support/TestMain.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>
#include <QTemporaryDir>

#include <cstdio>

#include "core/serve/Server.h"
#include "tests/serve/ServeClient.h"
#include "tests/support/MicroRun.h"

// This file's code has its own namespace: the group's tests build as one unity batch.
namespace rgpb_test_serve_errors {

using namespace rgpb;
using namespace rgpb::test;
using nlohmann::json;

namespace {

// A POST of `body` to /v1/completions in chunks of `chunk` bytes (Transfer-Encoding: chunked).
std::string chunkedPost(const std::string& body, std::size_t chunk) {
    std::string out =
        "POST /v1/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        "Transfer-Encoding: chunked\r\n\r\n";
    char size[32];
    for (std::size_t at = 0; at < body.size(); at += chunk) {
        const std::string piece = body.substr(at, chunk);
        std::snprintf(size, sizeof size, "%zx\r\n", piece.size());
        out += size + piece + "\r\n";
    }
    return out + "0\r\n\r\n";
}

// Sends `request` in one write to 127.0.0.1:port and returns what comes back until `until`
// arrives, the server closes, or 10 s pass.
std::string rawExchange(int port, const std::string& request, const std::string& until) {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    std::string reply;
    if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
        ::send(fd, request.data(), request.size(), MSG_NOSIGNAL) ==
            static_cast<ssize_t>(request.size())) {
        timeval timeout{10, 0};
        ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
        char buf[4096];
        for (ssize_t n;
             reply.find(until) == std::string::npos && (n = ::recv(fd, buf, sizeof buf, 0)) > 0;)
            reply.append(buf, static_cast<std::size_t>(n));
    }
    ::close(fd);
    return reply;
}

}  // namespace

class ServeErrorsTest : public QObject {
    Q_OBJECT

    QTemporaryDir tmp_;
    std::string run_dir_;
    std::unique_ptr<Server> server_;
    std::string url_;

    ServerOptions options() const {
        ServerOptions o;
        o.model_path = run_dir_;
        o.batch_window_ms = 0;
        o.max_tokens_limit = 100;
        o.max_request_bytes = 4096;
        return o;
    }

    // The server still answers a plain request.
    void stillServes(const std::string& url, const httplib::Headers& headers = {}) {
        const HttpReply r =
            postJson(url, "/v1/completions", {{"prompt", "ok"}, {"max_tokens", 3}}, headers);
        QCOMPARE(r.status, 200);
        QVERIFY(r.json["choices"][0]["text"].is_string());
    }

private Q_SLOTS:
    void initTestCase() {
        QVERIFY(tmp_.isValid());
        torch::manual_seed(11);  // the same random model every time
        run_dir_ = makeMicroRun(std::filesystem::path(tmp_.path().toStdString()) / "run");
        server_ = std::make_unique<Server>(options());
        server_->start();
        url_ = server_->url();
    }

    void cleanupTestCase() { server_.reset(); }

    void badRequestsGetJsonErrors_data() {
        QTest::addColumn<QString>("path");
        QTest::addColumn<QString>("body");
        QTest::addColumn<int>("status");
        QTest::addColumn<QString>("param");  // "-": null
        QTest::addColumn<QString>("says");   // part of the message
        const QString c = "/v1/completions", chat = "/v1/chat/completions";
        QTest::newRow("not JSON") << c << "{\"prompt\": " << 400 << "-"
                                  << "not valid JSON";
        QTest::newRow("not an object") << c << "[1, 2]" << 400 << "body"
                                       << "a JSON object";
        QTest::newRow("no prompt") << c << "{\"max_tokens\": 3}" << 400 << "prompt"
                                   << "none";
        QTest::newRow("prompt number") << c << "{\"prompt\": 7}" << 400 << "prompt"
                                       << "a string";
        QTest::newRow("two prompts") << c << "{\"prompt\": [\"a\", \"b\"]}" << 400 << "prompt"
                                     << "exactly one string";
        QTest::newRow("max_tokens text")
            << c << "{\"prompt\": \"a\", \"max_tokens\": \"ten\"}" << 400 << "max_tokens"
            << "a whole number";
        QTest::newRow("max_tokens over the limit")
            << c << "{\"prompt\": \"a\", \"max_tokens\": 101}" << 400 << "max_tokens"
            << "at most 100";
        QTest::newRow("max_tokens 0")
            << c << "{\"prompt\": \"a\", \"max_tokens\": 0}" << 400 << "max_tokens"
            << "[1, 100]";
        QTest::newRow("negative temperature")
            << c << "{\"prompt\": \"a\", \"temperature\": -1}" << 400 << "temperature"
            << ">= 0";
        QTest::newRow("top_p 0") << c << "{\"prompt\": \"a\", \"top_p\": 0}" << 400 << "top_p"
                                 << "(0, 1]";
        QTest::newRow("stream text")
            << c << "{\"prompt\": \"a\", \"stream\": \"yes\"}" << 400 << "stream"
            << "true or false";
        QTest::newRow("stop number") << c << "{\"prompt\": \"a\", \"stop\": 5}" << 400 << "stop"
                                     << "a string or an array";
        QTest::newRow("n 2") << c << "{\"prompt\": \"a\", \"n\": 2}" << 400 << "n"
                             << "expected";
        QTest::newRow("unknown model")
            << c << "{\"prompt\": \"a\", \"model\": \"gpt-9\"}" << 404 << "model"
            << "'gpt-9'";
        QTest::newRow("no messages") << chat << "{\"model\": \"run\"}" << 400 << "messages"
                                     << "none";
        QTest::newRow("empty messages") << chat << "{\"messages\": []}" << 400 << "messages"
                                        << "an empty array";
        QTest::newRow("no user message")
            << chat << "{\"messages\": [{\"role\": \"system\", \"content\": \"x\"}]}" << 400
            << "messages"
            << "role \"user\"";
        QTest::newRow("bad role") << chat
                                  << "{\"messages\": [{\"role\": \"robot\", \"content\": \"x\"}]}"
                                  << 400 << "messages[0].role"
                                  << "\"robot\"";
        QTest::newRow("content number")
            << chat << "{\"messages\": [{\"role\": \"user\", \"content\": 3}]}" << 400
            << "messages[0].content"
            << "a string";
    }

    void badRequestsGetJsonErrors() {
        QFETCH(QString, path);
        QFETCH(QString, body);
        QFETCH(int, status);
        QFETCH(QString, param);
        QFETCH(QString, says);
        const HttpReply r = httpCall(url_, "POST", path.toStdString(), body.toStdString());
        QCOMPARE(r.status, status);
        QVERIFY2(r.json.is_object(), r.body.c_str());
        const json& e = r.json["error"];
        QCOMPARE(e["type"], json("invalid_request_error"));
        if (param == "-")
            QVERIFY(e["param"].is_null());
        else
            QCOMPARE(QString::fromStdString(e["param"].get<std::string>()), param);
        const QString message = QString::fromStdString(e["message"].get<std::string>());
        QVERIFY2(message.contains(says), qPrintable(message));
    }

    void tooLargeBodiesGet413() {
        const std::string big = json{{"prompt", std::string(5000, 'x')}}.dump();
        const HttpReply r = httpCall(url_, "POST", "/v1/completions", big);
        QCOMPARE(r.status, 413);
        QCOMPARE(r.json["error"]["code"], json("request_too_large"));
        QVERIFY(r.json["error"]["message"].get<std::string>().find("4096") != std::string::npos);
        // The same body sent in chunks (no Content-Length) is cut off at the limit too. Sent
        // whole through a plain socket: the server answers and closes before reading it all.
        const std::string reply = rawExchange(server_->port(), chunkedPost(big, 1000), "}}");
        QVERIFY2(reply.rfind("HTTP/1.1 413", 0) == 0, reply.c_str());
        QVERIFY2(reply.find("\"request_too_large\"") != std::string::npos, reply.c_str());
        stillServes(url_);
    }

    void unknownRoutesGet404Json() {
        for (const auto& [method, path] : std::vector<std::pair<std::string, std::string>>{
                 {"GET", "/nothing"}, {"GET", "/v1/completions"}, {"POST", "/v1/models"}}) {
            const HttpReply r = httpCall(url_, method, path, "{}");
            QCOMPARE(r.status, 404);
            QCOMPARE(r.json["error"]["code"], json("unknown_url"));
            QVERIFY(r.json["error"]["message"].get<std::string>().find(path) != std::string::npos);
        }
        stillServes(url_);
    }

    void theBearerTokenIsRequiredWhenSet() {
        ServerOptions o = options();
        o.bearer_token = "s3cret";
        Server guarded(o);
        guarded.start();
        for (const httplib::Headers& h :
             {httplib::Headers{}, httplib::Headers{{"Authorization", "Bearer wrong"}},
              httplib::Headers{{"Authorization", "s3cret"}}}) {
            const HttpReply r = httpCall(guarded.url(), "GET", "/v1/models", {}, h);
            QCOMPARE(r.status, 401);
            QCOMPARE(r.json["error"]["type"], json("authentication_error"));
            QVERIFY(r.body.find("s3cret") == std::string::npos);
        }
        const httplib::Headers good{{"Authorization", "Bearer s3cret"}};
        QCOMPARE(httpCall(guarded.url(), "GET", "/v1/models", {}, good).status, 200);
        stillServes(guarded.url(), good);
    }

    void aClientThatLeavesMidStreamCancelsItsRow() {
        ServerOptions o = options();
        o.step_delay_ms = 10;  // 100 tokens take a second: the client leaves long before
        Server slow(o);
        slow.start();
        // The micro model's greedy answer runs to max_tokens without EOS.
        LoadedRun run = loadRun(run_dir_, torch::kCPU);
        QVERIFY(!greedyAnswer(run, "go on", 100).stopped_at_eos);

        httplib::Client client(slow.url());
        httplib::Request req;
        req.method = "POST";
        req.path = "/v1/completions";
        req.body = json{{"prompt", "go on"}, {"max_tokens", 100}, {"stream", true}}.dump();
        req.set_header("Content-Type", "application/json");
        int events = 0;
        req.content_receiver = [&](const char*, size_t, uint64_t, uint64_t) {
            return ++events < 2;  // two pieces read, then hang up
        };
        httplib::Result r = client.send(req);
        QVERIFY(!r);  // the client aborted
        QCOMPARE(events, 2);
        QTRY_COMPARE_WITH_TIMEOUT(slow.counters().cancelled, int64_t(1), 60000);
        const ServerCounters c = slow.counters();
        QVERIFY2(c.tokens_generated < 100, qPrintable(QString::number(c.tokens_generated)));
        stillServes(slow.url());
        QCOMPARE(slow.counters().cancelled, int64_t(1));
    }
};

}  // namespace rgpb_test_serve_errors

using rgpb_test_serve_errors::ServeErrorsTest;
RGPB_TEST_MAIN(ServeErrorsTest)
#include "test_serve_errors.moc"
