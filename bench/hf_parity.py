#!/usr/bin/env python3
"""Logit parity between the workbench and Hugging Face transformers, both directions.

NOT RUN IN THIS REPOSITORY'S CI: it needs Python with torch, transformers and safetensors
(e.g. the GPU machine's environment). It was written without access to transformers, so its
first run is also its own test.

For GPT-NeoX and GPT-2 (and, steps 1-2 plus the reload of step 3, for T5 v1.0 and v1.1 through
`rgpb logits --decoder-ids`) it
  1. builds a tiny random model in transformers (fixed seed) and saves it with
     save_pretrained(safe_serialization=True) (once as float32, once as bfloat16 + shards),
     plus a byte-level BPE tokenizer.json (GPT-2's if `tokenizers` can train one, else none);
  2. runs `rgpb import-hf` on it, then `rgpb logits DIR --ids ... --out logits.safetensors`
     on the imported folder, and compares with transformers' logits (max |difference|);
  3. runs `rgpb export-hf`-equivalent: `rgpb import-hf` output is itself a Hugging Face folder,
     so it reloads it with from_pretrained and compares logits again (export -> reload).

usage: python3 bench/hf_parity.py --rgpb build/app/rgpb [--device cpu|cuda] [--work DIR]
Prints one line per case: architecture, dtype, max |logit difference|; exits 1 if any
float32 case differs by more than 1e-4 (bf16 checkpoints compare the bf16-rounded weights,
which both sides load, so the same bound applies).
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

import torch
from safetensors.torch import load_file


def tiny_models():
    from transformers import GPT2Config, GPT2LMHeadModel, GPTNeoXConfig, GPTNeoXForCausalLM

    neox = GPTNeoXConfig(vocab_size=300, hidden_size=64, num_hidden_layers=2,
                         num_attention_heads=4, intermediate_size=128,
                         max_position_embeddings=128, rotary_pct=0.25, use_parallel_residual=True,
                         hidden_act="gelu", tie_word_embeddings=False)
    gpt2 = GPT2Config(vocab_size=300, n_embd=64, n_layer=2, n_head=4, n_positions=128,
                      activation_function="gelu_new", resid_pdrop=0.0, embd_pdrop=0.0,
                      attn_pdrop=0.0)
    torch.manual_seed(0)
    yield "gpt_neox", GPTNeoXForCausalLM(neox)
    torch.manual_seed(1)
    yield "gpt2", GPT2LMHeadModel(gpt2)


def tiny_t5_models():
    """T5 v1.0 (ReLU, tied head) and v1.1 (gated GELU, untied head), tiny and random."""
    from transformers import T5Config, T5ForConditionalGeneration

    for name, ff, tied in (("t5-v1.0", "relu", True), ("t5-v1.1", "gated-gelu", False)):
        cfg = T5Config(vocab_size=300, d_model=64, d_kv=16, d_ff=128, num_layers=2,
                       num_decoder_layers=2, num_heads=4, relative_attention_num_buckets=8,
                       relative_attention_max_distance=20, feed_forward_proj=ff,
                       tie_word_embeddings=tied, dropout_rate=0.0, decoder_start_token_id=0,
                       pad_token_id=0, eos_token_id=1)
        torch.manual_seed(2)
        yield name, T5ForConditionalGeneration(cfg)


def t5_parity(args, work, ids):
    """import-hf of a transformers T5, `rgpb logits --decoder-ids` against transformers' logits,
    and the imported folder reloaded by from_pretrained. Returns the worst max |difference|."""
    from transformers import T5ForConditionalGeneration

    dec = [0, 33, 7, 250, 12]
    enc_t, dec_t = torch.tensor([ids]), torch.tensor([dec])
    worst = 0.0
    for arch, model in tiny_t5_models():
        model.eval()
        with torch.no_grad():
            ref = model(input_ids=enc_t, decoder_input_ids=dec_t).logits[0].float()
        src = os.path.join(work, f"{arch}-float32")
        model.save_pretrained(src, safe_serialization=True)
        write_tokenizer(src)
        imported = os.path.join(work, f"{arch}-imported")
        run([args.rgpb, "import-hf", src, imported])
        out = os.path.join(work, f"{arch}-logits.safetensors")
        run([args.rgpb, "logits", imported, "--ids", " ".join(map(str, ids)), "--decoder-ids",
             " ".join(map(str, dec)), "--out", out, "--device", args.device])
        d_import = (load_file(out)["logits"] - ref).abs().max().item()
        back = T5ForConditionalGeneration.from_pretrained(imported, torch_dtype=torch.float32)
        back.eval()
        with torch.no_grad():
            again = back(input_ids=enc_t, decoder_input_ids=dec_t).logits[0].float()
        d_reload = (again - ref).abs().max().item()
        print(f"{arch:8s} float32  import max|diff| {d_import:.3e}   "
              f"imported->from_pretrained max|diff| {d_reload:.3e}")
        worst = max(worst, d_import, d_reload)
    return worst


def write_tokenizer(folder):
    """A byte-level BPE tokenizer.json (no merges: byte b = id 4 + b) so import-hf has one."""
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + \
        list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    vocab = {chr(c): 4 + b for b, c in zip(bs, cs)}
    added = [{"id": 0, "content": "<|endoftext|>", "special": True, "single_word": False,
              "lstrip": False, "rstrip": False, "normalized": False}]
    tok = {"version": "1.0", "added_tokens": added, "normalizer": None,
           "pre_tokenizer": {"type": "ByteLevel", "add_prefix_space": False,
                             "trim_offsets": True, "use_regex": True},
           "post_processor": None,
           "decoder": {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True,
                       "use_regex": True},
           "model": {"type": "BPE", "dropout": None, "unk_token": None,
                     "continuing_subword_prefix": None, "end_of_word_suffix": None,
                     "fuse_unk": False, "byte_fallback": False, "vocab": vocab, "merges": []}}
    with open(os.path.join(folder, "tokenizer.json"), "w", encoding="utf-8") as f:
        json.dump(tok, f, ensure_ascii=False)


def run(cmd):
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit(f"failed: {' '.join(cmd)}\n{r.stdout}\n{r.stderr}")
    return r.stdout


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rgpb", required=True)
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--work", default=None)
    args = ap.parse_args()
    from transformers import AutoModelForCausalLM

    work = args.work or tempfile.mkdtemp(prefix="hf_parity_")
    ids = [5, 17, 250, 3, 3, 99, 42, 7, 128, 64, 1, 200]
    worst = 0.0
    for arch, model in tiny_models():
        model.eval()
        with torch.no_grad():
            ref = model(torch.tensor([ids])).logits[0].float()
        for dtype, shard in (("float32", None), ("bfloat16", "20KB")):
            src = os.path.join(work, f"{arch}-{dtype}")
            m = model.to(getattr(torch, dtype))
            kwargs = {"safe_serialization": True}
            if shard:
                kwargs["max_shard_size"] = shard
            m.save_pretrained(src, **kwargs)
            write_tokenizer(src)
            model.float()
            ref_dtype = ref
            if dtype != "float32":
                # transformers' own logits from the bf16 weights, computed in float32.
                reloaded = AutoModelForCausalLM.from_pretrained(src, torch_dtype=torch.float32)
                with torch.no_grad():
                    ref_dtype = reloaded(torch.tensor([ids])).logits[0].float()
            model.float()
            imported = os.path.join(work, f"{arch}-{dtype}-imported")
            run([args.rgpb, "import-hf", src, imported])
            out = os.path.join(work, f"{arch}-{dtype}-logits.safetensors")
            run([args.rgpb, "logits", imported, "--ids", " ".join(map(str, ids)), "--out", out,
                 "--device", args.device])
            ours = load_file(out)["logits"]
            d_import = (ours - ref_dtype).abs().max().item()
            # The imported folder is a Hugging Face folder written by the workbench: reload it.
            back = AutoModelForCausalLM.from_pretrained(imported, torch_dtype=torch.float32)
            back.eval()
            with torch.no_grad():
                again = back(torch.tensor([ids])).logits[0].float()
            d_reload = (again - ref_dtype).abs().max().item()
            print(f"{arch:8s} {dtype:8s} import max|diff| {d_import:.3e}   "
                  f"imported->from_pretrained max|diff| {d_reload:.3e}")
            worst = max(worst, d_import, d_reload)
            if dtype != "float32":
                continue
            # A run trained from it (model.from), exported with export-hf, reloaded by
            # transformers: its logits equal the run's own (`rgpb logits RUN`).
            cfg = os.path.join(work, f"{arch}-run.yaml")
            with open(cfg, "w") as f:
                f.write(f"name: parity\nmodel: {{from: {imported}}}\ndevice: {args.device}\n"
                        "data: {synthetic: {count: 60}, eval_pairs: 8, max_length: 96, "
                        "max_prompt_length: 64}\noptimizer: {lr: 1.0e-3, batch_size: 4}\n"
                        "eval: {every: 0}\nstages:\n  - {method: mle, steps: 5}\n")
            run_dir = os.path.join(work, f"{arch}-run")
            run([args.rgpb, "train", cfg, "--run-dir", run_dir, "--plain"])
            exported = os.path.join(work, f"{arch}-exported")
            run([args.rgpb, "export-hf", run_dir, exported])
            out = os.path.join(work, f"{arch}-run-logits.safetensors")
            run([args.rgpb, "logits", run_dir, "--ids", " ".join(map(str, ids)), "--out", out])
            ours = load_file(out)["logits"]
            back = AutoModelForCausalLM.from_pretrained(exported, torch_dtype=torch.float32)
            back.eval()
            with torch.no_grad():
                theirs = back(torch.tensor([ids])).logits[0].float()
            d_export = (ours - theirs).abs().max().item()
            print(f"{arch:8s} trained  export-hf->from_pretrained max|diff| {d_export:.3e}")
            worst = max(worst, d_export)
    worst = max(worst, t5_parity(args, work, ids))
    print(f"worst {worst:.3e}")
    sys.exit(0 if worst < 1e-4 else 1)


if __name__ == "__main__":
    main()
