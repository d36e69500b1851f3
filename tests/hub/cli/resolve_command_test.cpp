// recountctl resolve as a function: who it records as the operator, and refusing to guess.
#include "hub/cli/resolve_command.hpp"

#include <doctest/doctest.h>

#include <cstdlib>
#include <optional>
#include <string>

namespace recount::hub {
namespace {

// Sets (or, with nullopt, unsets) an environment variable for one scope, then restores it.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, std::optional<std::string> value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    if (value) {
      setenv(name, value->c_str(), 1);
    } else {
      unsetenv(name);
    }
  }
  ~ScopedEnv() {
    if (old_) {
      setenv(name_, old_->c_str(), 1);
    } else {
      unsetenv(name_);
    }
  }
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;

 private:
  const char* name_;
  std::optional<std::string> old_;
};

TEST_CASE("the operator defaults to $USER, else $LOGNAME, else nobody") {
  {
    ScopedEnv user("USER", "ops-anna");
    ScopedEnv logname("LOGNAME", "ops-bert");
    CHECK(default_operator() == "ops-anna");
  }
  {
    ScopedEnv user("USER", std::nullopt);
    ScopedEnv logname("LOGNAME", "ops-bert");
    CHECK(default_operator() == "ops-bert");
  }
  ScopedEnv user("USER", "");
  ScopedEnv logname("LOGNAME", std::nullopt);
  CHECK(default_operator().empty());
}

TEST_CASE("resolving without an operator fails before asking the hub, naming --operator") {
  const auto output = resolve_command(HostPort{"127.0.0.1", 1}, 1, "reject", "other", "", OutputFormat::kTable);
  CHECK(output.exit_code == kExitFailed);
  CHECK(output.err.find("--operator") != std::string::npos);
}

}  // namespace
}  // namespace recount::hub
