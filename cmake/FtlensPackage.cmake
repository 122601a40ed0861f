# What `cmake --install` puts where, and `cpack -G DEB` in the build folder:
# ftlens_VERSION_ARCH.deb, its Depends found by dpkg-shlibdeps from the
# libraries the binary links (libtracecmd, libtraceevent, libtracefs, zlib,
# zstd), so that `apt install ./ftlens_*.deb` brings them.
include(GNUInstallDirs)
install(TARGETS ftlens RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(FILES ${PROJECT_SOURCE_DIR}/man/ftlens.1 DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
install(FILES ${PROJECT_SOURCE_DIR}/completion/ftlens DESTINATION ${CMAKE_INSTALL_DATADIR}/bash-completion/completions)

set(CPACK_PACKAGE_NAME ftlens)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "find what went wrong in a Linux ftrace dump")
set(CPACK_PACKAGE_CONTACT "ftlens maintainers")
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION utils)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
include(CPack)
