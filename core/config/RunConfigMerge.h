// Writing a run configuration back into the YAML text it came from, keeping what the user wrote:
// comments (on their own lines and after values), blank lines, key order, flow or block style
// and number spelling of every value that did not change. The window's form edits a RunConfig;
// toYaml() would write it in full and drop every comment (yaml-cpp keeps none), so the form
// writes through mergeIntoYaml() instead. Line-based: the value of an existing key is replaced
// in place (a flow section such as `optimizer: {lr: 3.0e-3, ...}` is unfolded into block style
// only when one of its keys changes), a key the config now needs is added to its section, a key
// it no longer allows is removed; stages are kept item by item when they did not change. Text it
// cannot edit safely (anchors, multi-line scalars, a flow mapping at the top, ...) and any merge
// whose result would not read back as `config` fall back to toYaml(). Torch-free.
#pragma once

#include <string>

#include "core/config/RunConfig.h"

namespace rgpb {

// `config` written into `previous` (see above); toYaml(config) when `previous` is empty or
// cannot be merged.
std::string mergeIntoYaml(const std::string& previous, const RunConfig& config);

}  // namespace rgpb
