// drivers/pgp/handler/tests/peer.cpp — test helpers around gpg and temporary directories.
#include "peer.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <regex>
#include <sys/wait.h>

namespace umd::pgp::testing {

TempDir::TempDir()
{
    std::string pattern = (std::filesystem::temp_directory_path() / "umd-pgp-test.XXXXXX").string();
    if (mkdtemp(pattern.data()))
        path_ = pattern;
    else
        ADD_FAILURE() << "mkdtemp failed";
}

TempDir::~TempDir()
{
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
}

std::string quote(const std::string& s)
{
    std::string out = "'";
    for (char c : s) {
        if (c == '\'') out += "'\\''";
        else out += c;
    }
    return out + "'";
}

RunResult run(const std::string& command)
{
    RunResult result;
    FILE* raw = popen(command.c_str(), "r");
    if (!raw) return result;
    char buffer[65536];
    std::size_t n;
    while ((n = fread(buffer, 1, sizeof buffer, raw)) > 0) result.out.append(buffer, n);
    int status = pclose(raw);
    result.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return result;
}

Bytes read_file(const std::string& path)
{
    std::ifstream in(path, std::ios::binary);
    return Bytes(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

void write_file(const std::string& path, std::string_view content)
{
    std::ofstream out(path, std::ios::binary);
    out.write(content.data(), static_cast<std::streamsize>(content.size()));
}

Gpg::Gpg()
{
    std::filesystem::permissions(dir_.path(), std::filesystem::perms::owner_all);
}

RunResult Gpg::try_run(const std::string& args) const
{
    return run("gpg --homedir " + quote(dir_.path()) +
               " --batch --quiet --no-tty --pinentry-mode loopback --passphrase '' " + args + " 2>/dev/null");
}

std::string Gpg::operator()(const std::string& args) const
{
    RunResult r = try_run(args);
    EXPECT_EQ(r.status, 0) << "gpg " << args;
    return r.out;
}

std::string Gpg::generate(const std::string& uid, const std::string& algo) const
{
    (*this)("--quick-gen-key " + quote(uid) + " " + algo + " sign never");
    auto fprs = run("gpg --homedir " + quote(dir_.path()) + " --batch --with-colons --list-keys " + quote(uid) +
                    " 2>/dev/null | awk -F: '/^fpr/{print $10; exit}'");
    std::string fpr = fprs.out;
    while (!fpr.empty() && fpr.back() == '\n') fpr.pop_back();
    return fpr;
}

std::vector<std::string> Gpg::fingerprints(const std::string& fpr) const
{
    std::string out = (*this)("--with-colons --list-keys " + fpr);
    std::vector<std::string> fprs;
    std::regex re("^fpr:::::::::([0-9A-F]+):", std::regex::multiline);
    for (auto it = std::sregex_iterator(out.begin(), out.end(), re); it != std::sregex_iterator(); ++it)
        fprs.push_back((*it)[1]);
    return fprs;
}

std::string ListedPacket::line_with(const std::string& needle) const
{
    for (const std::string& l : lines)
        if (l.find(needle) != std::string::npos) return l;
    return {};
}

std::vector<ListedPacket> parse_listing(const std::string& listing)
{
    std::vector<ListedPacket> packets;
    std::regex head(R"(^# off=(\d+) ctb=[0-9a-f]+ tag=(\d+) hlen=\d+ plen=(\d+))");
    std::size_t pos = 0;
    while (pos < listing.size()) {
        std::size_t end = listing.find('\n', pos);
        if (end == std::string::npos) end = listing.size();
        std::string line = listing.substr(pos, end - pos);
        pos = end + 1;
        std::smatch m;
        if (std::regex_search(line, m, head)) {
            ListedPacket p;
            p.offset = std::stoul(m[1]);
            p.tag = std::stoi(m[2]);
            p.length = std::stoul(m[3]);
            packets.push_back(std::move(p));
        } else if (!packets.empty()) {
            packets.back().lines.push_back(line);
        }
    }
    return packets;
}

std::vector<std::pair<int, int>> listed_subpackets(const ListedPacket& packet, bool hashed)
{
    std::vector<std::pair<int, int>> out;
    std::regex re(hashed ? R"(^\s+hashed subpkt (\d+) len (\d+))" : R"(^\s+subpkt (\d+) len (\d+))");
    for (const std::string& l : packet.lines) {
        std::smatch m;
        if (std::regex_search(l, m, re)) out.emplace_back(std::stoi(m[1]), std::stoi(m[2]));
    }
    return out;
}

std::vector<std::pair<int, int>> walk_subpackets(ByteView area)
{
    std::vector<std::pair<int, int>> out;
    std::size_t i = 0;
    while (i < area.size()) {
        std::size_t len = area[i++];
        if (len >= 192 && len < 255) {
            len = ((len - 192) << 8) + area[i++] + 192;
        } else if (len == 255) {
            len = (std::size_t{area[i]} << 24) | (std::size_t{area[i + 1]} << 16) | (std::size_t{area[i + 2]} << 8) |
                  area[i + 3];
            i += 4;
        }
        out.emplace_back(area[i] & 0x7f, static_cast<int>(len - 1));
        i += len;
    }
    return out;
}

std::size_t bit_count(ByteView value)
{
    if (value.empty()) return 0;
    std::size_t bits = (value.size() - 1) * 8;
    for (unsigned b = value[0]; b; b >>= 1) ++bits;
    return bits;
}

std::string hex(ByteView bytes)
{
    static const char* digits = "0123456789ABCDEF";
    std::string out;
    for (auto b : bytes) {
        out += digits[b >> 4];
        out += digits[b & 15];
    }
    return out;
}

std::string dotted_oid(ByteView body)
{
    std::string out;
    std::uint64_t value = 0;
    bool first = true;
    for (auto b : body) {
        value = (value << 7) | (b & 0x7f);
        if (b & 0x80) continue;
        if (first) {
            out = std::to_string(value < 80 ? value / 40 : 2) + "." + std::to_string(value < 80 ? value % 40 : value - 80);
            first = false;
        } else {
            out += "." + std::to_string(value);
        }
        value = 0;
    }
    return out;
}

}  // namespace umd::pgp::testing
