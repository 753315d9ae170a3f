// drivers/pgp/handler/tests/differential_normalise.cpp — the peers' spellings as numbers (test-only).
#include "differential_normalise.h"
#include "peer.h"

#include <ctime>
#include <map>
#include <regex>
#include <sstream>

namespace umd::pgp::differential {
namespace {

template <class T>
std::optional<T> lookup(const std::map<std::string, T>& table, const std::string& key)
{
    auto it = table.find(key);
    if (it == table.end()) return std::nullopt;
    return it->second;
}

int month_number(const std::string& name)
{
    static const char* months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                   "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    for (int i = 0; i < 12; ++i)
        if (name == months[i]) return i;
    return -1;
}

std::int64_t to_unix(int year, int month0, int day, int hour, int minute, int second)
{
    std::tm tm{};
    tm.tm_year = year - 1900;
    tm.tm_mon = month0;
    tm.tm_mday = day;
    tm.tm_hour = hour;
    tm.tm_min = minute;
    tm.tm_sec = second;
    return static_cast<std::int64_t>(timegm(&tm));
}

}  // namespace

std::optional<std::int64_t> utc_seconds(const std::string& text)
{
    std::smatch m;
    // sq: 2026-11-24 20:13:52 UTC
    if (std::regex_search(text, m, std::regex(R"((\d{4})-(\d\d)-(\d\d) (\d\d):(\d\d):(\d\d) UTC)")))
        return to_unix(std::stoi(m[1]), std::stoi(m[2]) - 1, std::stoi(m[3]), std::stoi(m[4]), std::stoi(m[5]),
                       std::stoi(m[6]));
    // pgpdump -u (asctime with the zone): Tue Nov  4 20:13:52 UTC 2026
    if (std::regex_search(text, m, std::regex(R"([A-Z][a-z]{2} ([A-Z][a-z]{2}) +(\d+) (\d\d):(\d\d):(\d\d) UTC (\d{4}))"))) {
        int month = month_number(m[1]);
        if (month < 0) return std::nullopt;
        return to_unix(std::stoi(m[6]), month, std::stoi(m[2]), std::stoi(m[3]), std::stoi(m[4]), std::stoi(m[5]));
    }
    return std::nullopt;
}

std::optional<std::int64_t> duration_seconds(const std::string& text)
{
    // Days, hours, minutes, seconds only: years and months have no fixed length,
    // and sq (sequoia's Duration) never prints them.
    std::smatch m;
    if (!std::regex_match(text, m, std::regex(R"(P(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?)")))
        return std::nullopt;
    auto part = [&](int i) -> std::int64_t { return m[i].matched ? std::stoll(m[i]) : 0; };
    return part(1) * 7 * 86400 + part(2) * 86400 + part(3) * 3600 + part(4) * 60 + part(5);
}

std::optional<int> sq_public_key_algorithm(const std::string& name)
{
    static const std::map<std::string, int> table{
        {"RSA", 1},         {"RSAEncryptSign", 1}, {"RSAEncrypt", 2}, {"RSA (Encrypt-Only)", 2}, {"RSASign", 3},
        {"RSA (Sign-Only)", 3}, {"ElGamal", 16}, {"ElGamalEncrypt", 16}, {"ElGamal (Encrypt-Only)", 16},
        {"DSA", 17},        {"ECDH", 18},          {"ECDSA", 19},     {"ElGamalEncryptSign", 20},
        {"ElGamal (Encrypt or Sign)", 20},         {"EdDSA", 22},     {"Ed25519", 27},
        {"Ed448", 28},      {"X25519", 25},        {"X448", 26}};
    if (auto id = lookup(table, name)) return id;
    std::smatch m;   // sequoia prints algorithms it does not know as "Unknown(N)" or "Private/Experimental(N)"
    if (std::regex_search(name, m, std::regex(R"(\((\d+)\))"))) return std::stoi(m[1]);
    return std::nullopt;
}

std::optional<int> sq_signature_type(const std::string& name)
{
    static const std::map<std::string, int> table{
        {"Binary", 0x00},                {"Text", 0x01},                  {"Standalone", 0x02},
        {"GenericCertification", 0x10}, {"PersonaCertification", 0x11}, {"CasualCertification", 0x12},
        {"PositiveCertification", 0x13}, {"AttestationKey", 0x16},       {"CertificationApproval", 0x16},
        {"SubkeyBinding", 0x18},         {"PrimaryKeyBinding", 0x19},    {"DirectKey", 0x1F},
        {"KeyRevocation", 0x20},         {"SubkeyRevocation", 0x28},     {"CertificationRevocation", 0x30},
        {"Timestamp", 0x40},             {"Confirmation", 0x50}};
    if (auto id = lookup(table, name)) return id;
    std::smatch m;
    if (std::regex_search(name, m, std::regex(R"(Unknown\((\d+)\))"))) return std::stoi(m[1]);
    return std::nullopt;
}

std::optional<int> sq_hash_algorithm(const std::string& name)
{
    static const std::map<std::string, int> table{
        {"MD5", 1},    {"SHA1", 2},    {"RipeMD160", 3}, {"RIPE-MD/160", 3}, {"SHA256", 8},
        {"SHA384", 9}, {"SHA512", 10}, {"SHA224", 11},   {"SHA3-256", 12},   {"SHA3-512", 14}};
    return lookup(table, name);
}

std::optional<int> sq_compression_algorithm(const std::string& name)
{
    static const std::map<std::string, int> table{
        {"Uncompressed", 0}, {"ZIP", 1}, {"Zip", 1}, {"ZLIB", 2}, {"Zlib", 2}, {"BZip2", 3}, {"BZIP2", 3}};
    return lookup(table, name);
}

std::optional<int> sq_key_flags(const std::string& letters)
{
    // sequoia's KeyFlags Display: C certify, S sign, Et encrypt for transport,
    // Er encrypt at rest, D split key, A authentication, G group key.
    static const std::vector<std::pair<std::string, int>> table{
        {"Et", 0x04}, {"Er", 0x08}, {"C", 0x01}, {"S", 0x02}, {"D", 0x10}, {"A", 0x20}, {"G", 0x80}};
    int flags = 0;
    std::size_t i = 0;
    while (i < letters.size()) {
        bool found = false;
        for (const auto& [token, bit] : table)
            if (letters.compare(i, token.size(), token) == 0) {
                flags |= bit;
                i += token.size();
                found = true;
                break;
            }
        if (!found) return std::nullopt;
    }
    return flags;
}

std::optional<std::string> sq_curve_oid(const std::string& name)
{
    static const std::map<std::string, std::string> table{
        {"NIST P-256", "1.2.840.10045.3.1.7"},       {"NIST P-384", "1.3.132.0.34"},
        {"NIST P-521", "1.3.132.0.35"},              {"brainpoolP256r1", "1.3.36.3.3.2.8.1.1.7"},
        {"brainpoolP384r1", "1.3.36.3.3.2.8.1.1.11"}, {"brainpoolP512r1", "1.3.36.3.3.2.8.1.1.13"},
        {"Ed25519", "1.3.6.1.4.1.11591.15.1"},       {"Curve25519", "1.3.6.1.4.1.3029.1.5.1"},
        {"Cv25519", "1.3.6.1.4.1.3029.1.5.1"}};
    if (auto oid = lookup(table, name)) return oid;
    // Curves sequoia 1.12 does not name: "Unknown curve [43, 36, 3, 3, 2, 8, 1, 1, 11]" (the OID body).
    std::smatch m;
    if (std::regex_match(name, m, std::regex(R"(Unknown curve \[([0-9, ]+)\])"))) {
        std::vector<std::uint8_t> body;
        std::stringstream in(m[1].str());
        std::string byte;
        while (std::getline(in, byte, ',')) body.push_back(static_cast<std::uint8_t>(std::stoi(byte)));
        return testing::dotted_oid(body);
    }
    return std::nullopt;
}

std::optional<char> sq_literal_format(const std::string& name)
{
    static const std::map<std::string, char> table{
        {"Binary data", 'b'}, {"Text data", 't'}, {"Text data (UTF-8)", 'u'}, {"MIME message body part", 'm'}};
    return lookup(table, name);
}

std::optional<int> pgpdump_key_flag(const std::string& sentence)
{
    static const std::map<std::string, int> table{
        {"This key may be used to certify other keys", 0x01},
        {"This key may be used to sign data", 0x02},
        {"This key may be used to encrypt communications", 0x04},
        {"This key may be used to encrypt storage", 0x08},
        {"The private component of this key may have been split by a secret-sharing mechanism", 0x10},
        {"This key may be used for authentication", 0x20},
        {"The private component of this key may be in the possession of more than one person", 0x80}};
    return lookup(table, sentence);
}

std::optional<char> pgpdump_literal_format(const std::string& word)
{
    static const std::map<std::string, char> table{
        {"binary", 'b'}, {"text", 't'}, {"UTF-8 text", 'u'}, {"MIME", 'm'}, {"local", 'l'}};
    return lookup(table, word);
}

std::optional<std::string> dotted_oid_from_hex(const std::string& hex_bytes)
{
    std::vector<std::uint8_t> body;
    std::stringstream in(hex_bytes);
    std::string word;
    while (in >> word) {
        if (word.starts_with("0x")) word = word.substr(2);
        if (word.size() != 2 || word.find_first_not_of("0123456789abcdefABCDEF") != std::string::npos)
            return std::nullopt;
        body.push_back(static_cast<std::uint8_t>(std::stoi(word, nullptr, 16)));
    }
    if (body.empty()) return std::nullopt;
    return testing::dotted_oid(body);
}

std::optional<int> curve_bits(const std::string& dotted)
{
    static const std::map<std::string, int> table{
        {"1.2.840.10045.3.1.7", 256},     {"1.3.132.0.34", 384},           {"1.3.132.0.35", 521},
        {"1.3.36.3.3.2.8.1.1.7", 256},    {"1.3.36.3.3.2.8.1.1.11", 384},  {"1.3.36.3.3.2.8.1.1.13", 512},
        {"1.3.6.1.4.1.11591.15.1", 256},  {"1.3.6.1.4.1.3029.1.5.1", 256}, {"1.3.101.113", 456}};
    return lookup(table, dotted);
}

std::string upper_hex(const std::string& text)
{
    std::string out;
    for (char c : text)
        if (std::isxdigit(static_cast<unsigned char>(c))) out += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return out;
}

}  // namespace umd::pgp::differential
