# Regenerates the malformed-input corpus into OUT and compares it with
# tests/malformed/, so that the committed cases are exactly what
# make_corpus.py makes from the real recording.
file(REMOVE_RECURSE ${OUT})
execute_process(COMMAND ${PYTHON} ${CORPUS}/make_corpus.py ${OUT} RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "make_corpus.py failed")
endif()
file(GLOB made RELATIVE ${OUT} ${OUT}/*)
if(NOT made)
  message(FATAL_ERROR "make_corpus.py wrote nothing")
endif()
foreach(name ${made})
  file(SHA256 ${OUT}/${name} a)
  file(SHA256 ${CORPUS}/${name} b)
  if(NOT a STREQUAL b)
    message(FATAL_ERROR "tests/malformed/${name} differs from what make_corpus.py makes; regenerate it")
  endif()
endforeach()
