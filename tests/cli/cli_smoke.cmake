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
