#include "core/serve/OpenAiJson.h"

#include <nlohmann/json.hpp>

#include <cmath>
#include <limits>

#include "core/tokenizer/ByteUnicode.h"

namespace rgpb::serve {
namespace {

using Json = nlohmann::json;
using Ordered = nlohmann::ordered_json;

[[noreturn]] void refuse(const std::string& param, const std::string& expected,
                         const std::string& got) {
    throw ApiError(400, param + ": expected " + expected + ", got " + got, param);
}

std::string describe(const Json& v) {
    if (v.is_string())
        return "the string " + excerpt(v.dump(-1, ' ', false, Json::error_handler_t::replace), 60);
    if (v.is_number() || v.is_boolean())
        return v.dump();
    return v.is_array() ? "an array" : v.is_object() ? "an object" : "null";
}

// The field or nullptr when it is absent or null.
const Json* field(const Json& body, const char* name) {
    auto it = body.find(name);
    return it == body.end() || it->is_null() ? nullptr : &*it;
}

int64_t integer(const Json& v, const std::string& param, int64_t low, int64_t high) {
    if (!v.is_number_integer())
        refuse(param,
               "a whole number in [" + std::to_string(low) + ", " + std::to_string(high) + "]",
               describe(v));
    if (v.is_number_unsigned() && v.get<uint64_t>() > static_cast<uint64_t>(high))
        refuse(param, "at most " + std::to_string(high), describe(v));
    const int64_t x = v.get<int64_t>();
    if (x < low || x > high)
        refuse(param,
               "a whole number in [" + std::to_string(low) + ", " + std::to_string(high) + "]",
               describe(v));
    return x;
}

double number(const Json& v, const std::string& param) {
    if (!v.is_number() || !std::isfinite(v.get<double>()))
        refuse(param, "a number", describe(v));
    return v.get<double>();
}

std::string text(const Json& v, const std::string& param) {
    if (!v.is_string())
        refuse(param, "a string", describe(v));
    return v.get<std::string>();
}

// A message's content: a string, or OpenAI's list of parts of which the text ones count.
std::string messageContent(const Json& v, const std::string& param) {
    if (v.is_string())
        return v.get<std::string>();
    if (!v.is_array())
        refuse(param, "a string or an array of {\"type\": \"text\", \"text\": ...} parts",
               describe(v));
    std::string out;
    for (std::size_t i = 0; i < v.size(); ++i) {
        const std::string at = param + "[" + std::to_string(i) + "]";
        const Json& part = v[i];
        if (!part.is_object() || part.value("type", Json()) != "text" || !part.contains("text"))
            refuse(at, "a {\"type\": \"text\", \"text\": ...} part", describe(part));
        out += text(part["text"], at + ".text");
    }
    return out;
}

void readMessages(const Json& body, ApiRequest& r) {
    const Json* messages = field(body, "messages");
    if (messages == nullptr)
        refuse("messages", "an array of {\"role\", \"content\"} messages", "none");
    if (!messages->is_array() || messages->empty())
        refuse("messages", "a non-empty array of {\"role\", \"content\"} messages",
               messages->is_array() ? "an empty array" : describe(*messages));
    for (std::size_t i = 0; i < messages->size(); ++i) {
        const std::string at = "messages[" + std::to_string(i) + "]";
        const Json& m = (*messages)[i];
        if (!m.is_object())
            refuse(at, "an object with \"role\" and \"content\"", describe(m));
        ChatMessage message;
        const Json* role = field(m, "role");
        if (role == nullptr)
            refuse(at + ".role", "\"system\", \"user\" or \"assistant\"", "none");
        message.role = text(*role, at + ".role");
        if (message.role != "system" && message.role != "user" && message.role != "assistant")
            refuse(at + ".role", "\"system\", \"user\" or \"assistant\"", describe(*role));
        const Json* content = field(m, "content");
        if (content != nullptr)
            message.content = messageContent(*content, at + ".content");
        r.messages.push_back(std::move(message));
    }
}

void readPrompt(const Json& body, ApiRequest& r) {
    const Json* prompt = field(body, "prompt");
    if (prompt == nullptr)
        refuse("prompt", "a string", "none");
    if (prompt->is_array()) {
        if (prompt->size() != 1)
            refuse("prompt",
                   "a string or an array of exactly one string (send one request per "
                   "prompt: the server batches them)",
                   "an array of " + std::to_string(prompt->size()));
        r.prompt = text((*prompt)[0], "prompt[0]");
    } else {
        r.prompt = text(*prompt, "prompt");
    }
}

void readStops(const Json& body, ApiRequest& r) {
    const Json* stop = field(body, "stop");
    if (stop == nullptr)
        return;
    if (stop->is_string()) {
        if (!stop->get<std::string>().empty())
            r.stops.push_back(stop->get<std::string>());
        return;
    }
    if (!stop->is_array() || stop->size() > 16)
        refuse("stop", "a string or an array of at most 16 strings", describe(*stop));
    for (std::size_t i = 0; i < stop->size(); ++i) {
        std::string s = text((*stop)[i], "stop[" + std::to_string(i) + "]");
        if (!s.empty())
            r.stops.push_back(std::move(s));
    }
}

void readSettings(const Json& body, const ApiLimits& limits, ApiRequest& r) {
    GenerationSettings& s = r.settings;
    s.max_new_tokens = limits.default_max_tokens;
    const char* max_name = "max_tokens";
    const Json* max = field(body, "max_tokens");
    if (r.chat && max == nullptr && (max = field(body, "max_completion_tokens")) != nullptr)
        max_name = "max_completion_tokens";
    if (max != nullptr) {
        if (max->is_number_integer() && max->get<int64_t>() > limits.max_tokens_limit)
            refuse(max_name,
                   "at most " + std::to_string(limits.max_tokens_limit) +
                       " (the server's --max-tokens-limit)",
                   describe(*max));
        s.max_new_tokens = integer(*max, max_name, 1, limits.max_tokens_limit);
    }
    if (const Json* t = field(body, "temperature")) {
        s.temperature = number(*t, "temperature");
        if (s.temperature < 0)
            refuse("temperature", "a number >= 0 (0 = greedy)", describe(*t));
    }
    if (const Json* p = field(body, "top_p")) {
        s.top_p = number(*p, "top_p");
        if (!(s.top_p > 0 && s.top_p <= 1))
            refuse("top_p", "a number in (0, 1]", describe(*p));
    }
    if (const Json* k = field(body, "top_k"))  // -1 (vLLM's "off") counts as 0
        s.top_k = std::max<int64_t>(0, integer(*k, "top_k", -1, 1 << 30));
    if (const Json* seed = field(body, "seed"))
        s.seed =
            static_cast<uint64_t>(integer(*seed, "seed", 0, std::numeric_limits<int64_t>::max()));
    if (const Json* n = field(body, "n"); n != nullptr && (!n->is_number_integer() || *n != 1))
        refuse("n", "1 (one choice per request)", describe(*n));
    if (const Json* ignore = field(body, "ignore_eos")) {  // vLLM's extension (benchmarks)
        if (!ignore->is_boolean())
            refuse("ignore_eos", "true or false", describe(*ignore));
        s.stop_at_eos = !ignore->get<bool>();
    }
    if (const Json* stream = field(body, "stream")) {
        if (!stream->is_boolean())
            refuse("stream", "true or false", describe(*stream));
        r.stream = stream->get<bool>();
    }
}

Ordered usage(const ApiResult& result) {
    return {{"prompt_tokens", result.prompt_tokens},
            {"completion_tokens", result.completion_tokens},
            {"total_tokens", result.prompt_tokens + result.completion_tokens}};
}

Ordered headJson(const ApiResponseHead& head, const char* object) {
    Ordered j;
    j["id"] = head.id;
    j["object"] = object;
    j["created"] = head.created;
    j["model"] = head.model;
    return j;
}

Ordered orNull(const std::string& s) {
    return s.empty() ? Ordered() : Ordered(s);
}

std::string dumped(const Ordered& j) {
    return j.dump(-1, ' ', false, Ordered::error_handler_t::replace);
}

}  // namespace

ApiError::ApiError(int status_, const std::string& message, std::string param_, std::string type_,
                   std::string code_)
    : Error(message),
      status(status_),
      param(std::move(param_)),
      type(std::move(type_)),
      code(std::move(code_)) {}

ApiRequest parseApiRequest(const std::string& body, bool chat, const ApiLimits& limits) {
    Json j;
    try {
        j = Json::parse(body);
    } catch (const Json::parse_error& e) {
        throw ApiError(400, "the request body is not valid JSON (at byte " +
                                std::to_string(e.byte) +
                                "); expected an object such as {\"model\": ..., " +
                                (chat ? "\"messages\": [...]}" : "\"prompt\": \"...\"}"));
    }
    if (!j.is_object())
        refuse("body", "a JSON object", describe(j));
    ApiRequest r;
    r.chat = chat;
    if (const Json* model = field(j, "model"))
        r.model = text(*model, "model");
    if (chat)
        readMessages(j, r);
    else
        readPrompt(j, r);
    readSettings(j, limits, r);
    readStops(j, r);
    return r;
}

std::string completionJson(const ApiResponseHead& head, const ApiResult& result) {
    Ordered j = headJson(head, head.chat ? "chat.completion" : "text_completion");
    Ordered choice;
    choice["index"] = 0;
    if (head.chat) {
        choice["message"] = {{"role", "assistant"}, {"content", validUtf8(result.text)}};
    } else {
        choice["text"] = validUtf8(result.text);
        choice["logprobs"] = nullptr;
    }
    choice["finish_reason"] = result.finish_reason;
    j["choices"] = Ordered::array({choice});
    j["usage"] = usage(result);
    return dumped(j);
}

std::string chunkEvent(const ApiResponseHead& head, const std::string& text, bool with_role,
                       const std::string& finish_reason) {
    Ordered j = headJson(head, head.chat ? "chat.completion.chunk" : "text_completion");
    Ordered choice;
    choice["index"] = 0;
    if (head.chat) {
        Ordered delta = Ordered::object();
        if (with_role)
            delta["role"] = "assistant";
        if (!text.empty() || (!with_role && finish_reason.empty()))
            delta["content"] = validUtf8(text);
        choice["delta"] = delta;
    } else {
        choice["text"] = validUtf8(text);
        choice["logprobs"] = nullptr;
    }
    choice["finish_reason"] = orNull(finish_reason);
    j["choices"] = Ordered::array({choice});
    return "data: " + dumped(j) + "\n\n";
}

std::string modelsJson(const std::string& model, int64_t created) {
    Ordered m;
    m["id"] = model;
    m["object"] = "model";
    m["created"] = created;
    m["owned_by"] = "rgpb";
    return dumped({{"object", "list"}, {"data", Ordered::array({m})}});
}

std::string errorJson(const ApiError& error) {
    Ordered e;
    e["message"] = error.what();
    e["type"] = error.type;
    e["param"] = orNull(error.param);
    e["code"] = orNull(error.code);
    return dumped({{"error", e}});
}

std::string validUtf8(const std::string& text) {
    std::string out;
    out.reserve(text.size());
    for (const Utf8Char& c : decodeUtf8(text)) {
        if (c.cp == kInvalidUtf8)
            appendUtf8(out, 0xFFFD);
        else
            out.append(text, c.begin, c.size);
    }
    return out;
}

std::size_t completeUtf8Prefix(const std::string& text) {
    const std::size_t n = text.size();
    for (std::size_t back = 1; back <= 4 && back <= n; ++back) {
        const auto c = static_cast<unsigned char>(text[n - back]);
        if ((c & 0xC0) == 0x80)
            continue;  // a continuation byte: its lead is further back
        std::size_t need = 0;
        if ((c & 0xE0) == 0xC0)
            need = 2;
        else if ((c & 0xF0) == 0xE0)
            need = 3;
        else if ((c & 0xF8) == 0xF0)
            need = 4;
        return need > back ? n - back : n;
    }
    return n;
}

}  // namespace rgpb::serve
