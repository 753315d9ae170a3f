// drivers/pgp/trusted/tests/peer.cpp — test helpers around gpg, sq, sqv and the in-process parser.
#include "drivers/pgp/trusted/tests/peer.h"

#include <fcntl.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "drivers/pgp/handler/parse.h"

namespace umd::pgp::test {

TempDir::TempDir()
{
    std::string tmpl = (std::filesystem::temp_directory_path() / "umd-pgp-XXXXXX").string();
    if (!mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed");
    path_ = tmpl;
    std::filesystem::permissions(path_, std::filesystem::perms::owner_all);
}

TempDir::~TempDir()
{
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
}

Run run(const std::string& command)
{
    Run r;
    FILE* pipe = popen(command.c_str(), "r");
    if (!pipe) return r;
    char buffer[4096];
    std::size_t n;
    while ((n = fread(buffer, 1, sizeof buffer, pipe)) > 0) r.out.append(buffer, n);
    int status = pclose(pipe);
    r.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return r;
}

Gpg::Gpg()
{
    write_file(dir_.file("gpg.conf"), "no-auto-key-locate\n");
    write_file(dir_.file("gpg-agent.conf"), "allow-loopback-pinentry\n");
}

Gpg::~Gpg()
{
    run("gpgconf --homedir '" + home() + "' --kill all >/dev/null 2>&1");
}

Run Gpg::gpg(const std::string& args) const
{
    return run("gpg --homedir '" + home() + "' --batch --yes --no-tty --quiet --pinentry-mode loopback --passphrase '' " +
               args + " 2>>'" + home() + "/gpg.log'");
}

std::string Gpg::generate(const std::string& uid, const std::string& algo, const std::string& usage,
                          const std::string& expire, const std::string& extra) const
{
    Run r = gpg(extra + " --quick-gen-key '" + uid + "' " + algo + " " + usage + " " + expire);
    if (r.status != 0) throw std::runtime_error("gpg --quick-gen-key " + algo + " failed: " + read_file(home() + "/gpg.log"));
    Run list = gpg("--with-colons --fingerprint '=" + uid + "'");
    std::istringstream lines(list.out);
    std::string line;
    while (std::getline(lines, line))
        if (line.rfind("fpr:", 0) == 0) return line.substr(12, line.find(':', 12) - 12);
    throw std::runtime_error("no fingerprint for " + uid);
}

std::string Gpg::add_subkey(const std::string& primary, const std::string& algo, const std::string& usage,
                            const std::string& extra) const
{
    auto before = colon_fingerprints(primary);
    Run r = gpg(extra + " --quick-add-key " + primary + " " + algo + " " + usage + " never");
    if (r.status != 0) throw std::runtime_error("gpg --quick-add-key failed");
    auto after = colon_fingerprints(primary);
    for (const auto& f : after)
        if (std::find(before.begin(), before.end(), f) == before.end()) return f;
    throw std::runtime_error("no new subkey");
}

std::string Gpg::export_key(const std::string& fpr, const std::string& name) const
{
    std::string path = file(name);
    gpg("--export --output '" + path + "' " + fpr);
    return path;
}

std::vector<std::string> Gpg::colon_fingerprints(const std::string& fpr) const
{
    Run list = gpg("--with-colons --with-subkey-fingerprints --fingerprint " + fpr);
    std::vector<std::string> out;
    std::istringstream lines(list.out);
    std::string line;
    while (std::getline(lines, line))
        if (line.rfind("fpr:", 0) == 0) out.push_back(line.substr(12, line.find(':', 12) - 12));
    return out;
}

std::string read_file(const std::string& path)
{
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
}

void write_file(const std::string& path, std::string_view data)
{
    std::ofstream(path, std::ios::binary).write(data.data(), static_cast<std::streamsize>(data.size()));
}

Result<Parsed> parse_file(const std::string& path)
{
    std::string bytes = read_file(path);
    auto parsed = parser::parse(as_bytes(bytes));
    if (!parsed) return std::unexpected(parsed.error());
    ByteView input = as_bytes(bytes);
    return decode(encode(*parsed), Bytes(input.begin(), input.end()));
}

Result<Keyring> keyring_from(const std::vector<std::string>& paths, const Policy& policy)
{
    std::vector<Parsed> all;
    for (const auto& p : paths) {
        auto parsed = parse_file(p);
        if (!parsed) return std::unexpected(parsed.error());
        all.push_back(std::move(*parsed));
    }
    return Keyring::from(all, policy);
}

Result<Verdict> verify_files(const Keyring& ring, const std::string& sig, const std::string& data, const Policy& policy)
{
    auto parsed = parse_file(sig);
    if (!parsed) return std::unexpected(parsed.error());
    int fd = ::open(data.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return fail(Errc::io, "open {}", data);
    auto verdict = verify_detached(ring, *parsed, fd, policy);
    ::close(fd);
    return verdict;
}

bool sqv_accepts(const std::string& keyring, const std::string& sig, const std::string& data, const std::string& extra)
{
    return run("sqv " + extra + " --keyring '" + keyring + "' '" + sig + "' '" + data + "' >/dev/null 2>&1").status == 0;
}

}  // namespace umd::pgp::test
