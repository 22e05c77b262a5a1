#include "core/tokenizer/SpmShim.h"

#include <dlfcn.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <mutex>
#include <system_error>

#include "core/util/Error.h"

namespace fs = std::filesystem;

namespace rgpb::spm {

namespace {

constexpr const char* kModuleName = "librgpb_spm.so";

std::string executableDir() {
    std::error_code ec;
    fs::path exe = fs::read_symlink("/proc/self/exe", ec);
    return ec ? std::string() : exe.parent_path().string();
}

// AddressSanitizer and ThreadSanitizer refuse dlopen(RTLD_DEEPBIND) in their dlopen
// interceptor (google/sanitizers#611: a deep-bound library would bind malloc and free to libc
// rather than to the sanitizer runtime). The module of a sanitizer build is instrumented, so the
// runtime is its first dependency and comes first in its deep-bound scope as well: the
// objection does not apply, and the module is opened through glibc's own dlopen, past the
// interceptor. Ordinary builds call dlopen directly.
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
void* openDeepBound(const char* path, int flags) {
    using DlopenFn = void* (*)(const char*, int);
    static const DlopenFn libcDlopen = [] {
        void* libc = dlopen("libc.so.6", RTLD_LAZY | RTLD_NOLOAD);
        return libc ? reinterpret_cast<DlopenFn>(dlsym(libc, "dlopen")) : nullptr;
    }();
    return libcDlopen ? libcDlopen(path, flags) : nullptr;
}
#else
void* openDeepBound(const char* path, int flags) {
    return dlopen(path, flags);
}
#endif

template <typename Fn>
void resolve(void* handle, const char* name, Fn& fn) {
    void* symbol = dlsym(handle, name);
    if (!symbol)
        throw Error(std::string("symbol ") + name + " missing");
    fn = reinterpret_cast<Fn>(symbol);
}

// Opens one candidate; returns false with the reason in `why` when it cannot be used.
bool tryLoad(const std::string& path, ShimApi& api, std::string& why) {
    std::error_code ec;
    if (!fs::exists(path, ec)) {
        why = "not found";
        return false;
    }
    // RTLD_DEEPBIND is the point of the exercise (see the header); RTLD_LOCAL keeps
    // SentencePiece's protobuf symbols out of the global scope where LibTorch could see them.
    void* handle = openDeepBound(path.c_str(), RTLD_NOW | RTLD_LOCAL | RTLD_DEEPBIND);
    if (!handle) {
        const char* err = dlerror();
        why = err ? err : "dlopen failed";
        return false;
    }
    try {
        api.path = path;
        resolve(handle, "rgpb_spm_abi", api.abi);
        resolve(handle, "rgpb_spm_last_error", api.last_error);
        resolve(handle, "rgpb_spm_train", api.train);
        resolve(handle, "rgpb_spm_load", api.load);
        resolve(handle, "rgpb_spm_free", api.free);
        resolve(handle, "rgpb_spm_piece_count", api.piece_count);
        resolve(handle, "rgpb_spm_is_control", api.is_control);
        resolve(handle, "rgpb_spm_is_unknown", api.is_unknown);
        resolve(handle, "rgpb_spm_id_to_piece", api.id_to_piece);
        resolve(handle, "rgpb_spm_encode", api.encode);
        resolve(handle, "rgpb_spm_decode", api.decode);
        resolve(handle, "rgpb_spm_free_buffer", api.free_buffer);
        if (api.abi() != RGPB_SPM_ABI) {
            throw Error("ABI " + std::to_string(api.abi()) + ", expected " +
                        std::to_string(RGPB_SPM_ABI) + " (stale build)");
        }
    } catch (const Error& e) {
        dlclose(handle);
        why = e.what();
        return false;
    }
    // Never dlclose()d on success: the module lives as long as the process.
    return true;
}

}  // namespace

std::vector<std::string> shimCandidates() {
    std::vector<std::string> out;
    // An explicit choice is the only candidate: silently loading another build instead of
    // the one the user named would hide their mistake.
    if (const char* env = std::getenv("RGPB_SPM_SHIM"); env && *env)
        return {env};
    std::string dir = executableDir();
    if (!dir.empty()) {
        out.push_back((fs::path(dir) / kModuleName).string());
        out.push_back((fs::path(dir) / ".." / "lib" / "rgpb" / kModuleName).string());
    }
#ifdef RGPB_SPM_SHIM_BUILD_PATH
    out.emplace_back(RGPB_SPM_SHIM_BUILD_PATH);
#endif
    return out;
}

const ShimApi& shim() {
    static std::mutex mutex;
    static ShimApi api;
    static bool loaded = false;
    std::lock_guard<std::mutex> lock(mutex);
    if (loaded)
        return api;
    std::string tried;
    for (const std::string& path : shimCandidates()) {
        std::string why;
        ShimApi candidate;
        if (tryLoad(path, candidate, why)) {
            api = candidate;
            loaded = true;
            return api;
        }
        tried += "\n  " + path + ": " + why;
    }
    throw Error("SentencePiece support module " + std::string(kModuleName) +
                " could not be loaded; tried:" + tried +
                "\nSet RGPB_SPM_SHIM to its full path, or use the byte tokenizer.");
}

std::vector<int32_t> encode(const rgpb_spm_model* model, const std::string& text) {
    const ShimApi& api = shim();
    int32_t* buffer = nullptr;
    std::size_t count = 0;
    if (api.encode(model, text.data(), text.size(), &buffer, &count) != 0)
        throw Error(std::string("SentencePiece encode failed: ") + api.last_error());
    std::vector<int32_t> ids(buffer, buffer + count);
    api.free_buffer(buffer);
    return ids;
}

std::string decode(const rgpb_spm_model* model, const std::vector<int32_t>& ids) {
    const ShimApi& api = shim();
    char* buffer = nullptr;
    std::size_t size = 0;
    if (api.decode(model, ids.data(), ids.size(), &buffer, &size) != 0)
        throw Error(std::string("SentencePiece decode failed: ") + api.last_error());
    std::string text(buffer, size);
    api.free_buffer(buffer);
    return text;
}

}  // namespace rgpb::spm
