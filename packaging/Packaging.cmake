# Install rules and CPack: `cmake --build build --target package` makes a .deb of the tool
# and (with the GUI) the workbench, with presets, man pages and desktop integration (the
# .desktop entry, its icon and AppStream metainfo). scripts/package.sh builds it in Release
# and runs lintian on it.
include(GNUInstallDirs)
install(DIRECTORY ${PROJECT_SOURCE_DIR}/presets/ DESTINATION ${CMAKE_INSTALL_DATADIR}/rgpb/presets
        FILES_MATCHING PATTERN "*.yaml")
# The model judge's templates, found by core/judging/JudgeTemplate.cpp at <exe>/../share/...
install(DIRECTORY ${PROJECT_SOURCE_DIR}/resources/judge-templates/
        DESTINATION ${CMAKE_INSTALL_DATADIR}/rgpb/judge-templates FILES_MATCHING PATTERN "*.txt")

# ---- Desktop integration (the .desktop entry itself is installed in app/CMakeLists.txt) -----
if(RGPB_BUILD_GUI)
  install(FILES ${PROJECT_SOURCE_DIR}/resources/rgpb-workbench.svg
          DESTINATION ${CMAKE_INSTALL_DATADIR}/icons/hicolor/scalable/apps)
  install(FILES ${PROJECT_SOURCE_DIR}/resources/io.github.rgpb.Workbench.metainfo.xml
          DESTINATION ${CMAKE_INSTALL_DATADIR}/metainfo)
endif()

# ---- Man pages, generated from --help by help2man (optional) -------------------------------
option(RGPB_BUILD_MAN "Generate man pages from the programs' --help with help2man" ON)
find_program(HELP2MAN_EXECUTABLE help2man)
if(RGPB_BUILD_MAN AND NOT HELP2MAN_EXECUTABLE)
  message(STATUS "help2man not found: no man pages (apt-get install help2man, or "
                 "-DRGPB_BUILD_MAN=OFF to silence this)")
endif()
# rgpb_man_page(TARGET "one-line description" [SUBCOMMANDS] [ENV VAR=value...])
function(rgpb_man_page target description)
  cmake_parse_arguments(M "SUBCOMMANDS" "" "ENV" ${ARGN})
  set(page ${PROJECT_BINARY_DIR}/man/${target}.1)
  add_custom_command(
    OUTPUT ${page}.gz
    COMMAND ${CMAKE_COMMAND} -E make_directory ${PROJECT_BINARY_DIR}/man
    COMMAND ${CMAKE_COMMAND} -E env ${M_ENV}
            ${CMAKE_COMMAND} -DHELP2MAN=${HELP2MAN_EXECUTABLE} -DPROGRAM=$<TARGET_FILE:${target}>
            -DOUTPUT=${page} -DNAME=${description} -DVERSION=${PROJECT_VERSION}
            -DSUBCOMMANDS=${M_SUBCOMMANDS} -P ${CMAKE_CURRENT_FUNCTION_LIST_DIR}/ManPage.cmake
    DEPENDS ${target} ${CMAKE_CURRENT_FUNCTION_LIST_DIR}/ManPage.cmake
            ${CMAKE_CURRENT_FUNCTION_LIST_DIR}/ListedCommands.cmake
    COMMENT "Writing the man page of ${target} (help2man)"
    VERBATIM)
  add_custom_target(${target}-man ALL DEPENDS ${page}.gz)
  install(FILES ${page}.gz DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
endfunction()
if(RGPB_BUILD_MAN AND HELP2MAN_EXECUTABLE)
  if(TARGET rgpb)
    rgpb_man_page(rgpb "train language models with preference objectives (command line)"
                  SUBCOMMANDS)
  endif()
  if(TARGET rgpb-workbench)
    rgpb_man_page(rgpb-workbench "train language models with preference objectives (workbench)"
                  ENV QT_QPA_PLATFORM=offscreen)
  endif()
endif()

# ---- Debian package documentation: copyright, changelog (gzip -9n: no timestamp) -----------
set(RGPB_DOC_DIR ${CMAKE_INSTALL_DATADIR}/doc/rgpb-workbench)
install(FILES ${CMAKE_CURRENT_LIST_DIR}/copyright DESTINATION ${RGPB_DOC_DIR})
configure_file(${CMAKE_CURRENT_LIST_DIR}/changelog.in ${PROJECT_BINARY_DIR}/changelog.Debian @ONLY)
execute_process(COMMAND gzip -9nc ${PROJECT_BINARY_DIR}/changelog.Debian
                OUTPUT_FILE ${PROJECT_BINARY_DIR}/changelog.Debian.gz)
install(FILES ${PROJECT_BINARY_DIR}/changelog.Debian.gz DESTINATION ${RGPB_DOC_DIR})

# ---- CPack ---------------------------------------------------------------------------------
set(CPACK_PACKAGE_NAME "rgpb-workbench")
set(CPACK_PACKAGE_VENDOR "RGPB Workbench developers")
set(CPACK_PACKAGE_CONTACT "RGPB Workbench developers <rgpb-workbench@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "train language models with preference objectives")
# Debian wants the extended description in lines of at most 80 characters.
set(CPACK_PACKAGE_DESCRIPTION
    "The RGPB Workbench trains small language models with objectives that reward\n"
    "good and penalize bad examples (MLE/SFT, DPO, Unlikelihood, ExMATE and staged\n"
    "recipes) and shows perplexity, agility, information and gradient differences\n"
    "live.\n"
    "This package holds the workbench (rgpb-workbench), the headless command-line\n"
    "tool (rgpb) and the run presets.")
set(CPACK_GENERATOR "DEB;TGZ")
# Binaries without symbols and debug info: the Release .deb is a fraction of the unstripped one.
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_PACKAGE_RELEASE 1)
set(CPACK_DEBIAN_PACKAGE_SECTION "science")
set(CPACK_DEBIAN_PACKAGE_PRIORITY "optional")
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# LibTorch calls BLAS through the libblas.so.3 alternative; an optimized OpenBLAS provides it
# (README: about 30x faster training than the reference BLAS). dpkg-shlibdeps adds the rest.
set(CPACK_DEBIAN_PACKAGE_DEPENDS "libopenblas0-openmp | libopenblas0-pthread | libopenblas0")
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
include(CPack)
