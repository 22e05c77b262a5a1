// Test helper: a loopback OpenAI-compatible chat-completions endpoint (httplib::Server on a
// free port) whose answers a script decides per request, counting the requests it gets. The
// script sees the request's user message and how many times this exact prompt came before;
// it returns the reply to send (a good answer, an HTTP error, a delay, a malformed body).
#pragma once

#include <httplib.h>
#include <nlohmann/json.hpp>

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

namespace rgpb::test {

struct FakeReply {
    int status = 200;
    std::string content;      // the answer text (status 200)
    std::string raw_body;     // sent verbatim instead of a JSON answer when not empty
    double delay_s = 0;       // wait before answering (a timeout)
    std::string retry_after;  // Retry-After header when not empty
};

class FakeChatEndpoint {
public:
    // (user message, times this user message was seen before) -> reply
    using Script = std::function<FakeReply(const std::string& user, int seen)>;

    explicit FakeChatEndpoint(Script script, std::string key = "") : script_(std::move(script)) {
        key_ = std::move(key);
        server_.Post("/v1/chat/completions", [this](const httplib::Request& req,
                                                    httplib::Response& res) { handle(req, res); });
        port_ = server_.bind_to_any_port("127.0.0.1");
        thread_ = std::thread([this] { server_.listen_after_bind(); });
        while (!server_.is_running())
            std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    ~FakeChatEndpoint() {
        server_.stop();
        thread_.join();
    }

    std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/v1"; }
    int requests() const { return requests_.load(); }
    void setScript(Script s) {
        std::lock_guard<std::mutex> lock(mutex_);
        script_ = std::move(s);
    }
    // The Authorization headers seen (to check the key was sent, as a bearer token).
    std::string lastAuthorization() {
        std::lock_guard<std::mutex> lock(mutex_);
        return last_auth_;
    }

    // A loopback port nothing listens on (bound, then closed).
    static int closedPort() {
        const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        addr.sin_port = 0;
        socklen_t len = sizeof addr;
        ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
        ::close(fd);  // never listened: connecting is refused
        return ntohs(addr.sin_port);
    }

private:
    void handle(const httplib::Request& req, httplib::Response& res) {
        ++requests_;
        const auto body = nlohmann::json::parse(req.body, nullptr, false);
        std::string user;
        if (!body.is_discarded() && body.contains("messages")) {
            for (const auto& m : body["messages"]) {
                if (m.value("role", "") == "user")
                    user = m.value("content", "");
            }
        }
        FakeReply reply;
        {
            std::lock_guard<std::mutex> lock(mutex_);
            last_auth_ = req.get_header_value("Authorization");
            if (!key_.empty() && last_auth_ != "Bearer " + key_) {
                res.status = 401;
                res.set_content(R"({"error": {"message": "Incorrect API key provided"}})",
                                "application/json");
                return;
            }
            reply = script_(user, seen_[user]++);
        }
        if (reply.delay_s > 0)
            std::this_thread::sleep_for(std::chrono::duration<double>(reply.delay_s));
        res.status = reply.status;
        if (!reply.retry_after.empty())
            res.set_header("Retry-After", reply.retry_after);
        if (!reply.raw_body.empty()) {
            res.set_content(reply.raw_body, "application/json");
            return;
        }
        if (reply.status != 200) {
            res.set_content(R"({"error": {"message": "scripted failure"}})", "application/json");
            return;
        }
        nlohmann::json answer = {
            {"id", "chatcmpl-test"},
            {"object", "chat.completion"},
            {"choices",
             {{{"index", 0},
               {"message", {{"role", "assistant"}, {"content", reply.content}}},
               {"finish_reason", "stop"}}}},
            {"usage", {{"prompt_tokens", 100}, {"completion_tokens", 10}, {"total_tokens", 110}}}};
        res.set_content(answer.dump(), "application/json");
    }

    httplib::Server server_;
    std::thread thread_;
    int port_ = 0;
    std::string key_;
    Script script_;
    std::mutex mutex_;
    std::map<std::string, int> seen_;
    std::string last_auth_;
    std::atomic<int> requests_{0};
};

}  // namespace rgpb::test
