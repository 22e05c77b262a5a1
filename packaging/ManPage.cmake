# Writes the man page of a program from its --help with help2man, gzipped (-9n: no timestamp).
# With SUBCOMMANDS=ON the program is `rgpb`-like: the commands listed under "commands:" in its
# --help (and their own subcommands, such as `gradlab analytic`) each get a subsection of a
# COMMANDS section holding their --help text verbatim, so the page documents every command.
#   cmake -DHELP2MAN=... -DPROGRAM=... -DOUTPUT=page.1 -DNAME="one line" -DVERSION=x.y.z
#         [-DSUBCOMMANDS=ON] -P ManPage.cmake
foreach(var HELP2MAN PROGRAM OUTPUT NAME VERSION)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "ManPage.cmake: -D${var}=... is required")
  endif()
endforeach()
get_filename_component(program_name ${PROGRAM} NAME)

include(${CMAKE_CURRENT_LIST_DIR}/ListedCommands.cmake)

# roff for text shown as is: backslashes and minus signs escaped, lines that would read as
# requests protected.
function(append_verbatim title help)
  string(REPLACE "\\" "\\e" help "${help}")
  string(REPLACE "-" "\\-" help "${help}")  # ASCII minus signs, as typed on the command line
  string(REGEX REPLACE "(^|\n)([.'])" "\\1\\\\&\\2" help "${help}")
  file(APPEND ${OUTPUT}.include ".SS \"${title}\"\n.nf\n${help}.fi\n")
endfunction()

function(document_commands prefix help)
  listed_commands("${help}" names)
  foreach(name IN LISTS names)
    execute_process(COMMAND ${PROGRAM} ${prefix} ${name} --help OUTPUT_VARIABLE sub
                    RESULT_VARIABLE code)
    if(NOT code EQUAL 0)
      message(WARNING "${program_name} ${prefix} ${name} --help: exit ${code}; left out")
      continue()
    endif()
    string(REPLACE ";" " " words "${prefix};${name}")
    string(STRIP "${words}" words)
    set(title "${program_name} ${words}")
    append_verbatim("${title}" "${sub}")
    document_commands("${prefix};${name}" "${sub}")
  endforeach()
endfunction()

file(WRITE ${OUTPUT}.include "")
set(include_args "")
if(SUBCOMMANDS)
  # help2man refuses an empty include file: only a program with commands gets one.
  set(include_args --include=${OUTPUT}.include)
  execute_process(COMMAND ${PROGRAM} --help OUTPUT_VARIABLE help RESULT_VARIABLE code)
  if(NOT code EQUAL 0)
    message(WARNING "${program_name} --help: exit ${code}; no COMMANDS section")
    set(help "")
  endif()
  # help2man only reads a capitalised "Usage:" line as the synopsis; ours say "usage:".
  file(APPEND ${OUTPUT}.include
       "[SYNOPSIS]\n.B ${program_name}\n\\fIcommand\\fR [\\fIoptions\\fR]\n.br\n"
       ".B ${program_name}\n\\fIcommand\\fR \\fB\\-\\-help\\fR\n.br\n"
       ".B ${program_name}\n\\fB\\-\\-version\\fR\n")
  file(APPEND ${OUTPUT}.include "[COMMANDS]\n")
  document_commands("" "${help}")
endif()

execute_process(
  COMMAND ${HELP2MAN} --no-info --section=1 --name=${NAME} --version-string=${VERSION}
          ${include_args} --output=${OUTPUT} ${PROGRAM}
  RESULT_VARIABLE code ERROR_VARIABLE err)
if(NOT code EQUAL 0)
  # A missing man page must not stop the build: write a minimal one and say why, loudly.
  message(WARNING "help2man ${PROGRAM}: exit ${code}; writing a minimal man page\n${err}")
  string(TOUPPER "${program_name}" upper)
  string(REPLACE "-" "\\-" escaped "${program_name}")
  file(WRITE ${OUTPUT} ".TH ${upper} 1 \"\" \"${program_name} ${VERSION}\" \"User Commands\"\n"
                       ".SH NAME\n${escaped} \\- ${NAME}\n.SH DESCRIPTION\n"
                       "Run \\fB${escaped} \\-\\-help\\fR for its options.\n")
endif()
file(REMOVE ${OUTPUT}.gz)
execute_process(COMMAND gzip -9n ${OUTPUT} RESULT_VARIABLE code)
if(NOT code EQUAL 0)
  message(FATAL_ERROR "gzip ${OUTPUT}: exit ${code}")
endif()
