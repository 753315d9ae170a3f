# The verification API of the built-in drivers, installed for programs outside the
# tree (docs/api-stability.md): OpenPGP verification (umd::pgp), RPM verification
# (umd::rpm) and the trust database with the checks that need no handler
# (umd::trustdb). Static archives: each embeds its driver's handler image, and
# their API is not yet frozen (0.x), so it is compiled into the program that uses
# it rather than promised as a shared ABI. Included by packaging/CMakeLists.txt.
#
# Headers keep their source paths (drivers/pgp/trusted/verifier.h, ...) under
# include/umd-drivers/, a directory of their own: adding it to the include path
# must not let umd's error.h shadow the C library's <error.h>.
set(UMD_DRIVER_INCLUDEDIR ${CMAKE_INSTALL_INCLUDEDIR}/umd-drivers)

# target → the name under umd:: in the installed package.
set(UMD_DRIVER_API_TARGETS
  umd_libcrypto     libcrypto      # OpenSSL 3's libcrypto reached through dlopen
  umd_pgp_verifier  pgp_verifier   # decode() and verification, no processes
  umd_pgp_loader    pgp_loader     # the OpenPGP loader module, handler embedded
  umd_pgp_trusted   pgp            # the whole OpenPGP API (docs/pgp.md)
  umd_rpm_core      trustdb        # trust database, digests, claim checks
  umd_rpm_loader    rpm_loader     # the RPM loader module, handler embedded
  umd_rpm_trusted   rpm)           # the whole RPM API (docs/rpm.md)

set(UMD_DRIVER_API_LIBS "")
while(UMD_DRIVER_API_TARGETS)
  list(POP_FRONT UMD_DRIVER_API_TARGETS target export_name)
  list(APPEND UMD_DRIVER_API_LIBS ${target})
  set_property(TARGET ${target} PROPERTY EXPORT_NAME ${export_name})
  # In the tree they name the source directory (and, for umd_libcrypto, OpenSSL's
  # imported target); installed, the two include directories.
  get_target_property(build_includes ${target} INTERFACE_INCLUDE_DIRECTORIES)
  if(NOT build_includes)   # those with none of their own get them through their links
    set(build_includes "")
  endif()
  set_property(TARGET ${target} PROPERTY INTERFACE_INCLUDE_DIRECTORIES
    "$<BUILD_INTERFACE:${build_includes}>"
    $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>
    $<INSTALL_INTERFACE:${UMD_DRIVER_INCLUDEDIR}>)
  # A loader's blob is an object library: its objects are archived into the
  # loader (linked directly), its include directory (umd_generated/) is installed
  # below, so the installed loader needs nothing of it.
  get_target_property(links ${target} INTERFACE_LINK_LIBRARIES)
  list(TRANSFORM links REPLACE "^(umd_[a-z]+_blob)$" "$<BUILD_INTERFACE:\\1>")
  set_property(TARGET ${target} PROPERTY INTERFACE_LINK_LIBRARIES "${links}")
endwhile()

install(TARGETS ${UMD_DRIVER_API_LIBS} EXPORT umdTargets
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT development)

foreach(driver pgp rpm)
  install(DIRECTORY ${PROJECT_SOURCE_DIR}/drivers/${driver}/
    DESTINATION ${UMD_DRIVER_INCLUDEDIR}/drivers/${driver}
    COMPONENT development
    FILES_MATCHING PATTERN "*.h"
    PATTERN handler EXCLUDE PATTERN tests EXCLUDE)
  install(FILES
      ${PROJECT_BINARY_DIR}/drivers/${driver}/umd_generated/${driver}_loader.h
      ${PROJECT_BINARY_DIR}/drivers/${driver}/umd_generated/${driver}_blob.h
    DESTINATION ${UMD_DRIVER_INCLUDEDIR}/umd_generated COMPONENT development)
endforeach()
install(FILES ${PROJECT_SOURCE_DIR}/src/libcrypto/libcrypto.h
  DESTINATION ${UMD_DRIVER_INCLUDEDIR}/src/libcrypto COMPONENT development)

# pkg-config: umd-pgp and umd-rpm (the RPM API and the trust database), each on
# top of umd.pc; archives in link order.
foreach(lib ${CMAKE_DL_LIBS})
  string(APPEND UMD_PC_DL_LIBS " -l${lib}")
endforeach()
foreach(pc umd-pgp umd-rpm)
  configure_file(${pc}.pc.in ${CMAKE_CURRENT_BINARY_DIR}/${pc}.pc @ONLY)
  install(FILES ${CMAKE_CURRENT_BINARY_DIR}/${pc}.pc
    DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig COMPONENT development)
endforeach()
