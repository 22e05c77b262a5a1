#include "core/judging/ChatCompletionsClient.h"

#include <httplib.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <regex>
#include <thread>

#include "core/util/Error.h"

namespace rgpb::judging {

namespace {

using Clock = std::chrono::steady_clock;

std::string masked(std::string text, const std::string& key) {
    if (key.empty())
        return text;
    for (std::size_t at = text.find(key); at != std::string::npos; at = text.find(key, at))
        text.replace(at, key.size(), "***");
    return text;
}

// The reason an error body gives ({"error": {"message": ...}} or {"error": "..."}), else an
// excerpt of the body.
std::string bodyReason(const std::string& body) {
    const auto j = nlohmann::json::parse(body, nullptr, false);
    if (!j.is_discarded() && j.is_object() && j.contains("error")) {
        const auto& e = j["error"];
        if (e.is_string())
            return e.get<std::string>();
        if (e.is_object() && e.contains("message") && e["message"].is_string())
            return e["message"].get<std::string>();
    }
    return excerpt(body, 200);
}

// Waits `seconds`, in short steps so a cancel ends the wait; false when cancelled.
bool waitUnlessCancelled(double seconds, const std::atomic<bool>* cancel) {
    const auto until = Clock::now() + std::chrono::duration<double>(seconds);
    while (Clock::now() < until) {
        if (cancel && cancel->load())
            return false;
        std::this_thread::sleep_for(
            std::chrono::milliseconds(std::clamp<long>(static_cast<long>(seconds * 1000), 1, 50)));
    }
    return !(cancel && cancel->load());
}

}  // namespace

struct ChatCompletionsClient::Impl {
    ChatClientSettings settings;
    std::string origin;  // scheme://host[:port]
    std::string path;    // prefix + /chat/completions
    std::string key;     // from the environment; never in a message

    // One attempt. `retry_after` is set from a Retry-After header (seconds) when present.
    // A cancel during the request shuts its connection down (httplib's Client::stop(), made
    // for this from another thread): the attempt ends at once as "cancelled".
    ChatReply attempt(const std::string& body, double& retry_after, bool& retryable,
                      const std::atomic<bool>* cancel) const;
};

ChatCompletionsClient::ChatCompletionsClient(const ChatClientSettings& s)
    : d_(std::make_unique<Impl>()) {
    d_->settings = s;
    static const std::regex url(
        R"(^(https?)://([A-Za-z0-9._~-]+|\[[0-9A-Fa-f:.]+\])(:[0-9]{1,5})?(/[^?#]*)?$)");
    std::smatch m;
    if (!std::regex_match(s.base_url, m, url))
        throw ArgumentError("the model judge", "endpoint",
                            "an http:// or https:// URL such as http://127.0.0.1:8000/v1",
                            "'" + s.base_url + "'");
    d_->origin = m[1].str() + "://" + m[2].str() + m[3].str();
    std::string prefix = m[4].str();
    while (!prefix.empty() && prefix.back() == '/')
        prefix.pop_back();
    d_->path = prefix + "/chat/completions";
    requireArgument(!s.model.empty(), "the model judge", "model", "a model name", "''");
    requireArgument(s.timeout_s > 0, "the model judge", "timeout", "seconds > 0", s.timeout_s);
    requireArgument(s.retries >= 0, "the model judge", "retries", ">= 0", s.retries);
    requireArgument(s.max_tokens > 0, "the model judge", "max tokens", "> 0", s.max_tokens);
    if (!s.api_key_env.empty()) {
        const char* key = std::getenv(s.api_key_env.c_str());
        if (!key || !*key)
            throw Error("the model judge: the environment variable " + s.api_key_env +
                        " (named by --api-key-env) is not set; export the API key in it");
        d_->key = key;
    }
}

ChatCompletionsClient::~ChatCompletionsClient() = default;

ChatReply ChatCompletionsClient::Impl::attempt(const std::string& body, double& retry_after,
                                               bool& retryable,
                                               const std::atomic<bool>* cancel) const {
    ChatReply r;
    retry_after = -1;
    retryable = false;
    httplib::Client client(origin);
    const auto whole = std::chrono::duration<double>(settings.timeout_s);
    const auto usec = std::chrono::duration_cast<std::chrono::microseconds>(whole).count();
    client.set_connection_timeout(usec / 1000000, usec % 1000000);
    client.set_read_timeout(usec / 1000000, usec % 1000000);
    client.set_write_timeout(usec / 1000000, usec % 1000000);
    httplib::Headers headers = {{"Accept", "application/json"}};
    if (!key.empty())
        headers.emplace("Authorization", "Bearer " + key);
    const auto t0 = Clock::now();
    std::atomic<bool> finished{false};
    std::thread watcher;
    if (cancel) {
        // Asks again while the request lasts: a stop before the connection exists has
        // nothing to shut down yet.
        watcher = std::thread([&] {
            while (!finished.load()) {
                if (cancel->load())
                    client.stop();
                std::this_thread::sleep_for(std::chrono::milliseconds(20));
            }
        });
    }
    auto res = client.Post(path.c_str(), headers, body, "application/json");
    finished = true;
    if (watcher.joinable())
        watcher.join();
    r.latency_s = std::chrono::duration<double>(Clock::now() - t0).count();
    const std::string where = "POST " + origin + path;
    if (!res && cancel && cancel->load()) {
        r.failure = "cancelled";
        r.message = where + ": cancelled during the request";
        return r;
    }
    if (!res) {
        const httplib::Error e = res.error();
        retryable = true;
        if (e == httplib::Error::Connection) {
            r.failure = "unreachable";
            r.message = where + ": cannot connect (nothing answers there)";
        } else if (e == httplib::Error::ConnectionTimeout ||
                   (e == httplib::Error::Read && r.latency_s >= 0.9 * settings.timeout_s)) {
            r.failure = "timeout";
            char seconds[32];
            std::snprintf(seconds, sizeof seconds, "%g", settings.timeout_s);
            r.message = where + ": no answer within " + seconds + " s (--timeout)";
        } else {
            r.failure = "connection error";
            r.message = where + ": " + httplib::to_string(e);
        }
        return r;
    }
    const int status = res->status;
    if (status != 200) {
        r.failure = "HTTP " + std::to_string(status);
        r.message = where + ": HTTP " + std::to_string(status) + ": " + bodyReason(res->body);
        if (status == 401 || status == 403) {
            r.failure = "key refused";
            r.message = where + ": HTTP " + std::to_string(status) + ": " +
                        (settings.api_key_env.empty()
                             ? std::string("the endpoint wants an API key; name the variable "
                                           "holding it with --api-key-env")
                             : "the endpoint refused the key in $" + settings.api_key_env);
        }
        retryable = status == 429 || status >= 500;
        if (retryable && res->has_header("Retry-After")) {
            char* end = nullptr;
            const std::string v = res->get_header_value("Retry-After");
            const double seconds = std::strtod(v.c_str(), &end);
            if (end != v.c_str() && seconds >= 0)
                retry_after = seconds;
        }
        return r;
    }
    const auto j = nlohmann::json::parse(res->body, nullptr, false);
    r.failure = "malformed response";
    if (j.is_discarded() || !j.is_object()) {
        r.message = where + ": the body is not a JSON object: " + excerpt(res->body, 120);
        return r;
    }
    const auto choices = j.find("choices");
    if (choices == j.end() || !choices->is_array() || choices->empty() ||
        !(*choices)[0].is_object() || !(*choices)[0].contains("message") ||
        !(*choices)[0]["message"].is_object() || !(*choices)[0]["message"].contains("content") ||
        !(*choices)[0]["message"]["content"].is_string()) {
        r.message = where + ": expected choices[0].message.content (a string) in the answer: " +
                    excerpt(res->body, 120);
        return r;
    }
    r.content = (*choices)[0]["message"]["content"].get<std::string>();
    if (auto u = j.find("usage"); u != j.end() && u->is_object()) {
        if (u->contains("prompt_tokens") && (*u)["prompt_tokens"].is_number_integer())
            r.prompt_tokens = (*u)["prompt_tokens"].get<int64_t>();
        if (u->contains("completion_tokens") && (*u)["completion_tokens"].is_number_integer())
            r.completion_tokens = (*u)["completion_tokens"].get<int64_t>();
    }
    r.ok = true;
    r.failure.clear();
    return r;
}

ChatReply ChatCompletionsClient::complete(const std::vector<ChatMessage>& messages,
                                          const std::atomic<bool>* cancel) const {
    const ChatClientSettings& s = d_->settings;
    nlohmann::json request = {{"model", s.model},
                              {"temperature", s.temperature},
                              {"max_tokens", s.max_tokens},
                              {"messages", nlohmann::json::array()}};
    for (const ChatMessage& m : messages)
        request["messages"].push_back({{"role", m.role}, {"content", m.content}});
    const std::string body = request.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    ChatReply r;
    for (int attempt = 0;; ++attempt) {
        if (cancel && cancel->load()) {
            r.ok = false;
            r.failure = "cancelled";
            r.message = "cancelled before an answer came";
            break;
        }
        double retry_after = -1;
        bool retryable = false;
        const int attempts = attempt + 1;
        r = d_->attempt(body, retry_after, retryable, cancel);
        r.attempts = attempts;
        if (r.ok || !retryable || attempt >= s.retries || r.failure == "cancelled")
            break;
        double wait = std::min(s.max_backoff_s, s.backoff_s * std::pow(2.0, attempt));
        if (retry_after >= 0)
            wait = std::min(s.max_backoff_s, std::max(wait, retry_after));
        if (!waitUnlessCancelled(wait, cancel)) {
            r.failure = "cancelled";
            r.message += " (cancelled while waiting to retry)";
            break;
        }
    }
    if (!r.ok && r.attempts > 1)
        r.message += " (after " + std::to_string(r.attempts) + " attempts)";
    r.message = masked(r.message, d_->key);
    return r;
}

}  // namespace rgpb::judging
