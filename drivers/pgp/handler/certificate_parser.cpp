// drivers/pgp/handler/certificate_parser.cpp — keyring structure (handler side).
#include "drivers/pgp/handler/certificate_parser.h"

#include <optional>

#include "drivers/pgp/handler/key_parser.h"
#include "drivers/pgp/handler/signature_parser.h"

namespace umd::pgp::parser {
namespace {

/// What the signatures seen next are bound to.
enum class Position { primary, user_id, subkey, skipped };

struct Builder {
    std::vector<Certificate> done;
    std::optional<Certificate> current;
    bool skipping_certificate = false;   // the primary key was not representable
    Position position = Position::primary;

    void finish()
    {
        if (current) done.push_back(std::move(*current));
        current.reset();
    }

    Status add_signature(const Packet& packet)
    {
        if (skipping_certificate || position == Position::skipped) return {};
        auto parsed = UMD_TRY(parse_signature(packet));
        if (!parsed) return {};   // unsupported version: skipped
        Signature& sig = parsed->signature;
        Certificate::Bound bound;
        // Direct-key and key revocation signatures always concern the primary key.
        if (sig.type == 0x1F || sig.type == 0x20 || position == Position::primary) {
            sig.context = SigContext::primary_key;
        } else if (position == Position::user_id) {
            sig.context = SigContext::user_id;
            bound.target = static_cast<std::uint32_t>(current->user_ids.size() - 1);
        } else {
            sig.context = SigContext::subkey;
            bound.target = static_cast<std::uint32_t>(current->subkeys.size() - 1);
        }
        const bool binding = sig.context == SigContext::subkey;
        const std::uint32_t target = bound.target;
        bound.signature = std::move(sig);
        current->signatures.push_back(std::move(bound));
        if (binding && parsed->back_signature) {
            Certificate::Bound back;
            back.signature = std::move(*parsed->back_signature);
            back.signature.context = SigContext::back_signature;
            back.target = target;
            current->signatures.push_back(std::move(back));
        }
        return {};
    }

    Status add(const Packet& packet)
    {
        switch (packet.tag) {
        case tag_public_key: {
            finish();
            auto key = UMD_TRY(parse_key(packet, false));
            skipping_certificate = !key;
            position = Position::primary;
            if (key) {
                current.emplace();
                current->primary = std::move(*key);
            }
            return {};
        }
        case tag_public_subkey: {
            if (skipping_certificate) return {};
            auto key = UMD_TRY(parse_key(packet, true));
            if (!key) {
                position = Position::skipped;
                return {};
            }
            current->subkeys.push_back(std::move(*key));
            position = Position::subkey;
            return {};
        }
        case tag_user_id:
            if (skipping_certificate) return {};
            if (packet.body().size() > Limits::max_user_id) {
                position = Position::skipped;
                return {};
            }
            current->user_ids.emplace_back(reinterpret_cast<const char*>(packet.body().data()),
                                           packet.body().size());
            position = Position::user_id;
            return {};
        case tag_user_attribute:
            position = Position::skipped;   // photos: skipped with their signatures
            return {};
        case tag_signature:
            return add_signature(packet);
        case tag_trust:
        case tag_marker:
        case tag_padding:
            return {};
        case tag_secret_key:
        case tag_secret_subkey:
            return fail(Errc::bad_input, "secret key packet at offset {}: only public keys are accepted",
                        packet.offset);
        default:
            // Unknown non-critical packets (tags 40..63) may be skipped (RFC 9580 §4.3).
            if (packet.tag >= 40) return {};
            return fail(Errc::bad_input, "packet with tag {} at offset {} does not belong in a certificate",
                        packet.tag, packet.offset);
        }
    }
};

}  // namespace

Result<std::vector<Certificate>> parse_certificates(std::span<const Packet> packets)
{
    Builder builder;
    bool started = false;
    for (const Packet& packet : packets) {
        if (!started) {
            if (packet.tag == tag_marker || packet.tag == tag_padding) continue;
            if (packet.tag != tag_public_key)
                return fail(Errc::bad_input, "certificate must start with a public key packet, found tag {} at offset {}",
                            packet.tag, packet.offset);
            started = true;
        }
        UMD_TRY(builder.add(packet));
    }
    builder.finish();
    return std::move(builder.done);
}

}  // namespace umd::pgp::parser
