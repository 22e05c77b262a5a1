# End-to-end checks of the Hugging Face commands: train a GPT-2-shaped micro run, export it
# (bf16, sharded), import the export, train from it with model.from, tokenize both ways,
# logits, and the one-line errors; then a T5 CausalDialogue preset (shortened) through train,
# sample, export-hf, import-hf and model.from. Run by CTest:
#   cmake -DRGPB=<path> -DWORK_DIR=<dir> -DSOURCE_DIR=<repo> -P hf_cli.cmake
function(expect_run expected_code must_contain)
  execute_process(COMMAND ${RGPB} ${ARGN} RESULT_VARIABLE code OUTPUT_VARIABLE out
                  ERROR_VARIABLE err WORKING_DIRECTORY ${WORK_DIR})
  if(NOT code EQUAL expected_code)
    message(FATAL_ERROR "rgpb ${ARGN}: exit ${code}, expected ${expected_code}\n${out}\n${err}")
  endif()
  string(FIND "${out}${err}" "${must_contain}" pos)
  if(pos EQUAL -1)
    message(FATAL_ERROR "rgpb ${ARGN}: output lacks '${must_contain}':\n${out}\n${err}")
  endif()
  message(STATUS "ok: rgpb ${ARGN}")
endfunction()

# stdin -> stdout of `rgpb tokenize`.
function(expect_tokenize input expected)
  file(WRITE ${WORK_DIR}/stdin.txt "${input}")
  execute_process(COMMAND ${RGPB} tokenize ${ARGN} INPUT_FILE ${WORK_DIR}/stdin.txt
                  RESULT_VARIABLE code OUTPUT_VARIABLE out ERROR_VARIABLE err
                  WORKING_DIRECTORY ${WORK_DIR} OUTPUT_STRIP_TRAILING_WHITESPACE)
  if(NOT code EQUAL 0 OR NOT out STREQUAL "${expected}")
    message(FATAL_ERROR "rgpb tokenize ${ARGN} <<< '${input}': exit ${code}, got '${out}', "
                        "expected '${expected}'\n${err}")
  endif()
  message(STATUS "ok: rgpb tokenize ${ARGN} <<< '${input}' -> '${out}'")
endfunction()

file(REMOVE_RECURSE ${WORK_DIR})
file(MAKE_DIRECTORY ${WORK_DIR})
set(common "threads: 2\ndata: {synthetic: {count: 60}, eval_pairs: 8, max_length: 64, max_prompt_length: 48}\noptimizer: {batch_size: 4, warmup_steps: 0}\neval: {every: 0}\n")
file(WRITE ${WORK_DIR}/base.yaml "name: base\n${common}model: {size: micro, num_layers: 1, architecture: gpt2}\nstages:\n  - {method: mle, steps: 2}\n")
expect_run(0 "finished" train base.yaml --run-dir run1 --plain)
expect_run(0 "exported" export-hf run1 exp --dtype bf16 --shard-size 0.2)
foreach(f config.json model.safetensors.index.json model-00001-of-00004.safetensors
          tokenizer.json tokenizer_config.json generation_config.json)
  if(NOT EXISTS ${WORK_DIR}/exp/${f})
    message(FATAL_ERROR "export-hf wrote no ${f}")
  endif()
endforeach()
expect_run(0 "imported gpt2" import-hf exp imp)
file(WRITE ${WORK_DIR}/from.yaml "name: from\n${common}model: {from: imp}\nstages:\n  - {method: dpo, steps: 2}\n")
expect_run(0 "finished" train from.yaml --run-dir run2 --plain)
file(READ ${WORK_DIR}/run2/config.yaml resolved)
string(FIND "${resolved}" "from: ${WORK_DIR}/imp" pos)
if(pos EQUAL -1)
  message(FATAL_ERROR "run2/config.yaml does not name the absolute model.from:\n${resolved}")
endif()
# The byte tokenizer came with the model: byte b is id 4 + b.
expect_tokenize("Hi!" "76 109 37" --tokenizer imp)
expect_tokenize("76 109 37" "Hi!" --tokenizer run2 --decode)
expect_tokenize("\"a\"\n\"Hi\"\n" "101\n76 109" --tokenizer exp/tokenizer.json --jsonl)
expect_run(0 "\"logits\":[[" logits imp --text "Hi")
expect_run(0 "wrote logits [3, 260]" logits run2 --ids "5 9 10" --out l.safetensors)

# Errors: one line naming what is wrong.
file(WRITE ${WORK_DIR}/clash.yaml "name: c\n${common}model: {from: imp}\ntokenizer: {kind: byte}\nstages:\n  - {method: mle, steps: 1}\n")
expect_run(1 "clash.yaml:7:" train clash.yaml --run-dir run3 --plain)
expect_run(1 "model.from brings its own tokenizer" train clash.yaml --run-dir run3 --plain)
expect_run(1 "no such checkpoint" export-hf run1 exp2 --checkpoint step-7)
expect_run(1 "--dtype must be f32, f16 or bf16" export-hf run1 exp2 --dtype f8)
expect_run(1 "id 300 is outside the vocabulary" logits imp --ids "300")
file(WRITE ${WORK_DIR}/imp/config.json "{\"model_type\": \"llama\"}")
expect_run(1 "unknown architecture \"llama\"" import-hf imp imp2)
expect_run(1 "no such tokenizer file or folder" tokenize --tokenizer nowhere)

# ---- T5 (issue #20): the CausalDialogue preset as shipped, shortened with --set ----------------
expect_run(0 "finished" train ${SOURCE_DIR}/presets/causal/t5_micro_exmate_dpo.yaml
           --run-dir t5run --plain --set data.synthetic.count=80 --set data.eval_pairs=8
           --set model.num_layers=1 --set stages.0.steps=2 --set stages.1.steps=2
           --set eval.every=2 --set eval.batch_size=8 --set eval.samples=2)
file(READ ${WORK_DIR}/t5run/samples.jsonl samples)
if(NOT samples MATCHES "\"prompt\"")
  message(FATAL_ERROR "the T5 run wrote no samples:\n${samples}")
endif()
expect_run(0 "1 prompt(s)" sample t5run --prompt "Al has pink. Bo has gold.\nUser: Bo?\nAssistant:"
           --max-new-tokens 4 --out t5sample.jsonl)
file(READ ${WORK_DIR}/t5sample.jsonl t5sample)
if(NOT t5sample MATCHES "\"new_tokens\": ?[1-4]")
  message(FATAL_ERROR "rgpb sample of the T5 run generated nothing:\n${t5sample}")
endif()
expect_run(0 "exported" export-hf t5run t5exp)
file(READ ${WORK_DIR}/t5exp/config.json t5config)
if(NOT t5config MATCHES "\"model_type\": \"t5\"" OR NOT t5config MATCHES "T5ForConditionalGeneration")
  message(FATAL_ERROR "export-hf of a T5 run wrote no T5 config.json:\n${t5config}")
endif()
expect_run(0 "imported t5" import-hf t5exp t5imp)
file(WRITE ${WORK_DIR}/t5from.yaml "name: t5from\n${common}model: {from: t5imp}\nstages:\n  - {method: dpo, steps: 2}\n")
expect_run(0 "finished" train t5from.yaml --run-dir t5run2 --plain)
expect_run(0 "wrote logits [3, 260]" logits t5imp --ids "5 9" --decoder-ids "0 40 41" --out t5l.safetensors)
expect_run(1 "is a T5 encoder-decoder: give the decoder's ids with --decoder-ids" logits t5imp --ids "5 9")
expect_run(1 "--decoder-ids is for encoder-decoder (T5) models" logits run1 --ids "5" --decoder-ids "0")
# Judging and the gradient lab on T5 runs: compare generates with both, measure and replay
# differentiate through the encoder-decoder.
expect_run(0 "compare: 3 prompts, t5run vs t5run2" compare t5run t5run2 --synthetic --count 3
           --out t5cmp --max-new-tokens 4)
expect_run(0 "wrote t5gl/" gradlab measure t5run --data context-contrast --out t5gl --method exmate)
expect_run(0 "4 methods x 4 pairs" gradlab replay t5run --data context-contrast --out t5rp --pairs 4)
