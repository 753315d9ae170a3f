// main.cpp — the consumer's trusted program: proves the installed headers and
// libraries work from outside the umd tree. Always: a Blob from bytes and the
// error vocabulary. With UMD_CONSUMER_HAS_HANDLER (the CMake build, which can
// embed a handler): a round trip through a Manager to its sandboxed handler.
#include <array>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <string_view>
#include <utility>

#include <umd/blob.h>
#include <umd/error.h>
#include <umd/loader.h>
#include <umd/manager.h>
#include <umd/sandbox.h>

#ifdef UMD_CONSUMER_HAS_HANDLER
#include <umd_generated/consumer_blob.h>   // from umd_embed_blob()
#endif

namespace {

int check(bool ok, const char* what)
{
    std::printf("%s: %s\n", ok ? "ok" : "FAILED", what);
    return ok ? 0 : 1;
}

#ifdef UMD_CONSUMER_HAS_HANDLER
int round_trip()
{
    static constexpr umd::LoaderModule module{
        .name = "consumer",
        .blob_start = umd_blob_consumer_start,
        .blob_end = umd_blob_consumer_end,
        .default_deadline_ms = 5000,
        .max_reply = 1 << 20,
    };
    auto registry = std::make_shared<umd::LoaderRegistry>();
    registry->add_builtin(module);
    umd::Manager manager(registry);

    auto options = umd::sandbox::driver_options("strict");
    if (!options) {
        std::printf("FAILED: strict sandbox: %s\n", options.error().message.c_str());
        return 1;
    }
    manager.set_default_options(std::move(*options));

    auto driver = manager.driver("consumer");
    if (!driver) {
        std::printf("FAILED: driver: %s\n", driver.error().message.c_str());
        return 1;
    }
    constexpr std::string_view text = "installed";
    umd::Bytes request(text.begin(), text.end());
    auto reply = (*driver)->send_recv(1, request);
    if (!reply) {
        std::printf("FAILED: send_recv: %s\n", reply.error().message.c_str());
        return 1;
    }
    std::string_view got(reinterpret_cast<const char*>(reply->payload.data()), reply->payload.size());
    int failures = check(got == "dellatsni", "the sandboxed handler reversed the request");

    auto refused = (*driver)->send_recv(2, request);
    failures += check(!refused && refused.error().code == umd::Errc::bad_input, "an unknown request type is refused as bad input");
    return failures;
}
#endif

}  // namespace

int main()
{
    int failures = 0;
    static constexpr std::array<std::uint8_t, 4> image{0x7f, 'E', 'L', 'F'};
    auto blob = umd::Blob::load(image, "consumer-bytes");
    failures += check(blob && blob->size() == image.size() && blob->fd() >= 0, "Blob::load of 4 bytes gives a sealed memfd");
    auto empty = umd::Blob::load({}, "empty");
    failures += check(!empty && empty.error().code == umd::Errc::invalid_argument, "Blob::load of nothing is invalid_argument");
    failures += check(umd::errc_name(umd::Errc::rejected) == "rejected", "errc_name(rejected)");
    failures += check(umd::exit_code(umd::Errc::rejected) == 1 && umd::exit_code(umd::Errc::protocol) == 3, "exit codes");
#ifdef UMD_CONSUMER_HAS_HANDLER
    failures += round_trip();
#endif
    return failures == 0 ? 0 : 1;
}
