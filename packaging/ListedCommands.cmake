# listed_commands(HELP OUT_VAR): the command names a `rgpb ... --help` text lists under its
# "commands:" line (two-space indented, up to the first line that is not such an entry). Read by
# packaging/ManPage.cmake (a man page section per command) and tests/cli/cli_smoke.cmake (every
# listed command answers --help).
function(listed_commands help out_var)
  set(names "")
  set(in_list OFF)
  string(REPLACE ";" "," help "${help}")
  string(REPLACE "\n" ";" lines "${help}")
  foreach(line IN LISTS lines)
    if(line STREQUAL "commands:")
      set(in_list ON)
    elseif(in_list AND line MATCHES "^  ([a-z][a-z0-9-]*) ")
      list(APPEND names ${CMAKE_MATCH_1})
    else()
      set(in_list OFF)
    endif()
  endforeach()
  set(${out_var} ${names} PARENT_SCOPE)
endfunction()
