// The run configuration's fields, defined once: key, type, allowed range or choices, label, one
// line of documentation, and how to read and write the RunConfig member. The YAML reader and
// writer (RunConfigYaml.cpp), `--set`, the window's form (its rows, tooltips and checks) and
// the reference table in docs/config.md all come from this table, so a range or a default
// cannot differ between them. Only the stages list and the cross-field rules (model.from
// excludes the shape keys, max_prompt_length < max_length) are written by hand. Torch-free and
// YAML-free (rgpb_core_light).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <variant>
#include <vector>

#include "core/config/RunConfig.h"

namespace rgpb {

enum class FieldType {
    Text,        // a string
    Integer,     // a whole number in [min, max]
    Number,      // a finite number in [min, max] ((min, max] when min_open)
    Boolean,     // true or false
    Choice,      // one of `choices`
    NumberPair,  // two numbers, each in [min, max) (optimizer.betas)
    TriState,    // true, false, or absent = keep the model size's value (stored -1, 0, 1)
};

using FieldValue = std::variant<bool, int64_t, double, std::string, std::vector<double>>;

struct ConfigField {
    std::string key;  // YAML path, e.g. "optimizer.lr"
    FieldType type = FieldType::Text;
    std::string label;                 // short name for the form
    std::string doc;                   // one sentence: tooltip and reference table
    double min = 0, max = 0;           // Integer, Number, NumberPair
    bool min_open = false;             // Number: min itself not allowed
    std::vector<std::string> choices;  // Choice: the values; NumberPair: the two names
    // The writer leaves the key out while it holds its default (the model's shape overrides).
    bool omit_default = false;
    std::function<FieldValue(const RunConfig&)> get;
    std::function<void(RunConfig&, const FieldValue&)> set;
    // Extra rule beyond type and range (e.g. the device pattern): the problem, or empty.
    std::function<std::string(const FieldValue&)> rule;
};

// Every field in the order of the YAML file (sections contiguous).
const std::vector<ConfigField>& configFields();
// The field of a key path, nullptr when there is none.
const ConfigField* findConfigField(const std::string& key);
// A key path's section and name: "data.synthetic.count" -> "data.synthetic", "count"; a
// top-level key's section is "".
std::string configKeySection(const std::string& key);
std::string configKeyName(const std::string& key);
// The field's default: its value in a default RunConfig.
FieldValue defaultValue(const ConfigField& field);

// What the field accepts, as error messages say it: "a number in (0, 10]", "a whole number in
// [1, 100000]", "one of constant, cosine", "true or false", "a string".
std::string expectedText(const ConfigField& field);
// The problem with `value` for `field` ("expected a number in (0, 10], got 20"), empty if none.
std::string checkValue(const ConfigField& field, const FieldValue& value);

// The shortest decimal text that reads back as the same double ("0.003", not
// "0.0030000000000000001"); used by the YAML writer and the form.
std::string shortestNumberText(double value);
// A value as YAML / form text ("0.003", "true", "[0.9, 0.95]", "micro").
std::string valueText(const FieldValue& value);

// The reference table of every key (Markdown), as docs/config.md holds it.
std::string configReferenceMarkdown();

}  // namespace rgpb
