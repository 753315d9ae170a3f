# Start-up guards run by ctest (cmake -P): what makes `umd` and its handlers start
# slowly must not creep back (docs/decisions/0006-one-shot-start-up.md).
#
#   -DCHECK=handler-image -DIMAGE=<handler>   no libstdc++ locale machinery in the image
#   -DCHECK=cli -DPROGRAM=<umd> -DREADELF=<readelf> [-DSTATIC_TOO=libseccomp;liblmdb]
#                                             no shared libstdc++, libgcc_s, libfmt (nor those);
#                                             libcrypto loaded when needed, not before main()
#   -DCHECK=no-stream-init -DPROGRAM=<umd> -DNM=<nm>
#                                             no object carries <iostream>'s static Init
#                                             (apps/umd/cli11.h)
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
  # libcrypto is loaded when first needed (src/libcrypto/), never before main(), and
  # is the system's shared library, never a copy built in (security updates).
  if(dynamic MATCHES "NEEDED[^\n]*libcrypto")
    message(FATAL_ERROR "${PROGRAM} loads libcrypto before main(); reach it through src/libcrypto/:\n${dynamic}")
  endif()
  file(STRINGS "${PROGRAM}" soname REGEX "^libcrypto\\.so\\.3$" LIMIT_COUNT 1)
  file(STRINGS "${PROGRAM}" built_in REGEX "OpenSSL 3\\.[0-9]+\\.[0-9]+ " LIMIT_COUNT 1)
  if(NOT soname OR built_in)
    message(FATAL_ERROR "${PROGRAM} must load the system's shared libcrypto.so.3 (security updates), "
                        "not carry a copy (${built_in})")
  endif()
  message(STATUS "${PROGRAM}: no shared C++ runtime, libcrypto loaded from the system when needed")
elseif(CHECK STREQUAL "no-stream-init")
  execute_process(COMMAND "${NM}" "${PROGRAM}" OUTPUT_VARIABLE symbols RESULT_VARIABLE rc ERROR_QUIET)
  if(NOT rc EQUAL 0 OR symbols STREQUAL "")
    message(STATUS "${PROGRAM} has no symbol table: nothing to check")
    return()
  endif()
  # One local _ZStL8__ioinit per translation unit that included <iostream>.
  string(REGEX MATCHALL "_ZStL8__ioinit" inits "${symbols}")
  list(LENGTH inits count)
  if(count GREATER 0)
    message(FATAL_ERROR "${count} object(s) of ${PROGRAM} include <iostream> (a static std::ios_base::Init "
                        "that builds the standard streams before main()): include apps/umd/cli11.h, not <CLI/CLI.hpp>, "
                        "and no <iostream>")
  endif()
  message(STATUS "${PROGRAM}: the standard streams are not built at start-up")
else()
  message(FATAL_ERROR "CHECK must be handler-image, cli or no-stream-init")
endif()
