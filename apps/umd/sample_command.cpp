// apps/umd/sample_command.cpp — `umd sample write OFFSET` (trusted side).
#include <charconv>

#include "commands.h"
#include "drivers/sample/protocol.h"
#include "drivers/sample/trusted/sample.h"

namespace umd::cli {

namespace {

/// Parses a decimal offset strictly: digits only, no sign, no trailing text.
Result<std::uint64_t> parse_offset(const std::string& text)
{
    std::uint64_t value = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (text.empty() || ec == std::errc::invalid_argument || end != text.data() + text.size())
        return fail(Errc::invalid_argument, "offset '{}' is not a non-negative decimal number", text);
    if (ec == std::errc::result_out_of_range || value >= sample::reply_size)
        return fail(Errc::invalid_argument, "offset '{}' is out of range 0..{}", text, sample::reply_size - 1);
    return value;
}

/// Through umdd when one serves, else with the driver in this process.
Status write_byte(Context& ctx, std::uint64_t offset)
{
    if (auto* daemon = UMD_TRY(ctx.daemon())) {
        UMD_TRY(daemon->call(daemon::Operation::sample_write, daemon::encode_fields(daemon::SampleWriteRequest{offset}), {}));
        return {};
    }
    auto driver = UMD_TRY(ctx.driver("sample"));
    return sample::write(*driver, offset);
}

}  // namespace

void register_sample(CLI::App& app, Context& ctx)
{
    auto* sample = app.add_subcommand("sample", "The sample driver: a template and a self-test of the UMD machinery");
    sample->require_subcommand(1);
    auto* write = sample->add_subcommand("write", "Ask the handler to set byte OFFSET of a 128 KiB reply, and verify it");
    auto offset = std::make_shared<std::string>();
    write->add_option("OFFSET", *offset, "Byte offset, 0..131071")->required();
    write->footer("Exit status: 0 the handler set the byte, 1 the reply was rejected, 2 bad offset, 3 handler failure.");
    ctx.add_json_flag(*write);
    write->callback([&ctx, offset] {
        auto value = parse_offset(*offset);
        if (!value) {
            ctx.exit_code = ctx.report(value.error());
            return;
        }
        auto done = write_byte(ctx, *value);
        if (!done) {
            ctx.exit_code = ctx.report(done.error());
            return;
        }
        if (ctx.json) ctx.json->set("offset", *value);
        else std::printf("sample: the handler set byte %llu of its 128 KiB reply; verified\n", static_cast<unsigned long long>(*value));
        ctx.exit_code = 0;
    });
}

}  // namespace umd::cli
