// The pair texts a run config names (synthetic task or dataset file), split into train and
// eval by seed, without tokenization. Torch-free: the GUI's data preview reads through it.
#pragma once

#include <cstdint>

#include "core/config/RunConfig.h"
#include "core/data/PairDataset.h"

namespace rgpb {

// InputError for a missing or malformed file, or too few pairs for the requested eval split.
// `report`, when given, receives the file reader's report (records, pairs, skipped, first
// problems; empty for synthetic data). Defined in core/train/TrainingData.cpp.
DataSplit loadPairTexts(const DataConfig& data, uint64_t seed, ReadReport* report = nullptr);

}  // namespace rgpb
