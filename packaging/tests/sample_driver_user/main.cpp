// main.cpp — runs the sample driver copied out of the tree: write 7 (a reply the
// trusted side checks byte by byte) through a Manager and its sandboxed handler.
#include <cstdio>
#include <memory>

#include <umd/loader.h>
#include <umd/manager.h>

#include "trusted/sample.h"

int main()
{
    auto registry = std::make_shared<umd::LoaderRegistry>();
    registry->add_builtin(umd::sample::loader_module());
    umd::Manager manager(registry);
    auto driver = manager.driver("sample");
    if (!driver) {
        std::fprintf(stderr, "error: %s\n", driver.error().message.c_str());
        return umd::exit_code(driver.error().code);
    }
    if (auto written = umd::sample::write(**driver, 7); !written) {
        std::fprintf(stderr, "error: %s\n", written.error().message.c_str());
        return umd::exit_code(written.error().code);
    }
    std::printf("sample driver (copied out of the tree): write 7 ok\n");
    return 0;
}
