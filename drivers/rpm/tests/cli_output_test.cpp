// drivers/rpm/tests/cli_output_test.cpp — header strings reach the terminal escaped.
//
// A package's name and file paths are bytes its author chose; `umd rpm show`
// prints them without any signature check. Escape sequences (retitling or
// clearing the terminal) and line feeds (a second line that reads like another
// verdict) must arrive as visible \xNN escapes, one line per field.
#include <gtest/gtest.h>

#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <string>

#include "drivers/rpm/tests/rpm_builder.h"
#include "drivers/rpm/trusted/header_digest.h"

#ifndef UMD_CLI
#error "UMD_CLI must name the umd executable"
#endif

namespace umd::rpm::test {
namespace {

TEST(RpmCliOutput, HeaderStringsReachTheTerminalEscaped)
{
    const std::string name = "evil\x1b]0;owned\x07\nfiles: 0, digests none";
    Bytes main = build_header(typical_main_entries(name), 63);
    Bytes file = build_package(build_header({str(273, sha256_hex(main))}, 62), main);
    char path[] = "/tmp/umd-rpm-cli-output-XXXXXX";
    int fd = ::mkstemp(path);
    ASSERT_GE(fd, 0);
    ASSERT_EQ(::write(fd, file.data(), file.size()), static_cast<ssize_t>(file.size()));
    ::close(fd);
    const std::string out = run(std::string(UMD_CLI) + " rpm show " + path + " 2>/dev/null");
    ::unlink(path);
    ASSERT_FALSE(out.empty()) << "umd rpm show printed nothing";
    EXPECT_EQ(out.find('\x1b'), std::string::npos) << out;
    EXPECT_EQ(out.find('\x07'), std::string::npos) << out;
    // package, signature, header, files, and the three files: one line each.
    EXPECT_EQ(std::count(out.begin(), out.end(), '\n'), 7) << out;
    EXPECT_NE(out.find("evil\\x1b]0;owned\\x07\\x0afiles: 0"), std::string::npos) << out;
}

}  // namespace
}  // namespace umd::rpm::test
