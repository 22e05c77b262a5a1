// How a conversation becomes the prompt a trained run continues: what `rgpb serve`'s
// /v1/chat/completions and the workbench's Chat tab both send to the generator. Torch-free.
//
// Two templates, one per way the project's data lays out prompts:
//   hh-rlhf  the HH-RLHF dialogue format the run was trained on: every turn as
//            "\n\nHuman: <user>" or "\n\nAssistant: <assistant>", and the prompt ends with
//            "\n\nAssistant:" so the model writes the next assistant turn (its training
//            responses start after that colon). A system message goes first, as plain text.
//            Generation stops where the model starts the next "\n\nHuman:" turn.
//   plain    single prompts (the synthetic task, TRL "prompt" files, CausalDialogue): the
//            prompt is the last user message alone; earlier turns are not part of anything the
//            run was trained on.
#pragma once

#include <string>
#include <vector>

namespace rgpb {

struct DataConfig;

struct ChatMessage {
    std::string role;  // "system", "user" or "assistant"
    std::string content;
};

enum class ChatTemplateKind { HhRlhf, Plain };

struct ChatTemplate {
    ChatTemplateKind kind = ChatTemplateKind::Plain;

    // "hh-rlhf" or "plain".
    const char* name() const;
    // The prompt for the next assistant turn. ArgumentError naming the message index and what
    // was expected for an unknown role or a conversation without a user message.
    std::string render(const std::vector<ChatMessage>& messages) const;
    // Strings that end a response when the model writes them (the text is cut before them).
    std::vector<std::string> stops() const;
    // `response` cut at the first stop string, with the leading space of an HH-RLHF answer
    // removed. `stopped` (optional) says whether a stop string was found.
    std::string finish(const std::string& response, bool* stopped = nullptr) const;
    // How many leading bytes of a streamed, still growing `response` can be shown for sure:
    // everything before a possible start of a stop string at its end.
    std::size_t safePrefix(const std::string& response) const;
};

// safePrefix() and finish()'s cut for any stop strings (e.g. a request's own): how many leading
// bytes of a growing `text` cannot turn into the start of a stop string, and where the first
// stop string in `text` begins (npos when none). Empty stop strings are ignored.
std::size_t stopSafePrefix(const std::string& text, const std::vector<std::string>& stops);
std::size_t firstStop(const std::string& text, const std::vector<std::string>& stops);

// "hh-rlhf" (or "hh") / "plain"; ArgumentError naming `flag` and the choices otherwise.
ChatTemplate parseChatTemplate(const std::string& name, const std::string& flag = "chat template");

// The template of a run trained on `data`: hh-rlhf when its format is hh-rlhf, or auto and the
// source file is detected as HH-RLHF (an unreadable source counts as not); plain otherwise.
ChatTemplate chatTemplateFor(const DataConfig& data);

}  // namespace rgpb
