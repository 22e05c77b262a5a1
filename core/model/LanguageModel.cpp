#include "core/model/LanguageModel.h"

#include "core/model/Safetensors.h"
#include "core/util/Error.h"

namespace rgpb {

LanguageModel::LanguageModel(GptNeoX model) : neox_(std::move(model)) {}

LanguageModel::LanguageModel(T5 model) : t5_(std::move(model)) {}

LanguageModel::LanguageModel(const ModelShape& shape) {
    if (shape.seq2seq())
        t5_ = T5(shape.t5());
    else
        neox_ = GptNeoX(shape.decoderOnly());
}

torch::nn::Module& LanguageModel::module() const {
    if (t5_)
        return *t5_;
    if (neox_)
        return *neox_;
    throw ArgumentError("LanguageModel", "model", "a model", "none (not built yet)");
}

GptNeoX& LanguageModel::neox(const char* where) const {
    if (!neox_)
        throw ArgumentError(where, "model", "a decoder-only model (gpt_neox or gpt2)",
                            t5_ ? "the T5 encoder-decoder '" + t5_->config().name + "'" : "none");
    return neox_;
}

T5& LanguageModel::t5(const char* where) const {
    if (!t5_)
        throw ArgumentError(
            where, "model", "a T5 encoder-decoder",
            neox_ ? "the decoder-only model '" + neox_->config().name + "'" : "none");
    return t5_;
}

ModelShape LanguageModel::shape() const {
    if (t5_)
        return t5_->config();
    return neox("LanguageModel::shape")->config();
}

std::vector<std::pair<std::string, torch::Tensor>> LanguageModel::namedWeights() const {
    if (t5_)
        return rgpb::namedWeights(t5_);
    return rgpb::namedWeights(neox("LanguageModel::namedWeights"));
}

LanguageModel LanguageModel::copy() const {
    LanguageModel out(shape());
    torch::Device device = torch::kCPU;
    const auto from = namedWeights();
    if (!from.empty())
        device = from.front().second.device();
    out->to(device);
    torch::NoGradGuard no_grad;
    const auto to = out.namedWeights();
    for (std::size_t i = 0; i < to.size(); ++i)
        to[i].second.copy_(from[i].second);
    return out;
}

std::vector<int32_t> seq2seqEncoderIds(const std::vector<int32_t>& context, int64_t eos) {
    requireArgument(context.size() >= 2, "seq2seqEncoderIds", "context",
                    "[BOS] prompt [SEP] (at least 2 tokens)", context.size(), " tokens");
    std::vector<int32_t> ids(context.begin() + 1, context.end() - 1);
    ids.push_back(static_cast<int32_t>(eos));
    return ids;
}

void loadModelWeights(const LanguageModel& model, const std::string& path) {
    if (model.seq2seq())
        loadT5Weights(model.t5(), path);
    else
        loadModelWeights(model.neox(), path);
}

void saveModelWeights(const LanguageModel& model, const std::string& path,
                      const std::map<std::string, std::string>& metadata) {
    if (model.seq2seq())
        saveT5Weights(model.t5(), path, metadata);
    else
        saveModelWeights(model.neox(), path, metadata);
}

}  // namespace rgpb
