// `rgpb serve`: an OpenAI-compatible HTTP server for a trained run (or a Hugging Face folder).
// Torch-free and httplib-free header (pimpl): the CLI, the tests and the benchmark include it.
//
// Endpoints (OpenAI's shapes, docs in README.md):
//   GET  /v1/models            the one model served, named after its folder
//   POST /v1/completions       {"prompt": text | [text], "max_tokens", "temperature", "top_p",
//                               "top_k", "seed", "stop": text | [text], "stream"}
//   POST /v1/chat/completions  {"messages": [{"role", "content"}], ...the same settings...}:
//                               the conversation through the run's chat template
//                               (core/generate/ChatTemplate.h), stop strings of the template
//                               added to the request's
// `"stream": true` answers as server-sent events (chunk objects, then `data: [DONE]`).
//
// One generation thread owns the model: concurrent requests queue and are decoded together
// through the KV-cache Generator (rows with the same sampling settings share a batch; each row
// ends at its own max_tokens, stop string or disconnect). Errors are OpenAI-style JSON bodies
// {"error": {"message", "type", "param", "code"}} with a 4xx status naming the field.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

namespace rgpb {

struct ServerOptions {
    std::string model_path;               // run folder, checkpoint folder or Hugging Face folder
    std::string checkpoint = "final";     // "final" or "step-N" (core/generate/Comparison.h)
    std::string model_name;               // the name clients use; empty = the folder's name
    std::string host = "127.0.0.1";       // loopback unless asked otherwise
    int port = 0;                         // 0 = any free port (port() tells which)
    std::string device = "cpu";           // "cpu", "cuda", "cuda:N"
    int threads = 0;                      // LibTorch threads; 0 = leave LibTorch's choice
    std::string bearer_token;             // non-empty: "Authorization: Bearer <token>" required
    std::string chat_template;            // "hh-rlhf" or "plain"; empty = the run's own
    int64_t max_request_bytes = 1 << 20;  // larger bodies get 413
    int64_t max_tokens_limit = 512;       // largest max_tokens a request may ask for
    int64_t default_max_tokens = 64;      // max_tokens when a request gives none
    int64_t max_batch = 8;                // rows decoded together
    int batch_window_ms = 2;  // after a first request, wait this long for others to batch with
    int step_delay_ms = 0;    // testing: sleep after every decoding step
    int http_threads = 0;     // connection threads; 0 = 2 * max_batch + 8
};

// What the server has done so far (a snapshot).
struct ServerCounters {
    int64_t requests = 0;          // HTTP requests answered (any route, any status)
    int64_t completions = 0;       // generations finished (cancelled ones included)
    int64_t tokens_generated = 0;  // new tokens over all generations (EOS included)
    int64_t cancelled = 0;         // generations ended because their client went away
    int64_t batches = 0;           // decoding batches run
    int64_t batched_rows = 0;      // rows over all batches (sum of the batch sizes)
    int64_t largest_batch = 0;     // rows of the largest batch
};

class Server {
public:
    // Loads the model (InputError for a folder that holds none, ArgumentError for bad options).
    explicit Server(ServerOptions options);
    ~Server();  // stop()s
    Server(const Server&) = delete;
    Server& operator=(const Server&) = delete;

    // Binds and starts answering on background threads; Error when the address cannot be bound.
    void start();
    // Ends the streams in flight, the generation thread and the listener; idempotent.
    void stop();

    int port() const;                  // the bound port (after start())
    std::string url() const;           // "http://host:port"
    std::string modelName() const;     // what /v1/models lists
    std::string chatTemplate() const;  // "hh-rlhf" or "plain"
    ServerCounters counters() const;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace rgpb
