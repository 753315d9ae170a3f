// drivers/pgp/handler/tests/differential_peers.cpp — reads pgpdump's and sq's packet dumps (test-only).
//
// Both peers print one block per packet. pgpdump: a header "Old: Name(tag N)(L bytes)"
// then tab-indented "Field - value" lines, with an embedded signature printed
// flat inside its parent. sq: a header "Name Packet, old CTB, L bytes" then
// "Field: value" lines indented four more columns, subpackets two more, and the
// contents of compressed data drawn as a tree. Each packet's own fields are
// read, and those of a signature embedded in a subpacket (a back-signature).
#include "differential_sources.h"

#include <map>
#include <regex>
#include <sstream>

#include "differential_normalise.h"

namespace umd::pgp::differential {
namespace {

std::vector<std::string> lines_of(const std::string& text)
{
    std::vector<std::string> out;
    std::stringstream in(text);
    std::string line;
    while (std::getline(in, line)) out.push_back(line);
    return out;
}

/// Records an unknown spelling and returns the value, if any.
template <class T>
std::optional<T> known(std::optional<T> value, const std::string& what, const std::string& spelling, PeerDump& dump)
{
    if (!value) dump.unknown_spellings.push_back(what + " \"" + spelling + "\"");
    return value;
}

void append(std::optional<std::vector<std::string>>& list, const std::string& value)
{
    if (!list) list.emplace();
    list->push_back(value);
}

// ---- pgpdump ---------------------------------------------------------------------------------

struct PgpdumpState {
    PeerDump dump;
    int subpacket = 0;             // the subpacket whose value lines follow
    bool hashed = false;           // which area that subpacket is in
    int embedded_depth = 0;        // > 0 inside an embedded signature
    std::optional<std::int64_t> last_key_created;   // pgpdump prints key expiry as key creation + value

    PeerPacket* current() { return dump.packets.empty() ? nullptr : &dump.packets.back(); }
};

void pgpdump_signature_line(PgpdumpState& st, PeerPacket& p, const std::string& line)
{
    // An embedded signature's lines follow its subpacket's, flat, up to its own hash prefix;
    // they are read into the embedded signature (one level: deeper ones are skipped).
    if (!p.signature.embedded) p.signature.embedded.emplace();
    if (st.embedded_depth > 1) {
        if (line.starts_with("\tHash left 2 bytes - ")) --st.embedded_depth;
        return;
    }
    SignatureFacts& s = st.embedded_depth == 1 ? p.signature.embedded->back() : p.signature;
    std::smatch m;
    if (std::regex_search(line, m, std::regex(R"(^\t(Hashed Sub|Sub): .*\(sub (\d+)\))"))) {
        st.hashed = m[1] == "Hashed Sub";
        st.subpacket = std::stoi(m[2]);
        if (st.hashed) s.hashed_subpackets = s.hashed_subpackets.value_or(0) + 1;
        if (st.subpacket == 32) {
            if (st.embedded_depth == 0) p.signature.embedded->emplace_back();
            ++st.embedded_depth;
        }
        return;
    }
    if (std::regex_search(line, m, std::regex(R"(^\tHash left 2 bytes - ([0-9a-f]{2}) ([0-9a-f]{2}))"))) {
        s.left16 = std::stoi(m[1].str() + m[2].str(), nullptr, 16);
        if (!s.hashed_subpackets) s.hashed_subpackets = 0;
        if (st.embedded_depth > 0) --st.embedded_depth;
        return;
    }
    if (std::regex_search(line, m, std::regex(R"(^\tVer (\d+) )"))) s.version = std::stoi(m[1]);
    else if (std::regex_search(line, m, std::regex(R"(^\tSig type - .*\(0x([0-9a-fA-F]{2})\)\.?$)")))
        s.type = std::stoi(m[1], nullptr, 16);
    else if (std::regex_search(line, m, std::regex(R"(^\tPub alg - .*\(pub (\d+)\))"))) s.pk_algorithm = std::stoi(m[1]);
    else if (std::regex_search(line, m, std::regex(R"(^\tHash alg - .*\(hash (\d+)\))")))
        s.hash_algorithm = std::stoi(m[1]);
    else if (std::regex_search(line, m, std::regex(R"(^\t\tTime - (.*)$)"))) {
        auto t = known(utc_seconds(m[1]), "pgpdump time", m[1], st.dump);
        if (!t || !st.hashed) return;   // facts are read from the hashed area only, as the Manager does
        if (st.subpacket == 2) s.created = *t;
        // pgpdump prints expirations as absolute times: signature creation or key creation + value.
        if (st.subpacket == 3 && s.created) s.expires_after = *t - *s.created;
        if (st.subpacket == 9 && st.last_key_created) s.key_expires_after = *t - *st.last_key_created;
    } else if (std::regex_search(line, m, std::regex(R"(^\t\tKey ID - 0x([0-9A-Fa-f]{16}))"))) {
        append(st.hashed ? s.hashed_issuer_key_ids : s.unhashed_issuer_key_ids, upper_hex(m[1]));
    } else if (std::regex_search(line, m, std::regex(R"(^\t v\d+ -\tFingerprint - ([0-9a-f ]+))"))) {
        append(st.hashed ? s.hashed_issuer_fingerprints : s.unhashed_issuer_fingerprints, upper_hex(m[1]));
    } else if (std::regex_search(line, m, std::regex(R"(^\t\tFlag - (.*)$)")) && st.subpacket == 27 && st.hashed) {
        if (auto bit = known(pgpdump_key_flag(m[1]), "pgpdump key flag", m[1], st.dump))
            s.key_flags = s.key_flags.value_or(0) | *bit;
    }
}

void pgpdump_key_line(PgpdumpState& st, PeerPacket& p, const std::string& line)
{
    KeyFacts& k = p.key;
    std::smatch m;
    if (std::regex_search(line, m, std::regex(R"(^\tVer (\d+) )"))) k.version = std::stoi(m[1]);
    else if (std::regex_search(line, m, std::regex(R"(^\tPublic key creation time - (.*)$)"))) {
        k.created = known(utc_seconds(m[1]), "pgpdump time", m[1], st.dump);
        st.last_key_created = k.created;
    } else if (std::regex_search(line, m, std::regex(R"(^\tPub alg - .*\(pub (\d+)\))")))
        k.algorithm = std::stoi(m[1]);
    else if (std::regex_search(line, m, std::regex(R"(^\tElliptic Curve - .*\((0x[0-9A-Fa-f ]+)\))")))
        k.curve = known(dotted_oid_from_hex(m[1]), "pgpdump curve", m[1], st.dump);
    else if (std::regex_search(line, m, std::regex(R"(^\t(?:RSA n|DSA p)\((\d+) bits\))")))
        k.bits = std::stoi(m[1]);
}

void pgpdump_other_line(PgpdumpState& st, PeerPacket& p, const std::string& line)
{
    std::smatch m;
    if (p.tag == 13 && std::regex_search(line, m, std::regex(R"(^\tUser ID - (.*)$)"))) p.user_id = m[1];
    else if (p.tag == 8 && std::regex_search(line, m, std::regex(R"(^\tComp alg - .*\(comp (\d+)\))")))
        p.compression = std::stoi(m[1]);
    else if (p.tag == 11 && std::regex_search(line, m, std::regex(R"(^\tPacket data format - (.*)$)")))
        p.literal.format = known(pgpdump_literal_format(m[1]), "pgpdump literal format", m[1], st.dump);
    else if (p.tag == 11 && std::regex_search(line, m, std::regex(R"(^\tFilename - (.*)$)")))
        p.literal.filename = m[1];
}

// ---- sq ---------------------------------------------------------------------------------------

/// The line with sq's tree drawing (│ ├ └ ─, three UTF-8 bytes each, one column wide) as spaces.
std::string untree(const std::string& line)
{
    std::string out;
    for (std::size_t i = 0; i < line.size();) {
        if (line.compare(i, 3, "\u2502") == 0 || line.compare(i, 3, "\u251c") == 0 ||
            line.compare(i, 3, "\u2514") == 0 || line.compare(i, 3, "\u2500") == 0) {
            out += ' ';
            i += 3;
        } else {
            out += line[i++];
        }
    }
    return out;
}

/// One line of a signature packet whose header is at column `base`: fields at base + 4,
/// subpackets at base + 6. Values may be followed by " (critical)" or, for an
/// expiration, the absolute time in parentheses.
void sq_signature_line(SignatureFacts& s, bool& hashed, std::size_t base, std::size_t first, const std::string& text,
                       PeerDump& dump)
{
    auto field = [&](const char* name, std::string& value) {
        std::string prefix = std::string(name) + ": ";
        if (!text.starts_with(prefix)) return false;
        value = text.substr(prefix.size());
        return true;
    };
    std::string v;
    if (first == base + 4) {
        if (field("Version", v)) s.version = std::stoi(v);
        else if (field("Type", v)) s.type = known(sq_signature_type(v), "sq signature type", v, dump);
        else if (field("Pk algo", v)) s.pk_algorithm = known(sq_public_key_algorithm(v), "sq public-key algorithm", v, dump);
        else if (field("Hash algo", v)) s.hash_algorithm = known(sq_hash_algorithm(v), "sq hash algorithm", v, dump);
        else if (field("Digest prefix", v)) {
            s.left16 = std::stoi(v, nullptr, 16);
            if (!s.hashed_subpackets) s.hashed_subpackets = 0;   // an empty area is not printed
        } else if (text == "Hashed area:") {
            hashed = true;
            s.hashed_subpackets = 0;
        } else if (text == "Unhashed area:") {
            hashed = false;
        }
        return;
    }
    if (first != base + 6) return;   // deeper: a subpacket's own nested lines
    if (hashed) s.hashed_subpackets = s.hashed_subpackets.value_or(0) + 1;
    std::string value = text.substr(text.find(": ") == std::string::npos ? text.size() : text.find(": ") + 2);
    std::string word = value.substr(0, value.find(' '));
    if (text.starts_with("Issuer Fingerprint: "))
        append(hashed ? s.hashed_issuer_fingerprints : s.unhashed_issuer_fingerprints, upper_hex(word));
    else if (text.starts_with("Issuer: "))
        append(hashed ? s.hashed_issuer_key_ids : s.unhashed_issuer_key_ids, upper_hex(word));
    else if (!hashed) return;   // facts are read from the hashed area only, as the Manager does
    else if (text.starts_with("Signature creation time: "))
        s.created = known(utc_seconds(value), "sq time", value, dump);
    else if (text.starts_with("Signature expiration time: "))
        s.expires_after = known(duration_seconds(word), "sq duration", word, dump);
    else if (text.starts_with("Key expiration time: "))
        s.key_expires_after = known(duration_seconds(word), "sq duration", word, dump);
    else if (text.starts_with("Key flags: "))
        s.key_flags = known(sq_key_flags(word), "sq key flags", word, dump);
}

int sq_tag(const std::string& name)
{
    static const std::map<std::string, int> tags{
        {"Public-Key", 6},    {"Public-Subkey", 14}, {"Secret-Key", 5},  {"Secret-Subkey", 7},
        {"User ID", 13},      {"User Attribute", 17}, {"Signature", 2},  {"One-Pass Signature", 4},
        {"Literal Data", 11}, {"Compressed Data", 8}, {"Marker", 10},    {"Trust", 12}};
    auto it = tags.find(name);
    return it == tags.end() ? -1 : it->second;
}

}  // namespace

PeerDump read_pgpdump(const std::string& output)
{
    PgpdumpState st;
    const std::regex header(R"(^(?:Old|New): (.*)\(tag (\d+)\)(?:\((\d+) bytes\))?)");
    for (const std::string& line : lines_of(output)) {
        std::smatch m;
        if (std::regex_search(line, m, header)) {
            PeerPacket p;
            p.tag = std::stoi(m[2]);
            p.length = m[3].matched ? std::optional<std::size_t>(std::stoul(m[3])) : std::nullopt;
            st.subpacket = 0;
            st.embedded_depth = 0;
            st.dump.packets.push_back(std::move(p));
            continue;
        }
        PeerPacket* p = st.current();
        if (!p) continue;
        if (p->tag == 2) pgpdump_signature_line(st, *p, line);
        else if (p->tag == 5 || p->tag == 6 || p->tag == 7 || p->tag == 14) pgpdump_key_line(st, *p, line);
        else pgpdump_other_line(st, *p, line);
    }
    // pgpdump stops at a packet version it does not know ("unknown version (6)") after
    // printing "Ver 6 -": that packet counts as undecoded.
    for (PeerPacket& p : st.dump.packets) {
        int version = p.tag == 2 ? p.signature.version.value_or(0) : p.key.version.value_or(0);
        if ((p.tag == 2 || p.tag == 6 || p.tag == 14) && version != 3 && version != 4) p.undecoded = true;
        if (p.tag == 2 && p.signature.version && !p.signature.left16) p.undecoded = true;
    }
    return std::move(st.dump);
}

PeerDump read_sq_dump(const std::string& output)
{
    PeerDump dump;
    const std::regex header(R"(^(.+?) Packet, (?:old|new) CTB(?:, (\d+) bytes)?)");
    std::size_t indent = 0;
    bool hashed = false, embedded_hashed = false;
    for (const std::string& raw : lines_of(output)) {
        const std::string line = untree(raw);
        const std::size_t first = line.find_first_not_of(' ');
        if (first == std::string::npos) continue;
        const std::string text = line.substr(first);
        std::smatch m;
        if (std::regex_search(text, m, header)) {
            PeerPacket p;
            p.tag = sq_tag(m[1]);
            if (p.tag < 0) {
                p.undecoded = true;
                if (m[1] != "Unknown or Unsupported") dump.unknown_spellings.push_back("sq packet \"" + m[1].str() + "\"");
            }
            p.length = m[2].matched ? std::optional<std::size_t>(std::stoul(m[2])) : std::nullopt;
            indent = first;
            hashed = false;
            dump.packets.push_back(std::move(p));
            continue;
        }
        if (dump.packets.empty()) continue;
        PeerPacket& p = dump.packets.back();
        auto field = [&](const char* name, std::string& value) {
            std::string prefix = std::string(name) + ": ";
            if (!text.starts_with(prefix)) return false;
            value = text.substr(prefix.size());
            return true;
        };
        std::string v;
        if (p.undecoded) {
            // "Tag: Public-Key Packet" names what sq could not read.
            if (first == indent + 4 && field("Tag", v) && v.ends_with(" Packet")) p.tag = sq_tag(v.substr(0, v.size() - 7));
            continue;
        }
        if (p.tag == 5 || p.tag == 6 || p.tag == 7 || p.tag == 14) {
            KeyFacts& k = p.key;
            if (first > indent + 4 && field("Curve", v)) k.curve = known(sq_curve_oid(v), "sq curve", v, dump);
            if (first != indent + 4) continue;
            if (field("Version", v)) k.version = std::stoi(v);
            else if (field("Creation time", v)) k.created = known(utc_seconds(v), "sq time", v, dump);
            else if (field("Pk algo", v)) k.algorithm = known(sq_public_key_algorithm(v), "sq public-key algorithm", v, dump);
            else if (field("Pk size", v)) k.bits = std::stoi(v);
            else if (field("Fingerprint", v)) k.fingerprint = upper_hex(v);
            else if (field("KeyID", v)) k.key_id = upper_hex(v);
        } else if (p.tag == 13) {
            if (first == indent + 4 && field("Value", v)) p.user_id = v;
        } else if (p.tag == 2) {
            // An embedded signature is printed as a nested packet under its subpacket, two
            // columns further in: header at +8, its fields at +10, its subpackets at +12.
            if (!p.signature.embedded) p.signature.embedded.emplace();
            if (first == indent + 6 && text.starts_with("Embedded signature:")) {
                if (hashed) p.signature.hashed_subpackets = p.signature.hashed_subpackets.value_or(0) + 1;
                p.signature.embedded->emplace_back();
                embedded_hashed = false;
            } else if (first >= indent + 10 && !p.signature.embedded->empty()) {
                sq_signature_line(p.signature.embedded->back(), embedded_hashed, indent + 6, first, text, dump);
            } else if (first < indent + 8) {
                sq_signature_line(p.signature, hashed, indent, first, text, dump);
            }
        } else if (p.tag == 11 && first == indent + 4) {
            if (field("Format", v)) p.literal.format = known(sq_literal_format(v), "sq literal format", v, dump);
            else if (field("Filename", v)) p.literal.filename = v;
        } else if (p.tag == 8 && first == indent + 4 && field("Algorithm", v)) {
            p.compression = known(sq_compression_algorithm(v), "sq compression algorithm", v, dump);
        }
    }
    // sq prints no "Filename" line for an empty name.
    for (PeerPacket& p : dump.packets)
        if (p.tag == 11 && !p.literal.filename) p.literal.filename = "";
    return dump;
}

/// A peer prints issuers and embedded signatures only where there are some: none printed is none found.
static SignatureFacts with_empty_lists(SignatureFacts s)
{
    for (auto* list : {&s.hashed_issuer_fingerprints, &s.hashed_issuer_key_ids, &s.unhashed_issuer_fingerprints,
                       &s.unhashed_issuer_key_ids})
        if (!*list) list->emplace();
    if (!s.embedded) s.embedded.emplace();
    for (SignatureFacts& e : *s.embedded) e = with_empty_lists(e);
    return s;
}

FileFacts collect(const std::vector<PeerPacket>& packets)
{
    // The handler's representation rules (certificate_parser.cpp, signature_parser.cpp):
    // a certificate whose primary key is not v4/v6 is skipped whole; a subkey that is
    // not v4/v6 is skipped with its signatures; user attributes are skipped with their
    // signatures; signatures that are not v4/v6 are skipped.
    FileFacts facts;
    bool skip_certificate = false, skip_component = false;
    auto representable = [](const std::optional<int>& version) { return version == 4 || version == 6; };
    for (const PeerPacket& p : packets) {
        if (p.undecoded) {
            facts.undecoded_tags.push_back(p.tag);
            continue;
        }
        switch (p.tag) {
        case 5: case 6:
            skip_certificate = !representable(p.key.version);
            skip_component = false;
            if (!skip_certificate) facts.keys.push_back(p.key);
            break;
        case 7: case 14:
            skip_component = !representable(p.key.version);
            if (!skip_certificate && !skip_component) {
                facts.keys.push_back(p.key);
                facts.keys.back().subkey = true;
            }
            break;
        case 13:
            skip_component = false;
            if (!skip_certificate) facts.user_ids.push_back(p.user_id);
            break;
        case 17:
            skip_component = true;
            break;
        case 2:
            if (!skip_certificate && !skip_component && representable(p.signature.version))
                facts.signatures.push_back(with_empty_lists(p.signature));
            break;
        case 11:
            facts.literal = p.literal;
            // Format octet, name length octet, name, four-octet date: the rest is data.
            if (p.length && p.literal.filename && *p.length >= 6 + p.literal.filename->size())
                facts.literal->length = *p.length - 6 - p.literal.filename->size();
            break;
        case 8:
            if (p.compression) facts.compression.push_back(*p.compression);
            break;
        default:
            break;
        }
    }
    return facts;
}

}  // namespace umd::pgp::differential
