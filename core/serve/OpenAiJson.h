// The OpenAI wire format of `rgpb serve` (core/serve/Server.h): request bodies read into plain
// structs with every field checked (an ApiError naming the field and what was expected), and the
// response, chunk, model list and error bodies written back. Torch-free, httplib-free.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/generate/ChatTemplate.h"
#include "core/generate/Generation.h"
#include "core/util/Error.h"

namespace rgpb::serve {

// A request the server refuses: the HTTP status and OpenAI's error fields.
class ApiError : public Error {
public:
    ApiError(int status, const std::string& message, std::string param = {},
             std::string type = "invalid_request_error", std::string code = {});
    int status;
    std::string param, type, code;  // empty param / code are written as null
};

struct ApiLimits {
    int64_t max_tokens_limit = 512;
    int64_t default_max_tokens = 64;
};

struct ApiRequest {
    bool chat = false;
    std::string model;                  // empty when the request names none
    std::string prompt;                 // /v1/completions
    std::vector<ChatMessage> messages;  // /v1/chat/completions
    GenerationSettings settings;        // max_new_tokens, temperature, top_p, top_k, seed, and
                                        // stop_at_eos (false with vLLM's "ignore_eos": true)
    std::vector<std::string> stops;     // the request's "stop" strings
    bool stream = false;
};

// Reads a /v1/completions (chat = false) or /v1/chat/completions body. Unknown fields are
// ignored; null counts as absent. ApiError 400 for bad JSON, a wrong type or a value out of
// range (max_tokens above limits.max_tokens_limit, n other than 1, no prompt, no messages).
ApiRequest parseApiRequest(const std::string& body, bool chat, const ApiLimits& limits);

// What a finished generation answers.
struct ApiResult {
    std::string text;
    std::string finish_reason;  // "stop" or "length"
    int64_t prompt_tokens = 0, completion_tokens = 0;
};

// The identity shared by a response and all of its chunks.
struct ApiResponseHead {
    bool chat = false;
    std::string id;  // "cmpl-N" / "chatcmpl-N"
    int64_t created = 0;
    std::string model;
};

std::string completionJson(const ApiResponseHead& head, const ApiResult& result);
// One server-sent event ("data: {...}\n\n"): a chunk with `text` (and, for chat, the
// assistant role when `with_role`), finish_reason null unless given.
std::string chunkEvent(const ApiResponseHead& head, const std::string& text, bool with_role = false,
                       const std::string& finish_reason = {});
std::string modelsJson(const std::string& model, int64_t created);
std::string errorJson(const ApiError& error);

// `text` as valid UTF-8: every byte that is not part of a valid sequence becomes U+FFFD (so a
// text cut only where completeUtf8Prefix() allows gives the same result in pieces or whole).
std::string validUtf8(const std::string& text);
// How many leading bytes of a growing `text` are final as UTF-8: all but a trailing lead byte
// (with its continuation bytes so far) that is still waiting for the rest of its sequence.
std::size_t completeUtf8Prefix(const std::string& text);

}  // namespace rgpb::serve
