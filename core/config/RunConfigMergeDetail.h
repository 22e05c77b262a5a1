// Inside RunConfigMerge.cpp (not for other users): the line model of the YAML text and the
// stage helpers, split out to keep each file short. Torch-free.
#pragma once

#include <yaml-cpp/yaml.h>

#include <optional>
#include <string>
#include <vector>

#include "core/config/RunConfig.h"

namespace rgpb::merge_detail {

// Thrown inside the merge when the text has a shape it does not edit; mergeIntoYaml() then
// writes the config in full.
struct CannotMerge {};

// One line of the text. Key lines are `<indent>key: value<gap># comment`.
struct Line {
    enum Kind { Blank, Comment, Key, Continuation, Other };
    std::string text;
    Kind kind = Other;
    int indent = 0;
    std::string key, value, gap, comment;
    std::string path;        // Key lines outside the stages list: the dotted key path
    bool in_stages = false;  // inside the stages list (edited item by item, not by key)
    bool flow = false;       // Key: the value is a flow collection ({...} or [...])
    int span = 1;            // Key: lines its value takes (a flow collection may wrap)
};

// Splits what follows "key:" into the value, the blanks before a comment, and the comment.
void splitComment(const std::string& rest, std::string& value, std::string& gap,
                  std::string& comment);
// The text's lines; CannotMerge for text this model does not edit (tabs, CR, anchors, block
// scalars, a document marker, a flow mapping at the top, duplicated keys, ...).
std::vector<Line> parseLines(const std::string& text);
std::string joinLines(const std::vector<Line>& lines);
// A Key line's text from its parts.
std::string rebuild(const Line& line);

// One stage as a one-line flow mapping, the keys with their defaults left out.
std::string stageFlow(const StageConfig& stage);
// One stage of the previous text, read alone; nullopt when it does not read.
std::optional<StageConfig> readStage(const YAML::Node& node);
bool sameStage(const StageConfig& a, const StageConfig& b);

// How the stages list changes: old items kept, rewritten or removed, new ones added.
struct StageEdit {
    enum Kind { Keep, Replace, Remove, Add } kind;
    std::size_t old_index = 0, new_index = 0;
};

// Aligns the old stages with the new ones (see RunConfigMergeStages.cpp).
std::vector<StageEdit> alignStages(const std::vector<std::optional<StageConfig>>& before,
                                   const std::vector<StageConfig>& after);

}  // namespace rgpb::merge_detail
