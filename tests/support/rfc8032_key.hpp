// RFC 8032 §7.1, TEST 1: a published Ed25519 key, for tests and fuzzers that need a key whose
// signatures are the same in every run. Never a key anything real trusts.
#pragma once

namespace recount::testing {

// The secret key as PKCS#8 PEM, its public key (base64) and its signature of "".
inline constexpr const char* kRfcKeyPem =
    "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIJ1hsZ3v/VpguoRK9JLsLMREScVpezJpGXA7rAMcrn9g\n-----END PRIVATE "
    "KEY-----\n";
inline constexpr const char* kRfcPublic = "11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=";
inline constexpr const char* kRfcSignature =
    "5VZDAMNgrHKQhuLMgG6CioSHfx645dl02HPgZSJJAVVfuIIVkKM7rMYeOXAc+bRr0lv18FlbviRlUUFDjnoQCw==";

}  // namespace recount::testing
