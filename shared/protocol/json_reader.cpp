// The JSON reader's reads that need no template: strings, codes, identifiers, arrays and paths.
#include "shared/protocol/json_reader.hpp"

#include <algorithm>

#include "shared/core/random_id.hpp"

namespace recount::protocol {

std::string JsonReader::text(std::string_view key, Presence presence) {
  const std::optional<JsonValue> value = find(key, presence);
  if (!value) return {};
  if (!value->is_string()) {
    fail(key, "must be a string");
    return {};
  }
  return std::string(value->string());
}

std::string JsonReader::code(std::string_view key, std::size_t max_length, Presence presence) {
  std::string value = text(key, presence);
  if (auto valid = validate_code(key, value, max_length, presence); ok() && !valid) fail(valid.error().within(path()));
  return value;
}

std::string JsonReader::identifier(std::string_view key) {
  std::string value = text(key, Presence::kRequired);
  if (auto valid = validate_identifier(key, value); ok() && !valid) fail(valid.error().within(path()));
  return value;
}

std::string JsonReader::epoch(std::string_view key, Presence presence) {
  std::string value = text(key, presence);
  if (ok() && !value.empty() && !is_epoch(value)) fail(key, "must be 16 lowercase hex digits");
  if (ok() && value.empty() && presence == Presence::kRequired) fail(key, "must not be empty");
  return value;
}

std::optional<JsonValue> JsonReader::list(std::string_view key, std::size_t max_count, Presence presence) {
  const std::optional<JsonValue> value = find(key, presence);
  if (!value) return std::nullopt;
  if (!value->is_array()) {
    fail(key, "must be an array");
    return std::nullopt;
  }
  if (value->size() > max_count) {
    fail(key, "holds more than " + std::to_string(max_count) + " elements");
    return std::nullopt;
  }
  return value;
}

std::string JsonReader::path() const {
  if (parent_ == nullptr) return {};
  const std::string name = index_ == kNoIndex ? std::string(key_) : element_name(key_, index_);
  // Error::within() owns the path syntax; borrow it rather than spell it twice.
  return invalid(name, {}).within(parent_->path()).field;
}

void JsonReader::refuse_unread_members() {
  if (unknown_ != UnknownMembers::kRefuse || !ok() || !object_.is_object()) return;
  object_.for_each_member([&](std::string_view name, JsonValue) {
    if (std::find(read_.begin(), read_.end(), name) == read_.end()) fail(name, "is not a member of this object");
    return ok();
  });
}

}  // namespace recount::protocol
