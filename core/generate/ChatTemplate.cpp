#include "core/generate/ChatTemplate.h"

#include <algorithm>

#include "core/config/RunConfig.h"
#include "core/data/PairDataset.h"
#include "core/util/Error.h"

namespace rgpb {
namespace {

constexpr const char* kHuman = "\n\nHuman:";

}  // namespace

const char* ChatTemplate::name() const {
    return kind == ChatTemplateKind::HhRlhf ? "hh-rlhf" : "plain";
}

std::string ChatTemplate::render(const std::vector<ChatMessage>& messages) const {
    std::string out;
    const ChatMessage* last_user = nullptr;
    for (std::size_t i = 0; i < messages.size(); ++i) {
        const ChatMessage& m = messages[i];
        if (m.role == "user") {
            last_user = &m;
            out += "\n\nHuman: " + m.content;
        } else if (m.role == "assistant") {
            out += "\n\nAssistant: " + m.content;
        } else if (m.role == "system") {
            out += m.content;
        } else {
            throw ArgumentError("chat messages", "messages[" + std::to_string(i) + "].role",
                                "\"system\", \"user\" or \"assistant\"", "'" + m.role + "'");
        }
    }
    if (last_user == nullptr)
        throw ArgumentError("chat messages", "messages", "at least one message with role \"user\"",
                            messages.empty() ? "no messages" : "none with role \"user\"");
    if (kind == ChatTemplateKind::Plain)
        return last_user->content;
    return out + "\n\nAssistant:";
}

std::vector<std::string> ChatTemplate::stops() const {
    if (kind == ChatTemplateKind::HhRlhf)
        return {kHuman};
    return {};
}

std::string ChatTemplate::finish(const std::string& response, bool* stopped) const {
    std::string text = response;
    const std::size_t at = firstStop(text, stops());
    if (at != std::string::npos)
        text.resize(at);
    if (kind == ChatTemplateKind::HhRlhf && !text.empty() && text.front() == ' ')
        text.erase(0, 1);
    if (stopped != nullptr)
        *stopped = at != std::string::npos;
    return text;
}

std::size_t ChatTemplate::safePrefix(const std::string& response) const {
    return stopSafePrefix(response, stops());
}

std::size_t firstStop(const std::string& text, const std::vector<std::string>& stops) {
    std::size_t first = std::string::npos;
    for (const std::string& s : stops) {
        if (!s.empty())
            first = std::min(first, text.find(s));
    }
    return first;
}

std::size_t stopSafePrefix(const std::string& text, const std::vector<std::string>& stops) {
    std::size_t safe = text.size();
    for (const std::string& s : stops) {
        if (s.empty())
            continue;
        const std::size_t at = text.find(s);
        if (at != std::string::npos) {
            safe = std::min(safe, at);
            continue;
        }
        // The longest suffix of `text` that is a proper prefix of the stop string.
        for (std::size_t n = std::min(s.size() - 1, text.size()); n > 0; --n) {
            if (text.compare(text.size() - n, n, s, 0, n) == 0) {
                safe = std::min(safe, text.size() - n);
                break;
            }
        }
    }
    return safe;
}

ChatTemplate parseChatTemplate(const std::string& name, const std::string& flag) {
    ChatTemplate t;
    if (name == "hh-rlhf" || name == "hh") {
        t.kind = ChatTemplateKind::HhRlhf;
    } else if (name == "plain") {
        t.kind = ChatTemplateKind::Plain;
    } else {
        throw ArgumentError("chat template", flag, "hh-rlhf or plain", "'" + name + "'");
    }
    return t;
}

ChatTemplate chatTemplateFor(const DataConfig& data) {
    ChatTemplate t;
    DataFormat format = DataFormat::Auto;
    try {
        format = parseDataFormat(data.format, "data.format");
        if (format == DataFormat::Auto && data.source != "synthetic" &&
            data.source != "synthetic-text")
            format = detectDataFormat(data.source);
    } catch (const std::exception&) {
        format = DataFormat::Auto;  // unreadable or unknown: no evidence of HH-RLHF
    }
    if (format == DataFormat::HhRlhf)
        t.kind = ChatTemplateKind::HhRlhf;
    return t;
}

}  // namespace rgpb
