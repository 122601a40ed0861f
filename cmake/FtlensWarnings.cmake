# Every ftlens target links ftlens_warnings instead of touching directory-wide
# flags, so a target's flags are visible in its own target_link_libraries.
add_library(ftlens_warnings INTERFACE)
target_compile_options(ftlens_warnings INTERFACE
  -Wall -Wextra -Wshadow -Wconversion -Wsign-conversion -Wold-style-cast -Wnon-virtual-dtor)
if(FTLENS_WERROR)
  target_compile_options(ftlens_warnings INTERFACE -Werror)
endif()
if(FTLENS_SANITIZE)
  target_compile_options(ftlens_warnings INTERFACE -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all)
  target_link_options(ftlens_warnings INTERFACE -fsanitize=address,undefined)
endif()
if(FTLENS_TSAN)
  target_compile_options(ftlens_warnings INTERFACE -fsanitize=thread -fno-omit-frame-pointer)
  target_link_options(ftlens_warnings INTERFACE -fsanitize=thread)
endif()
if(FTLENS_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    message(FATAL_ERROR "FTLENS_FUZZ needs clang (libFuzzer): configure with CXX=clang++")
  endif()
  target_compile_options(ftlens_warnings INTERFACE -fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer
                                                   -fno-sanitize-recover=all)
  target_link_options(ftlens_warnings INTERFACE -fsanitize=address,undefined)
endif()
