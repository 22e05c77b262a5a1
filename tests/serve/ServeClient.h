// Test helper for `rgpb serve`: JSON over httplib::Client, server-sent events read back, and the
// Generator's own greedy answer for a prompt (the independent path the server is checked
// against). Includes LibTorch and httplib.
#pragma once

#include <httplib.h>
#include <torch/torch.h>
#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "core/generate/Generator.h"
#include "core/train/Evaluation.h"

namespace rgpb::test {

struct HttpReply {
    int status = 0;  // 0: no answer
    std::string body;
    nlohmann::json json;  // null when the body is not JSON
};

inline HttpReply httpCall(const std::string& url, const std::string& method,
                          const std::string& path, const std::string& body = {},
                          const httplib::Headers& headers = {}) {
    httplib::Client client(url);
    client.set_read_timeout(120, 0);
    httplib::Result r = method == "GET"
                            ? client.Get(path.c_str(), headers)
                            : client.Post(path.c_str(), headers, body, "application/json");
    HttpReply out;
    if (!r)
        return out;
    out.status = r->status;
    out.body = r->body;
    out.json = nlohmann::json::parse(r->body, nullptr, false);
    if (out.json.is_discarded())
        out.json = nullptr;
    return out;
}

inline HttpReply postJson(const std::string& url, const std::string& path,
                          const nlohmann::json& body, const httplib::Headers& headers = {}) {
    return httpCall(url, "POST", path, body.dump(), headers);
}

// The JSON objects of a server-sent event stream ("data: {...}" lines), and whether it ended
// with "data: [DONE]".
struct SseEvents {
    std::vector<nlohmann::json> chunks;
    bool done = false;
};

inline SseEvents parseSse(const std::string& body) {
    SseEvents out;
    std::size_t at = 0;
    while (at < body.size()) {
        std::size_t end = body.find("\n\n", at);
        if (end == std::string::npos)
            end = body.size();
        const std::string event = body.substr(at, end - at);
        at = end + 2;
        if (event.rfind("data: ", 0) != 0)
            continue;
        const std::string data = event.substr(6);
        if (data == "[DONE]")
            out.done = true;
        else
            out.chunks.push_back(nlohmann::json::parse(data));
    }
    return out;
}

// What the Generator answers for `prompt` alone, greedy, at most `max_tokens` tokens.
inline GeneratedText greedyAnswer(LoadedRun& run, const std::string& prompt, int64_t max_tokens) {
    Generator generator(run.model, run.tokenizer->specials(), torch::kCPU);
    GenerationSettings s;
    s.max_new_tokens = max_tokens;
    s.temperature = 0;
    return generator.generateText(*run.tokenizer, {prompt}, run.config.data.max_prompt_length, s)
        .front();
}

}  // namespace rgpb::test
