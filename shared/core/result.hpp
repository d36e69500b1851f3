// Result<T> and Error: how recount's modules report failure across their boundaries.
// Errors are values that name what went wrong (and, for input, which field), never exceptions.
#pragma once

#include <cstdlib>
#include <iostream>
#include <string>
#include <utility>
#include <variant>

namespace recount {

// What kind of failure an Error is; callers branch on this, people read the message.
enum class ErrorCode {
  kInvalidInput,  // untrusted input (payload, scan, file, request) broke a rule
  kUnsupportedVersion,
  kNotFound,
  kConflict,     // the request contradicts stored state (e.g. another device id)
  kCorrupt,      // stored data failed an integrity check
  kIo,           // the operating system or SQLite refused an operation
  kStorageFull,  // the disk (or the database's size limit) is full; retrying once space returns succeeds
  kUnavailable,  // a peer (broker, hub) cannot be reached now; retrying may succeed
};

const char* to_string(ErrorCode code);

struct Error {
  ErrorCode code = ErrorCode::kInvalidInput;
  std::string field;    // dotted path of the offending input field ("events[3].qty"), or empty
  std::string message;  // one sentence for a person

  // "events[3].qty: must be between 0 and 1000000000" or just the message without a field.
  std::string describe() const;

  // Prefixes the field path, so nested decoders can report "events[3]." + their own field.
  Error within(const std::string& parent) const;
};

Error invalid(std::string field, std::string message);

// Either a T or an Error. A small stand-in for std::expected (C++23), which g++ 12 offers only
// under -std=c++23, and tl::expected, which Debian bookworm does not package.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : state_(std::in_place_index<0>, std::move(value)) {}      // NOLINT: implicit by design
  Result(Error error) : state_(std::in_place_index<1>, std::move(error)) {}  // NOLINT

  bool has_value() const { return state_.index() == 0; }
  explicit operator bool() const { return has_value(); }

  // Accessing the wrong alternative is a programming error: it aborts with the error's text.
  T& value() & { return check(), std::get<0>(state_); }
  const T& value() const& { return check(), std::get<0>(state_); }
  // Out of a temporary the value is moved, not referred to: `for (x : f().value())` and
  // `const auto& x = f().value()` would otherwise refer to a Result already destroyed.
  T value() && { return check(), std::get<0>(std::move(state_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T operator*() && { return std::move(*this).value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  const Error& error() const {
    if (has_value()) abort_with("Result::error() called on a value");
    return std::get<1>(state_);
  }

 private:
  void check() const {
    if (!has_value()) abort_with("Result::value() called on an error: " + std::get<1>(state_).describe());
  }
  [[noreturn]] static void abort_with(const std::string& what) {
    std::cerr << "recount: invariant violated: " << what << '\n';
    std::abort();
  }

  std::variant<T, Error> state_;
};

// Result<void> carries only success or an Error.
struct Ok {};
template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Ok) {}                                                     // NOLINT: implicit by design
  Result(Error error) : error_(std::move(error)), failed_(true) {}  // NOLINT

  bool has_value() const { return !failed_; }
  explicit operator bool() const { return has_value(); }
  const Error& error() const {
    if (!failed_) {
      std::cerr << "recount: invariant violated: Result<void>::error() called on success\n";
      std::abort();
    }
    return error_;
  }

 private:
  Error error_;
  bool failed_ = false;
};

}  // namespace recount
