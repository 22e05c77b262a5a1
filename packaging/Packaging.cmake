# Install rules and CPack: `cmake --build build --target package` makes a .deb of the tool
# and (with the GUI) the workbench, with presets and desktop integration.
include(GNUInstallDirs)
install(DIRECTORY ${PROJECT_SOURCE_DIR}/presets/ DESTINATION ${CMAKE_INSTALL_DATADIR}/rgpb/presets
        FILES_MATCHING PATTERN "*.yaml")
set(CPACK_PACKAGE_NAME "rgpb-workbench")
set(CPACK_PACKAGE_VENDOR "RGPB Workbench developers")
set(CPACK_PACKAGE_CONTACT "rgpb-workbench@localhost")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "${PROJECT_DESCRIPTION}")
set(CPACK_GENERATOR "DEB;TGZ")
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
include(CPack)
