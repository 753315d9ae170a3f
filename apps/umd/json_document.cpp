// apps/umd/json_document.cpp — see json_document.h.
#include "json_document.h"

#include <umd/text.h>

namespace umd::cli {

nlohmann::ordered_json error_json(const Error& error)
{
    return {{"kind", errc_name(error.code)}, {"message", utf8_text(error.message)}};
}

void JsonDocument::add(std::string_view name, std::string_view verdict, const Error* error, nlohmann::ordered_json fields)
{
    nlohmann::ordered_json entry = {{"name", utf8_text(name)}, {"verdict", verdict}};
    if (error) entry["error"] = error_json(*error);
    for (auto& [key, value] : fields.items()) entry[key] = std::move(value);
    results_.push_back(std::move(entry));
}

void JsonDocument::add_yes(std::string_view name, nlohmann::ordered_json fields)
{
    add(name, "yes", nullptr, std::move(fields));
}

void JsonDocument::add_failure(std::string_view name, const Error& error, nlohmann::ordered_json fields)
{
    add(name, error.code == Errc::rejected ? "no" : "failed", &error, std::move(fields));
}

void JsonDocument::set(const std::string& key, nlohmann::ordered_json value)
{
    for (auto& field : fields_)
        if (field.first == key) {
            field.second = std::move(value);
            return;
        }
    fields_.emplace_back(key, std::move(value));
}

void JsonDocument::set_error(const Error& error)
{
    if (error_.is_null()) error_ = error_json(error);
}

std::string JsonDocument::text(int exit_code) const
{
    nlohmann::ordered_json doc = {{"schema", json_schema}, {"command", command_}, {"exit", exit_code}, {"results", results_}};
    for (const auto& [key, value] : fields_) doc[key] = value;
    if (!error_.is_null()) doc["error"] = error_;
    // Every string went through utf8_text(); replacing is the last line of defence.
    return doc.dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace) + "\n";
}

}  // namespace umd::cli
