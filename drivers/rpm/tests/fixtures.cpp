// drivers/rpm/tests/fixtures.cpp — real packages and keys, generated once per test process.
#include "drivers/rpm/tests/fixtures.h"

#include <stdlib.h>

#include <cstdlib>
#include <filesystem>

namespace umd::rpm::test {
namespace {

struct Fixtures {
    std::string dir;
    std::string root;
    Fixtures()
    {
        char tmpl[] = "/tmp/umd-rpm-test.XXXXXX";
        if (!mkdtemp(tmpl)) return;
        root = tmpl;
        std::string cmd = std::string("'") + UMD_RPM_FIXTURE_SCRIPT + "' '" + root + "/fx' >'" + root + "/log' 2>&1";
        if (std::system(cmd.c_str()) == 0) dir = root + "/fx";
    }
    ~Fixtures()
    {
        std::error_code ec;
        if (!root.empty()) std::filesystem::remove_all(root, ec);
    }
};

}  // namespace

const std::string& fixtures()
{
    static Fixtures f;
    return f.dir;
}

std::string fixture(const std::string& name) { return fixtures() + "/" + name; }

}  // namespace umd::rpm::test
