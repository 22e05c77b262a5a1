#include "core/train/TrainingData.h"

#include <spdlog/spdlog.h>

#include <filesystem>

#include "core/data/SyntheticTask.h"
#include "core/tokenizer/TokenizerFactory.h"
#include "core/train/ModelSource.h"
#include "core/util/Error.h"
#include "core/util/Log.h"

namespace fs = std::filesystem;

namespace rgpb {

DataSplit loadPairTexts(const DataConfig& data, uint64_t seed, ReadReport* report) {
    std::vector<PairText> pairs;
    if (data.source == "synthetic") {
        SyntheticTaskOptions o;
        o.regime = parseSyntheticRegime(data.synthetic_regime);
        o.count = static_cast<std::size_t>(data.synthetic_count);
        o.seed = seed;
        o.overlap = data.synthetic_overlap;
        pairs = generateSyntheticPairs(o);
    } else if (data.source == "synthetic-text") {
        SyntheticTextOptions o;
        o.count = static_cast<std::size_t>(data.synthetic_count);
        o.seed = seed;
        pairs = generateSyntheticDocuments(o);
    } else {
        PairDataset ds = readPairDataset(
            data.source, parseDataFormat(data.format),
            data.on_malformed == "stop" ? MalformedPolicy::Stop : MalformedPolicy::Skip);
        auto log = log::get("data");
        log->info("{}: {} pairs read, {} skipped ({})", data.source, ds.report.read,
                  ds.report.skipped, dataFormatName(ds.format));
        for (const std::string& p : ds.report.problems)
            log->warn("{}", p);
        pairs = std::move(ds.pairs);
        if (report)
            *report = ds.report;
    }
    if (data.limit > 0 && pairs.size() > static_cast<std::size_t>(data.limit)) {
        shufflePairs(pairs, seed ^ 0x5eedull);
        pairs.resize(static_cast<std::size_t>(data.limit));
    }
    const std::size_t eval = static_cast<std::size_t>(data.eval_pairs);
    const std::size_t validation = static_cast<std::size_t>(data.validation_pairs);
    if (pairs.size() < eval + validation + 1) {
        throw InputError(data.source, "only " + std::to_string(pairs.size()) +
                                          (data.textSource() ? " documents" : " usable pairs") +
                                          ": data.eval_pairs = " + std::to_string(eval) +
                                          (validation ? " and data.validation_pairs = " +
                                                            std::to_string(validation)
                                                      : std::string()) +
                                          " leave none to train on");
    }
    DataSplit split = splitPairs(std::move(pairs), eval, seed);
    if (validation > 0) {
        // The validation pairs are the first of the (already shuffled) training side, so the
        // eval split is the same with and without them.
        split.validation.assign(split.train.begin(),
                                split.train.begin() + static_cast<std::ptrdiff_t>(validation));
        split.train.erase(split.train.begin(),
                          split.train.begin() + static_cast<std::ptrdiff_t>(validation));
    }
    return split;
}

TrainingData prepareTrainingData(const RunConfig& config, const std::string& tokenizer_dir) {
    TrainingData d;
    DataSplit split = loadPairTexts(config.data, config.dataSeed());
    d.train_text = std::move(split.train);
    // Evaluating on the validation split drops the eval split here, unread by anything after.
    d.eval_text =
        config.eval.split == "validation" ? std::move(split.validation) : std::move(split.eval);

    if (fs::exists(fs::path(tokenizer_dir) / "rgpb_tokenizer.json")) {
        d.tokenizer = loadTokenizer(tokenizer_dir);
    } else if (!config.model.from.empty()) {
        // The tokenizer comes with the model it starts from, a Hugging Face folder's or a run's
        // (RunConfig forbids naming another).
        d.tokenizer = loadSourceTokenizer(resolveModelSource(config.model.from));
        d.tokenizer->save(tokenizer_dir);
    } else if (config.tokenizer.kind == "sentencepiece") {
        std::vector<std::string> texts;
        texts.reserve(d.train_text.size() * 3);
        for (const PairText& p : d.train_text) {
            texts.push_back(p.prompt_pos);
            texts.push_back(p.response_pos);
            texts.push_back(p.response_neg);
        }
        d.tokenizer = trainSentencePieceTokenizer(
            texts, static_cast<int>(config.tokenizer.vocab_size), tokenizer_dir);
    } else {
        d.tokenizer = makeByteTokenizer();
        d.tokenizer->save(tokenizer_dir);
    }

    LengthLimits limits;
    limits.max_length = static_cast<int>(config.data.max_length);
    limits.max_prompt_length = static_cast<int>(config.data.max_prompt_length);
    d.train = tokenizePairs(*d.tokenizer, d.train_text, limits);
    d.eval = tokenizePairs(*d.tokenizer, d.eval_text, limits);
    return d;
}

}  // namespace rgpb
