// Names and descriptions of errors.
#include "shared/core/result.hpp"

namespace recount {

const char* to_string(ErrorCode code) {
  switch (code) {
    case ErrorCode::kInvalidInput: return "invalid_input";
    case ErrorCode::kUnsupportedVersion: return "unsupported_version";
    case ErrorCode::kNotFound: return "not_found";
    case ErrorCode::kConflict: return "conflict";
    case ErrorCode::kCorrupt: return "corrupt";
    case ErrorCode::kIo: return "io";
    case ErrorCode::kStorageFull: return "storage_full";
    case ErrorCode::kUnavailable: return "unavailable";
  }
  return "unknown";
}

std::string Error::describe() const { return field.empty() ? message : field + ": " + message; }

Error Error::within(const std::string& parent) const {
  Error nested = *this;
  if (parent.empty()) return nested;
  nested.field = field.empty() ? parent : (field.front() == '[' ? parent + field : parent + "." + field);
  return nested;
}

Error invalid(std::string field, std::string message) {
  return Error{ErrorCode::kInvalidInput, std::move(field), std::move(message)};
}

}  // namespace recount
