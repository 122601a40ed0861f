// The one way a function in ftlens says it failed: a Status (an ErrorCode
// for the caller to act on and a one-line message for the user), or an
// Expected<T> that holds either the value or that Status. Both are
// [[nodiscard]], so a failure is never dropped by accident.
//
// Messages are what the user reads on stderr and in reports: one line,
// naming the file (and line) when there is one. Callers that need to tell
// failures apart compare the code, never the message text.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>

namespace ftlens {

enum class ErrorCode : uint8_t {
  kOk = 0,       ///< no error
  kIo,           ///< a file could not be opened, read, written or renamed
  kNotFound,     ///< what was asked for is not in the input (a buffer instance, events)
  kBadInput,     ///< the input is damaged or not in the format it claims to be
  kUnsupported,  ///< the input is of a kind ftlens does not read
  kBadArgument,  ///< a value the user gave (option, config file) is not valid
  kSystem,       ///< the system refused: privileges, tracefs, a library call
  kNoCpuColumn,  ///< a trace line without its "[cpu]" column: maybe the latency format
};

constexpr std::string_view error_code_name(ErrorCode code) {
  switch (code) {
    case ErrorCode::kOk: return "ok";
    case ErrorCode::kIo: return "io";
    case ErrorCode::kNotFound: return "not-found";
    case ErrorCode::kBadInput: return "bad-input";
    case ErrorCode::kUnsupported: return "unsupported";
    case ErrorCode::kBadArgument: return "bad-argument";
    case ErrorCode::kSystem: return "system";
    case ErrorCode::kNoCpuColumn: return "no-cpu-column";
  }
  return "?";
}

class [[nodiscard]] Status {
 public:
  Status() = default;  // success
  Status(ErrorCode code, std::string message) : code_(code), message_(std::move(message)) {}

  bool ok() const { return code_ == ErrorCode::kOk; }
  ErrorCode code() const { return code_; }
  const std::string& message() const { return message_; }  // empty on success

 private:
  ErrorCode code_ = ErrorCode::kOk;
  std::string message_;
};

inline Status ok_status() { return Status(); }

// A value, or the Status that says why there is none.
template <typename T>
class [[nodiscard]] Expected {
  static_assert(!std::is_same_v<std::remove_cv_t<T>, Status>);

 public:
  Expected(T value) : value_(std::in_place_index<0>, std::move(value)) {}  // NOLINT: implicit on purpose
  // `error` must not be ok: an Expected without a value says why.
  Expected(Status error) : value_(std::in_place_index<1>, std::move(error)) {}  // NOLINT

  bool ok() const { return value_.index() == 0; }
  // The failure; an ok Status when there is a value.
  const Status& status() const {
    static const Status kOk;
    return ok() ? kOk : std::get<1>(value_);
  }
  Status take_status() && { return ok() ? Status() : std::get<1>(std::move(value_)); }

  // Only when ok().
  T& value() & { return std::get<0>(value_); }
  const T& value() const& { return std::get<0>(value_); }
  T&& value() && { return std::get<0>(std::move(value_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

 private:
  std::variant<T, Status> value_;
};

}  // namespace ftlens

// Returns the Status of `expr` from the enclosing function when it failed.
#define FTLENS_RETURN_IF_ERROR(expr)                         \
  do {                                                       \
    if (::ftlens::Status ftlens_status_ = (expr); !ftlens_status_.ok()) \
      return ftlens_status_;                                 \
  } while (false)
