# FTLENS_VERSION_STRING: the project version, and from a git checkout what
# `git describe` says of it (a commit past a tag, local changes), read when
# CMake configures. A source tarball has no .git and gets the version alone.
set(FTLENS_VERSION_STRING "${PROJECT_VERSION}")
find_package(Git QUIET)
if(GIT_FOUND AND EXISTS "${PROJECT_SOURCE_DIR}/.git")
  execute_process(COMMAND "${GIT_EXECUTABLE}" describe --tags --always --dirty
                  WORKING_DIRECTORY "${PROJECT_SOURCE_DIR}"
                  OUTPUT_VARIABLE ftlens_git_describe OUTPUT_STRIP_TRAILING_WHITESPACE
                  ERROR_QUIET RESULT_VARIABLE ftlens_git_result)
  if(ftlens_git_result EQUAL 0 AND NOT ftlens_git_describe STREQUAL "")
    set(FTLENS_VERSION_STRING "${PROJECT_VERSION} (git ${ftlens_git_describe})")
  endif()
endif()
