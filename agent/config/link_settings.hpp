// The broker link an agent uses, kept in its data directory (DIR/broker/) so that a later
// `recount-agent run --data DIR` connects the same way. (The hub's public key beside it:
// agent/sync/hub_key.hpp.)
#pragma once

#include <filesystem>
#include <optional>
#include <string>

#include "shared/core/result.hpp"
#include "shared/mqtt/link.hpp"

namespace recount::agent {

// What a command line or a provisioning bundle says about the link: contents, not paths, since
// the stored copy must not depend on files that may move. Giving `uri` starts from nothing (a new
// broker keeps none of the old one's certificates or credentials); without it, each member given
// replaces the stored one and the others stay.
struct LinkChanges {
  std::optional<std::string> uri;
  std::optional<std::string> ca_pem;
  std::optional<std::string> cert_pem;
  std::optional<std::string> key_pem;
  std::optional<std::string> username;
  std::optional<std::string> password;
  bool empty() const { return !uri && !ca_pem && !cert_pem && !key_pem && !username && !password; }
};

// The run options as LinkChanges: reads the files they name. Empty strings and paths mean "not
// given". Errors (kInvalidInput) name the option whose file cannot be read or is empty.
Result<LinkChanges> read_link_options(const std::string& uri, const std::filesystem::path& ca_file,
                                      const std::filesystem::path& cert_file, const std::filesystem::path& key_file,
                                      const std::string& username, const std::filesystem::path& password_file);

// The stored link, ready for mqtt::LinkOptions: its security's paths point into DIR/broker/.
struct StoredLink {
  std::string uri;
  mqtt::LinkSecurity security;
};

// Applies `changes` to what `data_dir` stores (nothing at first) and returns the result. The
// merged settings are checked (mqtt::check_broker) before anything is replaced, so a bad change
// leaves the stored link as it was. The private key and the password are written with mode 0600,
// each file atomically (write, then rename). Errors: kNotFound when nothing is stored and no URI
// is given; kInvalidInput from check_broker or when the stored settings are unreadable; kIo when
// a file cannot be written. Blocks on file I/O; one process at a time per data directory.
Result<StoredLink> update_link(const std::filesystem::path& data_dir, const LinkChanges& changes);

}  // namespace recount::agent
