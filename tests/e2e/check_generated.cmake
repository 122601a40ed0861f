# Runs a generator into OUT and checks that every file it makes is byte for
# byte the committed one in COMMITTED, so that committed derived files are
# always what their script makes from the real recordings.
#   -DPYTHON=... -DSCRIPT=generator.py -DARGS=... -DOUT=dir -DCOMMITTED=dir -DPATTERN=glob [-DSEED_FROM=glob]
file(REMOVE_RECURSE ${OUT})
file(MAKE_DIRECTORY ${OUT})
if(SEED_FROM)  # the generator edits its inputs in place: give it copies
  file(GLOB seeds ${SEED_FROM})
  file(COPY ${seeds} DESTINATION ${OUT})
endif()
string(REPLACE "OUT" "${OUT}" args "${ARGS}")
separate_arguments(args)
execute_process(COMMAND ${PYTHON} ${SCRIPT} ${args} RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "${SCRIPT} failed")
endif()
file(GLOB made RELATIVE ${OUT} ${OUT}/${PATTERN})
if(NOT made)
  message(FATAL_ERROR "${SCRIPT} wrote nothing matching ${PATTERN}")
endif()
foreach(name ${made})
  file(SHA256 ${OUT}/${name} a)
  file(SHA256 ${COMMITTED}/${name} b)
  if(NOT a STREQUAL b)
    message(FATAL_ERROR "${COMMITTED}/${name} differs from what ${SCRIPT} makes; regenerate it")
  endif()
endforeach()
message(STATUS "${SCRIPT}: ${made}")
