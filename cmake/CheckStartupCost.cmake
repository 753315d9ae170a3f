# Start-up guards run by ctest (cmake -P): what makes `umd` and its handlers start
# slowly must not creep back (docs/decisions/0006-one-shot-start-up.md).
#
#   -DCHECK=handler-image -DIMAGE=<handler>   no libstdc++ locale machinery in the image
#   -DCHECK=cli -DPROGRAM=<umd> -DREADELF=<readelf> [-DSTATIC_TOO=libseccomp;liblmdb]
#                                             no shared libstdc++, libgcc_s, libfmt (nor those)
if(CHECK STREQUAL "handler-image")
  # Facet type names survive stripping (RTTI): one means std::locale was linked in.
  file(STRINGS "${IMAGE}" facets REGEX "moneypunct|money_get|time_get" LIMIT_COUNT 1)
  if(facets)
    message(FATAL_ERROR "${IMAGE} links libstdc++'s locale facets (${facets}): "
                        "fmt must be used with FMT_STATIC_THOUSANDS_SEPARATOR, and no <iostream>/<locale>")
  endif()
  file(SIZE "${IMAGE}" size)
  message(STATUS "${IMAGE}: ${size} bytes, no locale facets")
elseif(CHECK STREQUAL "cli")
  execute_process(COMMAND "${READELF}" -d "${PROGRAM}" OUTPUT_VARIABLE dynamic RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "readelf -d ${PROGRAM} failed")
  endif()
  foreach(lib libstdc\\+\\+ libgcc_s libfmt ${STATIC_TOO})
    if(dynamic MATCHES "NEEDED[^\n]*${lib}")
      message(FATAL_ERROR "${PROGRAM} needs ${lib} at run time:\n${dynamic}")
    endif()
  endforeach()
  if(NOT dynamic MATCHES "NEEDED[^\n]*libcrypto")
    message(FATAL_ERROR "${PROGRAM} must link libcrypto dynamically (security updates):\n${dynamic}")
  endif()
  message(STATUS "${PROGRAM}: no shared C++ runtime, libcrypto shared")
else()
  message(FATAL_ERROR "CHECK must be handler-image or cli")
endif()
