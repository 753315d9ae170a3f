// apps/umd/json_document.h — the one JSON document a `umd` command prints with --json
// (trusted side; the schema is docs/json.md, checked by docs/schema/umd-1.json).
//
// Every document has the same frame, whatever the command:
//   {"schema": "umd/1", "command": "rpm verify", "exit": 1,
//    "results": [{"name": ..., "verdict": "yes"|"no"|"failed", "error": {"kind", "message"}, ...}],
//    <the command's own fields>, "error": {"kind", "message"} when the command as a whole failed}
// so that a script reads any command's outcome the same way. Every string is made valid
// UTF-8 on the way in (utf8_text), so writing the document cannot throw.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include <umd/error.h>

namespace umd::cli {

/// The schema's name and version: a reader checks it before it reads anything else.
/// The number changes only when a field is removed or changes meaning (docs/json.md).
inline constexpr std::string_view json_schema = "umd/1";

/// {"kind": errc_name, "message": ...}: an error as every document writes it.
nlohmann::ordered_json error_json(const Error& error);

class JsonDocument {
public:
    explicit JsonDocument(std::string command) : command_(std::move(command)) {}

    /// An input judged good ("verdict": "yes"), with the command's fields for it.
    void add_yes(std::string_view name, nlohmann::ordered_json fields = nlohmann::ordered_json::object());
    /// An input not judged good: "no" for a negative verdict (Errc::rejected: not
    /// valid, not trusted, refused, denied), else "failed"; with the error.
    void add_failure(std::string_view name, const Error& error, nlohmann::ordered_json fields = nlohmann::ordered_json::object());
    /// A field of the command's own at the top level ("drivers", "packages", ...).
    void set(const std::string& key, nlohmann::ordered_json value);
    /// The command as a whole failed (a keyring, umdd, the database): the first such
    /// error is the one the document carries.
    void set_error(const Error& error);

    /// The document with the command's exit status, one line, ending in a line feed.
    std::string text(int exit_code) const;

private:
    void add(std::string_view name, std::string_view verdict, const Error* error, nlohmann::ordered_json fields);

    std::string command_;
    nlohmann::ordered_json results_ = nlohmann::ordered_json::array();
    std::vector<std::pair<std::string, nlohmann::ordered_json>> fields_;
    nlohmann::ordered_json error_;   ///< null unless set_error()
};

}  // namespace umd::cli
