// fuzz/seeds/seed_writer.cpp — turns real material (files gpg, sq, rpmbuild and rpmsign
// wrote) into seed inputs for every fuzz target that does not read such files as they are.
//
// The replies are the real handlers' replies: the same parse and encode calls the
// handler executables make on the same bytes (drivers/*/handler/main.cpp), so the
// trusted-side targets start from what an honest handler sends. umdd messages come
// from the encoders the client and the daemon use. Run by fuzz/seeds/make-seeds.sh.
//
//   umd-fuzz-seed-writer pgp  <corpus-root> <file>...   OpenPGP keys, signatures, messages
//   umd-fuzz-seed-writer rpm  <corpus-root> <file>...   RPM packages
//   umd-fuzz-seed-writer umdd <corpus-root>             every umdd request and reply
//   umd-fuzz-seed-writer bpfilter <corpus-root>         iptables tables and the handler's replies
// Each writes <corpus-root>/<target>/<name> and prints how many seeds went to each target.
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <string>
#include <vector>

#include <linux/netfilter/xt_LOG.h>
#include <linux/netfilter/xt_multiport.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

#include "apps/umdd/protocol/protocol.h"
#include "drivers/bpfilter/handler/replace_check.h"
#include "drivers/bpfilter/tests/table_blob.h"
#include "drivers/pgp/handler/parse.h"
#include "drivers/pgp/protocol.h"
#include "drivers/rpm/handler/package_parser.h"
#include "drivers/rpm/protocol.h"
#include "drivers/rpm/tests/rpm_builder.h"
#include "drivers/rpm/trusted/header_digest.h"

namespace {

namespace fs = std::filesystem;
using umd::Bytes;
using umd::ByteView;

class Corpus {
public:
    explicit Corpus(fs::path root) : root_(std::move(root)) {}

    void add(const std::string& target, const std::string& name, ByteView seed)
    {
        fs::create_directories(root_ / target);
        std::ofstream out(root_ / target / name, std::ios::binary | std::ios::trunc);
        out.write(reinterpret_cast<const char*>(seed.data()), static_cast<std::streamsize>(seed.size()));
        if (!out) throw std::runtime_error("cannot write " + (root_ / target / name).string());
        ++counts_[target];
    }

    ~Corpus()
    {
        for (const auto& [target, n] : counts_) std::printf("%-40s %zu seeds\n", target.c_str(), n);
    }

private:
    fs::path root_;
    std::map<std::string, std::size_t> counts_;
};

Bytes read_file(const fs::path& path)
{
    std::ifstream in(path, std::ios::binary);
    if (!in) throw std::runtime_error("cannot read " + path.string());
    return Bytes((std::istreambuf_iterator<char>(in)), {});
}

Bytes concat(std::initializer_list<ByteView> parts)
{
    Bytes out;
    for (ByteView p : parts) out.insert(out.end(), p.begin(), p.end());
    return out;
}

Bytes le32(std::uint32_t v) { return {std::uint8_t(v), std::uint8_t(v >> 8), std::uint8_t(v >> 16), std::uint8_t(v >> 24)}; }

// ---- OpenPGP ---------------------------------------------------------------------------

constexpr std::size_t max_reply_seed = 256 * 1024;

struct PgpInput {
    std::string name;
    Bytes bytes;
    umd::pgp::Parsed parsed;
    Bytes reply;
};

void pgp_seeds(Corpus& corpus, const std::vector<fs::path>& files)
{
    std::vector<PgpInput> inputs;
    for (const fs::path& path : files) {
        Bytes bytes = read_file(path);
        const std::string name = path.filename().string();
        // The handler-side targets read files as the handler does.
        for (const char* t : {"pgp_handler_parse_fuzzer", "pgp_handler_packets_fuzzer", "pgp_handler_armor_fuzzer"})
            corpus.add(t, name, bytes);
        auto parsed = umd::pgp::parser::parse(bytes);
        if (!parsed) {
            std::fprintf(stderr, "seed-writer: the handler refuses %s (%s): used as a raw seed only\n", name.c_str(),
                         parsed.error().message.c_str());
            continue;
        }
        Bytes reply = umd::pgp::encode(*parsed);
        // A reply carrying a decompressed bomb (20 MB of text) would raise libFuzzer's
        // input length for the trusted-side targets to its size and slow every run.
        if (reply.size() > max_reply_seed) continue;
        inputs.push_back({name, std::move(bytes), std::move(*parsed), std::move(reply)});
    }
    for (const PgpInput& in : inputs) {
        corpus.add("fuzz_pgp_decode", in.name + ".reply", in.reply);
        // text lines: u16 input length, the input, 0, the whole reply.
        if (in.parsed.kind == umd::pgp::InputKind::cleartext && in.bytes.size() <= 0xffff) {
            const std::uint8_t len[] = {std::uint8_t(in.bytes.size()), std::uint8_t(in.bytes.size() >> 8), 0};
            Bytes seed = concat({ByteView(len, 2), in.bytes, ByteView(len + 2, 1), in.reply});
            corpus.add("fuzz_pgp_text_lines", in.name + ".lines", seed);
        }
        // hashed areas of every signature the reply carries.
        std::vector<const umd::pgp::Signature*> sigs;
        for (const auto& s : in.parsed.signatures) sigs.push_back(&s);
        for (const auto& c : in.parsed.certificates)
            for (const auto& b : c.signatures) sigs.push_back(&b.signature);
        std::size_t k = 0;
        for (const auto* s : sigs)
            if (!s->hashed_area.empty()) corpus.add("fuzz_pgp_hashed_area", in.name + ".area" + std::to_string(k++), s->hashed_area);
    }
    // verify reply: u32 keyring reply length, the keyring reply, a signature or message reply.
    for (const PgpInput& ring : inputs) {
        if (ring.parsed.kind != umd::pgp::InputKind::certificates) continue;
        for (const PgpInput& msg : inputs) {
            if (msg.parsed.kind == umd::pgp::InputKind::certificates) continue;
            Bytes seed = concat({le32(static_cast<std::uint32_t>(ring.reply.size())), ring.reply, msg.reply});
            corpus.add("fuzz_pgp_verify_reply", ring.name + "+" + msg.name, seed);
        }
    }
}

// ---- RPM -------------------------------------------------------------------------------

std::string base64(ByteView in)
{
    static constexpr char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    for (std::size_t i = 0; i < in.size(); i += 3) {
        const std::uint32_t n = std::uint32_t{in[i]} << 16 | (i + 1 < in.size() ? std::uint32_t{in[i + 1]} << 8 : 0) |
                                (i + 2 < in.size() ? in[i + 2] : 0);
        out += alphabet[n >> 18 & 63];
        out += alphabet[n >> 12 & 63];
        out += i + 1 < in.size() ? alphabet[n >> 6 & 63] : '=';
        out += i + 2 < in.size() ? alphabet[n & 63] : '=';
    }
    return out;
}

/// The same package as rpm 6 signs it: the signature packets rpmsign made, base64, in
/// tag 278 (a string array), beside the header digest (rpm 4.18 on Debian writes 267/268).
Bytes as_rpm6(const umd::rpm::Parsed& parsed, ByteView file)
{
    using namespace umd::rpm::test;
    std::vector<std::string> packets;
    for (const auto& sig : parsed.signatures) packets.push_back(base64(sig.packet));
    const Bytes signature_header = build_header({str_array(umd::rpm::tag::sig_openpgp, packets),
                                                 str(umd::rpm::tag::sig_sha256, umd::rpm::sha256_hex(parsed.header))},
                                                umd::rpm::tag::header_signatures);
    const auto payload = file.subspan(parsed.header_offset + parsed.header.size());
    return build_package(signature_header, parsed.header, Bytes(payload.begin(), payload.end()));
}

void rpm_package_seeds(Corpus& corpus, const std::string& name, ByteView bytes, bool make_rpm6)
{
    corpus.add("fuzz_rpm_package", name, bytes);
    auto parsed = umd::rpm::parse_package(bytes, bytes.size());
    if (!parsed || parsed->needed != 0) {
        std::fprintf(stderr, "seed-writer: the RPM handler does not read %s whole: used as a raw seed only\n", name.c_str());
        return;
    }
    corpus.add("fuzz_rpm_reply", name + ".reply", umd::rpm::encode(*parsed));
    // claims: one byte n (claims, mod 16), n × (u8 field, u32 index, tag, type, count, offset), the blob.
    umd::ByteWriter claims;
    const std::size_t n = std::min<std::size_t>(parsed->claims.size(), 15);
    claims.u8(static_cast<std::uint8_t>(n));
    for (std::size_t i = 0; i < n; ++i) {
        const umd::rpm::Claim& c = parsed->claims[i];
        claims.u8(static_cast<std::uint8_t>(c.field));
        for (std::uint32_t v : {c.index, c.tag, c.type, c.count, c.offset}) claims.u32(v);
    }
    claims.bytes(parsed->header);
    corpus.add("fuzz_rpm_claims", name + ".claims", std::move(claims).take());
    if (make_rpm6 && !parsed->signatures.empty()) rpm_package_seeds(corpus, name + ".rpm6", as_rpm6(*parsed, bytes), false);
}

void rpm_seeds(Corpus& corpus, const std::vector<fs::path>& files)
{
    for (const fs::path& path : files) rpm_package_seeds(corpus, path.filename().string(), read_file(path), true);
    // The oracle's input picks a fixture (first byte) and edits its honest reply: an
    // empty edit script per fixture (fuzz.sh adds a real signed package as fixture 5).
    for (std::uint8_t fixture = 0; fixture < 6; ++fixture) {
        const std::uint8_t seed[] = {fixture};
        corpus.add("fuzz_rpm_oracle", "fixture" + std::to_string(fixture), ByteView(seed, 1));
    }
}

// ---- umdd ------------------------------------------------------------------------------

void umdd_seeds(Corpus& corpus)
{
    using namespace umd::daemon;
    const std::string t = "fuzz_umdd_protocol";
    std::uint32_t id = 1;
    auto request = [&](const char* name, Operation op, ByteView fields) {
        corpus.add(t, std::string("request-") + name, encode_request({op, id++}, fields));
    };
    PgpVerifyRequest pgp;
    pgp.keyrings = 2;
    pgp.detached = true;
    pgp.not_before = 1'700'000'000;
    pgp.not_after = 1'800'000'000;
    pgp.keep_content = true;
    pgp.names = {"keyring-a.asc", "keyring-b.pgp", "file.sig", "file"};
    request("pgp-verify", Operation::pgp_verify, encode_fields(pgp));
    PgpVerifyRequest inline_pgp;
    inline_pgp.keyrings = 1;
    inline_pgp.names = {"keyring.asc", "message.asc"};
    request("pgp-verify-inline", Operation::pgp_verify, encode_fields(inline_pgp));
    request("rpm-verify", Operation::rpm_verify, encode_fields(RpmVerifyRequest{1, true, {"key.asc", "pkg.rpm"}}));
    request("sample-write", Operation::sample_write, encode_fields(SampleWriteRequest{4096}));
    request("pgp-show", Operation::pgp_show, encode_fields(ShowRequest{"message.asc"}));
    request("rpm-show", Operation::rpm_show, encode_fields(ShowRequest{"pkg.rpm"}));
    request("trust-add", Operation::trust_add, encode_fields(TrustAddRequest{1, true, {"key.asc", "a.rpm", "b.rpm"}}));
    request("trust-remove", Operation::trust_remove, encode_fields(TrustRemoveRequest{"umdtest-7:1.2-3.noarch"}));
    request("trust-check", Operation::trust_check, encode_fields(TrustCheckRequest{false, {"/usr/bin/umdtest", "/bin/sh"}}));
    request("guard-mode", Operation::guard_mode, encode_fields(GuardModeRequest{true}));
    request("guard-check", Operation::guard_check, encode_fields(GuardCheckRequest{"/usr/bin/umdtest"}));
    for (auto [name, op] : {std::pair{"status", Operation::status}, {"reload", Operation::reload},
                            {"trust-list", Operation::trust_list}, {"guard-status", Operation::guard_status}})
        request(name, op, {});

    auto reply = [&](const char* name, ByteView fields) { corpus.add(t, std::string("reply-") + name, encode_reply_ok(id++, fields)); };
    StatusReply status;
    status.drivers.push_back({"pgp", "running", 4242, 1, 0, 17, 0, "strict: seccomp, namespaces, landlock", ""});
    status.drivers.push_back({"rpm", "failed", -1, 3, 2, 5, 3, "strict", "handler crashed: killed by SIGSEGV"});
    status.trust_db = "/var/lib/umd/trust";
    reply("status", encode_fields(status));
    PgpVerifyReply verdict;
    verdict.valid = true;
    verdict.required = 1;
    verdict.good_signers = {"0123456789ABCDEF0123456789ABCDEF01234567"};
    verdict.bad = {{"FEDCBA9876543210", "BAD signature"}};
    verdict.content_size = 12;
    reply("pgp-verify", encode_fields(verdict));
    reply("rpm-verify", encode_fields(RpmVerifyReply{RpmVerified{"umdtest-7:1.2-3.noarch", "ABCDEF", 8, 120}}));
    reply("rpm-verify-refused", encode_fields(RpmVerifyReply{std::unexpected(umd::Error{umd::Errc::rejected, "BAD signature"})}));
    reply("document", encode_fields(DocumentReply{2048}));
    TrustAddReply added;
    added.packages = {std::string("umdtest-7:1.2-3.noarch"), std::unexpected(umd::Error{umd::Errc::rejected, "weak digests"})};
    reply("trust-add", encode_fields(added));
    TrustCheckReply checked;
    checked.files = {TrustCheckAnswer{"sha256:" + std::string(64, 'a'), 1, "umdtest-7:1.2-3.noarch", "/usr/bin/umdtest"},
                     std::unexpected(umd::Error{umd::Errc::bad_input, "not a regular file"})};
    reply("trust-check", encode_fields(checked));
    reply("guard-check", encode_fields(GuardCheckReply{true, false, true, true, true, "trusted", "sha256:" + std::string(64, 'b'),
                                                       "umdtest-7:1.2-3.noarch", "/usr/bin/umdtest"}));
    reply("bpfilter", encode_fields(BpfilterReply{-EINVAL, 0, "entry at 0: next_offset 0 is too small"}));
    request("bpfilter", Operation::bpfilter, encode_fields(BpfilterRequest{BpfilterOption::set_replace, 1360}));
    BpfilterEvalRequest eval;
    eval.src = 0x0100000a;   // 10.0.0.1
    eval.dport = 22;
    eval.in = "eth0";
    request("bpfilter-eval", Operation::bpfilter_eval, encode_fields(eval));
    reply("bpfilter-eval", encode_fields(BpfilterEvalReply{0, "INPUT", 3, false, 2, 0, 0, 3, "-A INPUT -p tcp -m tcp --dport 22 -j ACCEPT"}));
    corpus.add(t, "reply-error", encode_reply_error(id++, umd::Error{umd::Errc::bad_input, "unknown operation"}));
    corpus.add(t, "digest-list", encode_rpm_digest_list({{std::string(64, 'c'), "/usr/bin/umdtest"}, {std::string(64, 'd'), "/usr/share/umdtest/hello.txt"}}));
}

// ---- bpfilter --------------------------------------------------------------------------

/// iptables' tables as the tests build them, and the handler's honest replies to them:
/// the replacement target takes the tables, the reply target "<request length><request><reply>".
void bpfilter_seeds(Corpus& corpus)
{
    using namespace umd::bpfilter::test;
    xt_multiport_v1 mp{};
    mp.flags = XT_MULTIPORT_EITHER;
    mp.count = 2;
    mp.ports[0] = 22;
    mp.ports[1] = 443;
    xt_log_info log{};
    log.level = 4;
    std::strcpy(log.prefix, "in: ");
    const std::pair<const char*, Blob> tables[] = {
        {"empty", empty_filter().build()},
        {"user-chain", filter_with_user_chain().build()},
        {"tcp-udp-icmp", filter_with_protocol_rules().build()},
        {"multiport", filter_with_rule(IPPROTO_TCP, match("multiport", bytes_of(mp), 1)).build()},
        {"log", filter_with_target(0, "LOG", bytes_of(log)).build()},
    };
    for (const auto& [name, blob] : tables) {
        corpus.add("fuzz_bpfilter_replace", name, blob);
        auto checked = umd::bpfilter::check_replace(blob);
        if (!checked) throw std::runtime_error(std::string("bpfilter seed refused: ") + checked.error().reason);
        const Bytes reply = umd::bpfilter::encode_check_reply({true, 0, {}, umd::bpfilter::records_of(*checked)});
        Bytes seed = {static_cast<std::uint8_t>(blob.size() & 0xff), static_cast<std::uint8_t>(blob.size() >> 8)};
        seed.insert(seed.end(), blob.begin(), blob.end());
        seed.insert(seed.end(), reply.begin(), reply.end());
        corpus.add("fuzz_bpfilter_reply", name, seed);
    }
}

}  // namespace

int main(int argc, char** argv)
{
    if (argc < 3) {
        std::fprintf(stderr, "usage: %s pgp|rpm|umdd|bpfilter <corpus-root> [file]...\n", argv[0]);
        return 2;
    }
    const std::string mode = argv[1];
    std::vector<fs::path> files(argv + 3, argv + argc);
    try {
        Corpus corpus{fs::path(argv[2])};
        if (mode == "pgp") pgp_seeds(corpus, files);
        else if (mode == "rpm") rpm_seeds(corpus, files);
        else if (mode == "umdd") umdd_seeds(corpus);
        else if (mode == "bpfilter") bpfilter_seeds(corpus);
        else {
            std::fprintf(stderr, "unknown mode %s\n", mode.c_str());
            return 2;
        }
    } catch (const std::exception& e) {
        std::fprintf(stderr, "seed-writer: %s\n", e.what());
        return 3;
    }
    return 0;
}
