/* The plain C interface of rgpb_spm, the SentencePiece shim module. SentencePiece carries its
 * own protobuf-lite, which clashes with the libprotobuf that LibTorch loads (a crash during
 * static initialisation when both are linked into one process). So the core never links
 * SentencePiece: it dlopen()s this module with RTLD_DEEPBIND (see SpmShim.h), and everything
 * that crosses the boundary is plain C: no C++ objects, no exceptions, buffers allocated by the
 * module and released by it. Functions that can fail return 0 on success and -1 on failure,
 * with the reason in rgpb_spm_last_error() (per thread). Bump RGPB_SPM_ABI when this changes. */
#ifndef RGPB_SPM_H
#define RGPB_SPM_H

#include <stddef.h>
#include <stdint.h>

#define RGPB_SPM_ABI 1

#ifdef __cplusplus
extern "C" {
#endif

typedef struct rgpb_spm_model rgpb_spm_model;

/* RGPB_SPM_ABI of the module, so the core can refuse a stale build. */
int rgpb_spm_abi(void);

/* Message of the last failure in this thread; never NULL, "" if none. */
const char* rgpb_spm_last_error(void);

/* Trains a model with SentencePiece's own options given as `count` key/value pairs (e.g.
 * "input" -> a text file with one sentence per line, "model_prefix", "vocab_size"). The random
 * generator is seeded with `seed` first, so equal inputs give equal models. */
int rgpb_spm_train(const char* const* keys, const char* const* values, int count,
                   unsigned int seed);

/* Loads a .model file; NULL on failure. Release with rgpb_spm_free(). */
rgpb_spm_model* rgpb_spm_load(const char* model_path);
void rgpb_spm_free(rgpb_spm_model* model);

int rgpb_spm_piece_count(const rgpb_spm_model* model);
/* 1 if `id` is a control / unknown / byte-fallback piece, 0 if not (or out of range). */
int rgpb_spm_is_control(const rgpb_spm_model* model, int id);
int rgpb_spm_is_unknown(const rgpb_spm_model* model, int id);
/* The piece text of `id` ("" when out of range); valid until the model is freed. */
const char* rgpb_spm_id_to_piece(const rgpb_spm_model* model, int id);

/* Encodes `size` bytes of UTF-8 into *ids (*count entries); release with
 * rgpb_spm_free_buffer(). */
int rgpb_spm_encode(const rgpb_spm_model* model, const char* text, size_t size, int32_t** ids,
                    size_t* count);
/* Decodes ids into *text (*size bytes plus a terminating NUL); release with
 * rgpb_spm_free_buffer(). */
int rgpb_spm_decode(const rgpb_spm_model* model, const int32_t* ids, size_t count, char** text,
                    size_t* size);
void rgpb_spm_free_buffer(void* buffer);

#ifdef __cplusplus
}
#endif

#endif /* RGPB_SPM_H */
