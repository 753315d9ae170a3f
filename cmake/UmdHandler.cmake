# Helpers to build an untrusted handler as a static executable and embed it,
# as a binary blob, into the trusted loader module that starts it.
#
#   umd_add_handler(<target> SOURCES ... [LIBS ...])
#       A static, position-independent executable linked with the handler runtime.
#   umd_embed_blob(<object-target> HANDLER <handler-target> SYMBOL <name>)
#       An object library defining
#         extern "C" const unsigned char umd_blob_<name>_start[], umd_blob_<name>_end[];
#       with the handler's bytes included by `.incbin` (no file on disk at run time).

# fmt used header-only formats with std::locale unless told a fixed thousands
# separator: that one reference links libstdc++'s whole locale machinery (every
# facet, money/time parsing, wide strings) into the static image, ~640 KB of a
# 1.5 MB handler that is copied into a memfd and exec'd at every start. Handlers
# never format with the 'L' specifier, so a fixed separator changes no output.
# Every translation unit of a handler must agree (one definition of each inline
# fmt function), so the definition is put on the runtime (PUBLIC) and on each
# library a handler lists.
set(UMD_HANDLER_FMT_DEFINITIONS "FMT_STATIC_THOUSANDS_SEPARATOR=','")

function(umd_add_handler target)
  cmake_parse_arguments(ARG "" "" "SOURCES;LIBS" ${ARGN})
  add_executable(${target} ${ARG_SOURCES})
  target_link_libraries(${target} PRIVATE umd_handler_runtime ${ARG_LIBS})
  foreach(lib IN LISTS ARG_LIBS)
    if(TARGET ${lib})
      get_target_property(imported ${lib} IMPORTED)
      get_target_property(type ${lib} TYPE)
      if(NOT imported AND type MATCHES "STATIC_LIBRARY|OBJECT_LIBRARY")
        target_compile_definitions(${lib} PUBLIC ${UMD_HANDLER_FMT_DEFINITIONS})
      endif()
    endif()
  endforeach()
  target_compile_options(${target} PRIVATE -ffunction-sections -fdata-sections)
  if(COMMAND umd_untrusted_target)
    umd_untrusted_target(${target})
  endif()
  # Stripped: the blob is copied into a memfd at every load, so every byte costs start-up time.
  target_link_options(${target} PRIVATE -static-pie -s -Wl,--gc-sections -Wl,-z,noexecstack)
endfunction()

function(umd_embed_blob target)
  cmake_parse_arguments(ARG "" "HANDLER;SYMBOL" "" ${ARGN})
  # A copy at a fixed path gives the assembler file a plain dependency to track.
  set(image ${CMAKE_CURRENT_BINARY_DIR}/${target}.image)
  add_custom_command(OUTPUT ${image}
    COMMAND ${CMAKE_COMMAND} -E copy $<TARGET_FILE:${ARG_HANDLER}> ${image}
    DEPENDS ${ARG_HANDLER}
    COMMENT "Embedding handler ${ARG_HANDLER} as blob '${ARG_SYMBOL}'")
  set(asm ${CMAKE_CURRENT_BINARY_DIR}/${target}_blob.S)
  file(WRITE ${asm}
"    .section .rodata.umd_blob_${ARG_SYMBOL},\"a\",@progbits
    .balign 64
    .global umd_blob_${ARG_SYMBOL}_start
    .global umd_blob_${ARG_SYMBOL}_end
umd_blob_${ARG_SYMBOL}_start:
    .incbin \"${image}\"
umd_blob_${ARG_SYMBOL}_end:
    .section .note.GNU-stack,\"\",@progbits
")
  add_library(${target} OBJECT ${asm} ${image})
  set_source_files_properties(${asm} PROPERTIES OBJECT_DEPENDS ${image})
endfunction()
