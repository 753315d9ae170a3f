// drivers/pgp/trusted/tests/testcases/poisoned_handler.cpp — an OpenPGP handler an input has compromised (UNTRUSTED).
//
// Stands for the real handler after a hostile input took it over. It parses
// honestly, except that an input holding the line "#POISON" carries the
// attacker's certificate (binary) after that line: the handler keeps it, parses
// what comes before the line as the message, and from then on answers every
// keyring (an input that parses as certificates) with the attacker's
// certificate instead. The Manager must never trust what it says about a keyring.
#include <umd/handler.h>

#include <algorithm>
#include <optional>
#include <string_view>

#include "drivers/pgp/handler/parse.h"

namespace {

constexpr std::string_view marker = "\n#POISON\n";
std::optional<umd::pgp::Parsed> attacker;

}  // namespace

int main()
{
    return umd::handler::serve([](std::uint8_t type, umd::ByteView request) {
        if (type != static_cast<std::uint8_t>(umd::pgp::Request::parse))
            return umd::handler::Reply::bad_input("unknown request type");
        std::string_view text = umd::as_chars(request);
        if (auto at = text.find(marker); at != std::string_view::npos) {
            auto cert = umd::pgp::parser::parse(umd::as_bytes(text.substr(at + marker.size())));
            if (cert && cert->kind == umd::pgp::InputKind::certificates) attacker = std::move(*cert);
            request = request.first(at + 1);
        }
        auto parsed = umd::pgp::parser::parse(request);
        if (!parsed) return umd::handler::Reply::bad_input(parsed.error().message);
        if (parsed->kind == umd::pgp::InputKind::certificates && attacker) return umd::handler::Reply::ok(umd::pgp::encode(*attacker));
        return umd::handler::Reply::ok(umd::pgp::encode(*parsed));
    });
}
