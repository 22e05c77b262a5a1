// Everything a run trains and evaluates on, prepared once: the pair texts (synthetic or read
// from a file) split into train and eval by seed, the tokenizer (byte-level, or SentencePiece
// trained on the training texts and saved in the run folder), and the tokenized pairs.
// Implementation header (LibTorch through PairBatch.h).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "core/config/RunConfig.h"
#include "core/data/PairBatch.h"
#include "core/data/PairDataset.h"
#include "core/data/PairSource.h"
#include "core/data/PairText.h"
#include "core/tokenizer/Tokenizer.h"

namespace rgpb {

struct TrainingData {
    std::vector<PairText> train_text, eval_text;
    std::vector<TokenizedPair> train, eval;
    std::unique_ptr<Tokenizer> tokenizer;
    ReadReport report;  // of the file reader; empty for synthetic data
};

// Loads, splits and tokenizes. With `tokenizer_dir` holding a saved tokenizer (resume) it is
// reloaded; otherwise one is made (and, for SentencePiece, trained) and saved there.
TrainingData prepareTrainingData(const RunConfig& config, const std::string& tokenizer_dir);

}  // namespace rgpb
