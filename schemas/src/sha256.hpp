// SHA-256 (FIPS 180-4) of a byte string, as lowercase hex. The dead-letter record names a cut
// payload by the hash of the original (spec §6); a few dozen lines here rather than linking
// OpenSSL into the schemas library for one function. Internal to leifeng_schemas.
#pragma once

#include <string>
#include <string_view>

namespace leifeng::schemas {

std::string sha256_hex(std::string_view bytes);

}  // namespace leifeng::schemas
