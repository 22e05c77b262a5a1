// A client of OpenAI-compatible chat-completions endpoints (a hosted API, vLLM, llama.cpp's
// server, Ollama, `rgpb serve`): POST <base URL>/chat/completions with the model, messages,
// temperature and max_tokens; the answer's text and token counts back. Retries timeouts,
// unreachable servers, HTTP 429 and 5xx with exponential backoff (a Retry-After header in
// seconds is honoured, capped at the backoff ceiling); never retries 400/401/403/404. The API
// key is read from the environment variable the settings NAME; it is sent as a bearer token
// and never appears in a message (any echo of it is masked).
//
// Built only when cpp-httplib is found (its header stays inside the .cpp); Qt-free and
// torch-free. complete() is thread-safe: each call opens its own connection.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace rgpb::judging {

struct ChatClientSettings {
    std::string base_url;     // http(s)://host[:port][/prefix], e.g. http://127.0.0.1:8000/v1
    std::string model;        // sent as "model"
    std::string api_key_env;  // name of the environment variable with the key; empty: no key
    double temperature = 0;
    int max_tokens = 512;
    double timeout_s = 120;     // connect, read and write timeouts of each attempt, seconds
    int retries = 4;            // extra attempts after a retryable failure
    double backoff_s = 1;       // first wait; doubled after each retry
    double max_backoff_s = 60;  // ceiling of one wait (and of Retry-After)
};

struct ChatMessage {
    std::string role;  // "system", "user", "assistant"
    std::string content;
};

struct ChatReply {
    bool ok = false;
    std::string content;                               // choices[0].message.content
    int64_t prompt_tokens = 0, completion_tokens = 0;  // usage, 0 when the endpoint omits it
    double latency_s = 0;                              // the successful (or last) attempt
    int attempts = 0;
    // On failure: a short class for counting ("timeout", "unreachable", "HTTP 429", "HTTP 500",
    // "key refused", "malformed response", "HTTP 404", "cancelled", ...) and the full reason.
    std::string failure;
    std::string message;
};

class ChatCompletionsClient {
public:
    // Error on a URL that is not http(s)://host[:port][/path], a bad setting, or a key
    // variable that is named but not set.
    explicit ChatCompletionsClient(const ChatClientSettings& settings);
    ~ChatCompletionsClient();
    ChatCompletionsClient(const ChatCompletionsClient&) = delete;
    ChatCompletionsClient& operator=(const ChatCompletionsClient&) = delete;

    // One answer (with retries); failures are returned, not thrown. When `cancel` is set, the
    // request in flight is abandoned and a wait between retries ends: failure "cancelled".
    ChatReply complete(const std::vector<ChatMessage>& messages,
                       const std::atomic<bool>* cancel = nullptr) const;

private:
    struct Impl;
    std::unique_ptr<Impl> d_;
};

}  // namespace rgpb::judging
