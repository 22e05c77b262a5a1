// The one table of pair-data formats (core/data/PairDataset.h reads them): each format's
// canonical name, the other names accepted for it, and one line saying what it is. Every place
// that takes a format name — `rgpb eval --format`, `rgpb gradlab measure --format`, the run
// config's data.format, the workbench's format list — parses and lists names through these
// functions, so they all accept and show the same vocabulary. Torch-free and Qt-free.
#pragma once

#include <string>
#include <vector>

namespace rgpb {

// Text and TextJsonl are documents of unlabeled text (method lm), not pairs; auto never picks
// them (a run config must say that its data is text, see DataConfig::textSource()).
enum class DataFormat { Auto, HhRlhf, Trl, Contrast, CausalDialogue, Text, TextJsonl };

struct DataFormatInfo {
    DataFormat format;
    std::string name;                  // canonical name: written to configs, shown in lists
    std::vector<std::string> aliases;  // other names accepted on input ("hh" for hh-rlhf)
    std::string description;           // one line for help texts
};

// Every format, Auto first, in the order lists show them.
const std::vector<DataFormatInfo>& dataFormats();

// The format named `name` (canonical or alias, exact match). Anything else throws
// ArgumentError "<where>: argument '<flag>' must be one of auto, hh-rlhf, ..., got '<name>'";
// `flag` is what the user wrote the name in ("--format", "data.format").
DataFormat parseDataFormat(const std::string& name, const std::string& flag = "format",
                           const std::string& where = "data format");

// The canonical name of `f` ("hh-rlhf" for HhRlhf).
const char* dataFormatName(DataFormat f);

// The canonical names in table order: {"auto", "hh-rlhf", "trl", "contrast", "causal-dialogue",
// "text", "text-jsonl"}.
std::vector<std::string> dataFormatNames();

// The canonical names joined for a message or usage line: "auto, hh-rlhf, ..." with ", ";
// "auto|hh-rlhf|..." with "|".
std::string dataFormatList(const std::string& separator = ", ");

// One line per format for a help text: "  hh-rlhf (or hh)  Anthropic HH-RLHF: ...".
std::string dataFormatHelp(const std::string& indent = "  ");

}  // namespace rgpb
