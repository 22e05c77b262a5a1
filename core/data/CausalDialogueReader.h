// Implementation detail of PairDataset.cpp: the causal-dialogue (DAG JSON) reader, kept in its
// own file because walking the DAG is a different job from reading JSONL lines. The format and
// its exact interpretation are documented in PairDataset.h.
#pragma once

#include <string>

#include "core/data/PairDataset.h"
#include "core/util/Error.h"

namespace rgpb {

// Appends the pairs of the causal-dialogue document `text` (read from `path`) to `out`.
void readCausalDialogue(const std::string& path, const std::string& text, MalformedPolicy policy,
                        PairDataset& out);

// Applies `policy` to one malformed record: rethrows `error` under Stop; under Skip counts it
// and keeps its message among the report's first problems.
void noteMalformed(ReadReport& report, MalformedPolicy policy, const InputError& error);

}  // namespace rgpb
