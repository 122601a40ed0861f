# The folders are layers: parser -> model -> detectors -> exporters ->
# analysis -> cli, nothing flowing back. The build enforces it: the include
# root of ftlens_<folder> is a folder of the build tree that holds one link,
# <folder> -> the source folder, so '#include "<folder>/..."' resolves only in
# that library and in what links it (directly, or through a library that
# links it PUBLIC). A detector that includes an exporter, or the parser the
# model, fails to compile instead of adding an edge upwards.
# An INTERFACE (header-only) library passes INTERFACE as third argument.
function(ftlens_layer_includes target folder)
  set(scope PUBLIC)
  if(ARGC GREATER 2)
    set(scope ${ARGV2})
  endif()
  set(root ${PROJECT_BINARY_DIR}/include/${folder})
  if(NOT IS_SYMLINK ${root}/${folder})
    file(MAKE_DIRECTORY ${root})
    file(CREATE_LINK ${PROJECT_SOURCE_DIR}/${folder} ${root}/${folder} SYMBOLIC)
  endif()
  target_include_directories(${target} ${scope} ${root})
endfunction()
