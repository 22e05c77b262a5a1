# End-to-end checks of the `rgpb` tool: exit codes, JSON/CSV output, one-line errors.
# Run by CTest: cmake -DRGPB=<path> -DSOURCE_DIR=<repo> -P cli_smoke.cmake
function(expect_run expected_code must_contain)
  execute_process(COMMAND ${RGPB} ${ARGN} RESULT_VARIABLE code OUTPUT_VARIABLE out
                  ERROR_VARIABLE err)
  if(NOT code EQUAL expected_code)
    message(FATAL_ERROR "rgpb ${ARGN}: exit ${code}, expected ${expected_code}\n${out}\n${err}")
  endif()
  string(FIND "${out}${err}" "${must_contain}" pos)
  if(pos EQUAL -1)
    message(FATAL_ERROR "rgpb ${ARGN}: output lacks '${must_contain}':\n${out}\n${err}")
  endif()
  message(STATUS "ok: rgpb ${ARGN}")
endfunction()

expect_run(0 "rgpb " version)
expect_run(0 "gradlab" help)
expect_run(2 "unknown command 'frobnicate'" frobnicate)
# ExMATE's shared-token coefficient 1/u - beta: u = 0.25, beta = 2 -> 2
expect_run(0 "\"coefficient\": 2.0" gradlab analytic --method exmate --case shared --u 0.25 --beta 2)
# A range prints CSV: header, then 3 rows; UL at u=0.2, e=0.1, beta=1 is 0.5/0.14 = 3.5714...
expect_run(0 "method,case,beta,u,e,coefficient" gradlab analytic --method ul --u 0.1:0.3:3 --e 0.1)
expect_run(0 "ul,shared,1,0.20000000000000001,0.10000000000000001,3.571428571428571"
           gradlab analytic --method ul --u 0.1:0.3:3 --e 0.1)
expect_run(0 "\"pos\": 0.36" gradlab analytic --method dpo --case distinct --u 0.2 --e 0.1
           --p-pos-other 0.01 --p-neg-other 0.02)
expect_run(1 "argument 'beta' must be finite and > 0, got 0" gradlab analytic --method dpo --beta 0)
expect_run(1 "one of dpo, ul, exmate" gradlab analytic --method ppo)
expect_run(1 "option --u expects" gradlab analytic --method dpo --u abc)
expect_run(1 "unknown option --bogus" gradlab analytic --method dpo --bogus 1)

# ---- One help mechanism: every command and nested command answers --help ------------------
expect_run(0 "usage: rgpb gradlab analytic" gradlab analytic --help)
expect_run(0 "usage: rgpb gradlab analytic" gradlab analytic -h)
expect_run(0 "usage: rgpb gradlab analytic" gradlab analytic --method dpo --help)
expect_run(0 "usage: rgpb gradlab analytic" help gradlab analytic)
expect_run(0 "usage: rgpb gradlab measure" gradlab measure --help)
expect_run(0 "'rgpb gradlab <command> --help' describes a command" gradlab --help)
expect_run(2 "expected a command: analytic, measure" gradlab)
expect_run(2 "unknown command 'analytics' (commands: analytic, measure" gradlab analytics)
# An unknown option lists what the command accepts and points to its help.
expect_run(1 "accepted: --method VALUE, --case VALUE" gradlab analytic --method dpo --bogus 1)
expect_run(1 "(see 'rgpb gradlab analytic --help')" gradlab analytic --method dpo --bogus 1)
expect_run(1 "(see 'rgpb eval --help')" eval --bogus)
expect_run(0 "rgpb 0.1" --version)
expect_run(0 "(LibTorch " --version)

# Every command `rgpb help` lists (and every command those list) answers --help with exit 0.
include(${SOURCE_DIR}/packaging/ListedCommands.cmake)  # listed_commands()
function(check_help prefix)
  execute_process(COMMAND ${RGPB} ${prefix} --help RESULT_VARIABLE code OUTPUT_VARIABLE help
                  ERROR_VARIABLE err)
  string(REPLACE ";" " " words "rgpb;${prefix}")
  if(NOT code EQUAL 0 OR NOT help MATCHES "usage: ${words}")
    message(FATAL_ERROR "${words} --help: exit ${code}, expected 0 and 'usage: ${words}':\n"
                        "${help}\n${err}")
  endif()
  message(STATUS "ok: ${words} --help")
  listed_commands("${help}" names)
  foreach(name IN LISTS names)
    check_help("${prefix};${name}")
  endforeach()
endfunction()
execute_process(COMMAND ${RGPB} help OUTPUT_VARIABLE top_help RESULT_VARIABLE code)
listed_commands("${top_help}" top_commands)
list(LENGTH top_commands n)
if(NOT code EQUAL 0 OR n LESS 14)
  message(FATAL_ERROR "rgpb help: exit ${code}, ${n} commands listed:\n${top_help}")
endif()
foreach(command IN LISTS top_commands)
  check_help(${command})
endforeach()

# ---- One vocabulary of data formats: aliases accepted, a bad name lists the canonical ones --
set(format_list "must be one of auto, hh-rlhf, trl, contrast, causal-dialogue, text, text-jsonl, got 'hhh'")
expect_run(1 "eval: argument '--format' ${format_list}" eval /no/such/run --data x.jsonl --format hhh)
expect_run(1 "gradlab measure: argument '--format' ${format_list}"
           gradlab measure /no/such/run --data x.jsonl --out /no/such/out --format hhh)
expect_run(1 "not a run folder" eval ${SOURCE_DIR}/tests --data x.jsonl --format hh)
expect_run(1 "not a run folder" eval ${SOURCE_DIR}/tests --data x.jsonl --format hh-rlhf)
expect_run(1 "--format F needs --data FILE" eval ${SOURCE_DIR}/tests --format hh)

# ---- Training from the command line: train, runs, eval, stop + resume, sweep, failures -------
file(REMOVE_RECURSE ${WORK_DIR})
file(MAKE_DIRECTORY ${WORK_DIR})
set(runs ${WORK_DIR}/runs)
file(WRITE ${WORK_DIR}/tiny.yaml
"name: cli\nseed: 5\nthreads: 2\n"
"data: {synthetic: {count: 80}, eval_pairs: 16, max_length: 48, max_prompt_length: 32}\n"
"optimizer: {batch_size: 4, warmup_steps: 1}\n"
"eval: {every: 2, batch_size: 16}\n"
"stages:\n  - {method: mle, steps: 2}\n  - {method: dpo, beta: 0.5, steps: 2}\n")

function(run_capture out_var expected_code)
  execute_process(COMMAND ${RGPB} ${ARGN} RESULT_VARIABLE code OUTPUT_VARIABLE out
                  ERROR_VARIABLE err OUTPUT_STRIP_TRAILING_WHITESPACE)
  if(NOT code EQUAL expected_code)
    message(FATAL_ERROR "rgpb ${ARGN}: exit ${code}, expected ${expected_code}\n${out}\n${err}")
  endif()
  set(${out_var} "${out}" PARENT_SCOPE)
  set(${out_var}_err "${err}" PARENT_SCOPE)
  message(STATUS "ok: rgpb ${ARGN}")
endfunction()

# A full run: prints its folder, writes the run store.
run_capture(run_dir 0 train ${WORK_DIR}/tiny.yaml --runs-dir ${runs})
foreach(f config.yaml metrics.jsonl metrics.csv train.log summary.json)
  if(NOT EXISTS ${run_dir}/${f})
    message(FATAL_ERROR "train: ${run_dir}/${f} missing")
  endif()
endforeach()
file(READ ${run_dir}/summary.json summary)
string(FIND "${summary}" "\"status\": \"finished\"" pos)
if(pos EQUAL -1)
  message(FATAL_ERROR "train: summary.json does not say finished:\n${summary}")
endif()
expect_run(0 "finished" runs --runs-dir ${runs})

# Metrics as JSON; one line per pair with --per-pair.
run_capture(eval_json 0 eval ${run_dir} --per-pair ${WORK_DIR}/pairs.jsonl)
string(JSON ppl GET "${eval_json}" perplexity)
string(JSON npairs GET "${eval_json}" pairs)
if(NOT npairs EQUAL 16 OR ppl LESS_EQUAL 1)
  message(FATAL_ERROR "eval: unexpected output ${eval_json}")
endif()
file(STRINGS ${WORK_DIR}/pairs.jsonl lines)
list(LENGTH lines n)
if(NOT n EQUAL 16)
  message(FATAL_ERROR "eval --per-pair wrote ${n} lines, expected 16")
endif()
list(GET lines 0 first)
string(JSON s_pos GET "${first}" S_pos)
string(JSON t_pos GET "${first}" T_pos)
if(NOT s_pos MATCHES "^-[0-9]" OR NOT t_pos GREATER 0)
  message(FATAL_ERROR "eval --per-pair: S_pos must be a negative log-prob and T_pos > 0: ${first}")
endif()

# The gradient lab's measurement on the run's own synthetic task and on a contrast file.
run_capture(measure_json 0 gradlab measure ${run_dir} --data synthetic --method ul --beta 0.5
            --steps 2 --max-pairs 6 --out ${WORK_DIR}/lab)
string(JSON lab_pairs GET "${measure_json}" pairs)
string(JSON lab_method GET "${measure_json}" method)
string(JSON lab_median GET "${measure_json}" info_diff_log10_median)
if(NOT lab_pairs EQUAL 6 OR NOT lab_method STREQUAL "ul" OR NOT lab_median LESS 0)
  message(FATAL_ERROR "gradlab measure: unexpected summary ${measure_json}")
endif()
string(FIND "${measure_json_err}" "6/6 pairs (100%)" pos)
if(pos EQUAL -1)
  message(FATAL_ERROR "gradlab measure: no progress line on stderr:\n${measure_json_err}")
endif()
foreach(f info_diff.csv grad_diff.csv grad_diff_summary.csv decomposition.csv summary.json)
  if(NOT EXISTS ${WORK_DIR}/lab/${f})
    message(FATAL_ERROR "gradlab measure: ${WORK_DIR}/lab/${f} missing")
  endif()
endforeach()
file(STRINGS ${WORK_DIR}/lab/info_diff.csv info_lines)
list(LENGTH info_lines n)
list(GET info_lines 0 info_header)
if(NOT n EQUAL 7 OR NOT info_header STREQUAL "pair,t_pos,t_neg,s_pos,s_neg,mean_length,log10_info_diff")
  message(FATAL_ERROR "gradlab measure: info_diff.csv has ${n} lines, header '${info_header}'")
endif()
file(STRINGS ${WORK_DIR}/lab/grad_diff.csv grad_lines LIMIT_COUNT 1)
if(NOT grad_lines STREQUAL "pair,step,norm,value")
  message(FATAL_ERROR "gradlab measure: grad_diff.csv header '${grad_lines}'")
endif()
expect_run(0 "\"data\": \"${SOURCE_DIR}/tests/data/contrast"
           gradlab measure ${run_dir} --data ${SOURCE_DIR}/tests/data/contrast/small.jsonl
           --format contrast --method dpo --beta 0.1 --out ${WORK_DIR}/lab2)
# hh and hh-rlhf name the same format for eval and gradlab measure.
foreach(format hh hh-rlhf)
  run_capture(hh_json 0 eval ${run_dir} --data ${SOURCE_DIR}/tests/data/hh_rlhf/small.jsonl
              --format ${format})
  string(JSON hh_data GET "${hh_json}" data)
  if(NOT hh_data MATCHES "hh_rlhf/small.jsonl$")
    message(FATAL_ERROR "eval --format ${format}: unexpected output ${hh_json}")
  endif()
  expect_run(0 "small.jsonl (hh-rlhf)" gradlab measure ${run_dir}
             --data ${SOURCE_DIR}/tests/data/hh_rlhf/small.jsonl --format ${format} --method dpo
             --beta 0.1 --max-pairs 2 --out ${WORK_DIR}/lab-${format})
endforeach()
expect_run(1 "not a run folder" gradlab measure ${WORK_DIR} --data synthetic --out ${WORK_DIR}/lab3)
expect_run(1 "/no/such/pairs.jsonl" gradlab measure ${run_dir} --data /no/such/pairs.jsonl
           --out ${WORK_DIR}/lab3)
expect_run(1 "--out DIR is required" gradlab measure ${run_dir} --data synthetic)

# Stop after step 3 (inside the DPO stage), then resume to the end.
expect_run(1 "option --stop-after expects a step number >= 1" train ${WORK_DIR}/tiny.yaml
           --runs-dir ${WORK_DIR}/never --stop-after -3)
if(EXISTS ${WORK_DIR}/never)
  message(FATAL_ERROR "train --stop-after -3 created a runs folder before refusing")
endif()
run_capture(stopped 0 train ${WORK_DIR}/tiny.yaml --runs-dir ${runs} --stop-after 3)
file(READ ${stopped}/summary.json summary)
string(FIND "${summary}" "\"status\": \"cancelled\"" pos)
if(pos EQUAL -1)
  message(FATAL_ERROR "--stop-after: summary does not say cancelled:\n${summary}")
endif()
run_capture(resumed 0 resume ${stopped})
file(READ ${stopped}/summary.json summary)
string(JSON status GET "${summary}" status)
string(JSON step GET "${summary}" step)
if(NOT status STREQUAL "finished" OR NOT step EQUAL 4)
  message(FATAL_ERROR "resume: ${status} at step ${step}")
endif()

# Lines of generated text can hold any byte, ';' and '[' included, which CMake lists split on:
# count and pick JSONL lines with string operations instead of file(STRINGS).
function(jsonl_lines path count_var)
  file(READ ${path} content)
  string(REGEX MATCHALL "\n" newlines "${content}")
  list(LENGTH newlines n)
  set(${count_var} ${n} PARENT_SCOPE)
endfunction()
function(jsonl_line path index out_var)
  file(READ ${path} content)
  foreach(i RANGE ${index})
    string(FIND "${content}" "\n" pos)
    string(SUBSTRING "${content}" 0 ${pos} line)
    math(EXPR pos "${pos} + 1")
    string(SUBSTRING "${content}" ${pos} -1 content)
  endforeach()
  set(${out_var} "${line}" PARENT_SCOPE)
endfunction()

# Generation: samples written at each evaluation (eval.samples defaults to 3; evaluations at
# steps 0, 2, 4), `rgpb sample` printing and writing JSONL, `rgpb compare` writing a comparison set.
jsonl_lines(${run_dir}/samples.jsonl n)
if(NOT n EQUAL 9)
  message(FATAL_ERROR "train: samples.jsonl has ${n} lines, expected 3 evaluations x 3 prompts")
endif()
run_capture(response 0 sample ${run_dir} --prompt "Al has pink. Bo has gold.\\nUser: Bo?\\nAssistant:"
            --max-new-tokens 8 --checkpoint step-4)
file(WRITE ${WORK_DIR}/prompts.txt "Al has pink.\\nUser: Al?\\nAssistant:\nHello\n")
run_capture(ignored 0 sample ${run_dir} --prompts ${WORK_DIR}/prompts.txt --out ${WORK_DIR}/samples.jsonl
            --temperature 0.7 --top-k 5 --top-p 0.9 --seed 3 --max-new-tokens 6 --batch-size 2)
jsonl_lines(${WORK_DIR}/samples.jsonl n)
if(NOT n EQUAL 2)
  message(FATAL_ERROR "sample --out wrote ${n} lines, expected 2")
endif()
jsonl_line(${WORK_DIR}/samples.jsonl 1 second)
string(JSON prompt GET "${second}" prompt)
string(JSON new_tokens GET "${second}" new_tokens)
string(JSON eos_flag GET "${second}" stopped_at_eos)
if(NOT prompt STREQUAL "Hello" OR new_tokens LESS 1 OR new_tokens GREATER 6
   OR NOT (eos_flag STREQUAL "ON" OR eos_flag STREQUAL "OFF"))
  message(FATAL_ERROR "sample --out: unexpected line ${second}")
endif()
expect_run(1 "argument 'top_p' must be in (0, 1]" sample ${run_dir} --prompt x --top-p 0)
expect_run(1 "no checkpoint step-1 (available: step-4)" sample ${run_dir} --prompt x --checkpoint step-1)
file(WRITE ${WORK_DIR}/bad_prompts.jsonl "{\"prompt\": \"a\"}\n{\"text\": \"b\"}\n")
expect_run(1 "bad_prompts.jsonl:2: expected an object with a string \"prompt\""
           sample ${run_dir} --prompts ${WORK_DIR}/bad_prompts.jsonl)
run_capture(cmp_dir 0 compare ${run_dir} ${stopped} --eval-split --count 3 --max-new-tokens 6
            --out ${WORK_DIR}/cmp)
jsonl_lines(${WORK_DIR}/cmp/items.jsonl n)
file(READ ${WORK_DIR}/cmp/comparison.json meta)
string(JSON version GET "${meta}" version)
string(JSON nmodels LENGTH "${meta}" models)
jsonl_line(${WORK_DIR}/cmp/items.jsonl 0 first)
string(JSON reference GET "${first}" reference)
string(JSON nresponses LENGTH "${first}" responses)
if(NOT n EQUAL 3 OR NOT version EQUAL 1 OR NOT nmodels EQUAL 2 OR NOT nresponses EQUAL 2
   OR NOT reference MATCHES "has")
  message(FATAL_ERROR "compare: unexpected set (${n} items):\n${meta}\n${first}")
endif()
expect_run(1 "give exactly one of --prompts FILE, --eval-split, --synthetic"
           compare ${run_dir} ${stopped} --out ${WORK_DIR}/cmp)

# A sweep: one run per beta, then a table.
run_capture(table 0 sweep ${WORK_DIR}/tiny.yaml --runs-dir ${runs}/sweep --beta 0.1,1 --set stages.1.steps=1)
string(REGEX MATCHALL "finished" rows "${table}")
list(LENGTH rows nrows)
if(NOT nrows EQUAL 2)
  message(FATAL_ERROR "sweep: expected 2 finished rows:\n${table}")
endif()

# `rgpb runs` for comparing: per-stage beta, seeds and data as JSON numbers, --where filters
# (one key twice: either value; two keys: both), CSV with a header, and an unknown key named.
run_capture(runs_json 0 runs --runs-dir ${runs}/sweep --format json --where beta=1
            --where status=finished --where status=failed)
string(JSON nruns LENGTH "${runs_json}")
string(JSON recipe GET "${runs_json}" 0 recipe)
string(JSON nstages LENGTH "${runs_json}" 0 beta)
string(JSON beta_mle TYPE "${runs_json}" 0 beta 0)
string(JSON beta_dpo GET "${runs_json}" 0 beta 1)
string(JSON seed_type TYPE "${runs_json}" 0 seed)
string(JSON seed GET "${runs_json}" 0 seed)
string(JSON data_seed GET "${runs_json}" 0 data_seed)
string(JSON data GET "${runs_json}" 0 data)
if(NOT nruns EQUAL 1 OR NOT recipe STREQUAL "mle -> dpo" OR NOT nstages EQUAL 2
   OR NOT beta_mle STREQUAL "NULL" OR NOT beta_dpo MATCHES "^1(\\.0*)?$"
   OR NOT seed_type STREQUAL "NUMBER" OR NOT seed EQUAL 5 OR NOT data_seed EQUAL 5
   OR NOT data STREQUAL "response-contrast")
  message(FATAL_ERROR "runs --format json --where beta=1: unexpected\n${runs_json}")
endif()
run_capture(runs_none 0 runs --runs-dir ${runs}/sweep --format json --where beta=1 --where seed=6)
string(JSON nruns LENGTH "${runs_none}")
if(NOT nruns EQUAL 0)
  message(FATAL_ERROR "runs --where beta=1 --where seed=6 matched runs:\n${runs_none}")
endif()
run_capture(runs_csv 0 runs --runs-dir ${runs}/sweep --format csv --where method=dpo)
string(REGEX MATCHALL "\n" csv_lines "${runs_csv}\n")
list(LENGTH csv_lines n)
if(NOT n EQUAL 3 OR NOT runs_csv MATCHES "^run,recipe,status,seed,data_seed,data,lr,beta,")
  message(FATAL_ERROR "runs --format csv: expected a header and 2 rows:\n${runs_csv}")
endif()
expect_run(0 "mle -> dpo 0.1" runs --runs-dir ${runs}/sweep)
expect_run(1 "unknown key 'colour' (known keys: recipe, method, status" runs --runs-dir ${runs}
           --where colour=red)
expect_run(1 "--format must be table, json or csv" runs --format xml)

# Failures: a bad key names file:line:column; a missing data file fails the run (exit 1).
file(WRITE ${WORK_DIR}/bad.yaml "stages: [{method: mle, steps: 1}]\noptimizer:\n  learning_rate: 1\n")
expect_run(1 "bad.yaml:3:3: unknown key 'optimizer.learning_rate'" train ${WORK_DIR}/bad.yaml --runs-dir ${runs})
expect_run(1 "/no/such/file.jsonl" train ${WORK_DIR}/tiny.yaml --runs-dir ${runs} --set data.source=/no/such/file.jsonl)
expect_run(1 "not a run folder" eval ${WORK_DIR})
expect_run(1 "option --set needs a value" train ${WORK_DIR}/tiny.yaml --set)
