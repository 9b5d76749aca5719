// The header hash input of RFC 6376 §3.7, shared by the signer and the verifier.
#pragma once
#include <string>
#include <string_view>
#include <vector>

#include "dkim/canon.h"
#include "dkim/message.h"

namespace magpie::dkim {

// For each name in `signed_names` (h=, in order), the bottom-most not yet used field of that
// name, canonicalized; a name with no field left adds nothing (RFC 6376 §5.4.2). Then
// `sig_field` (the DKIM-Signature field with an empty b= value, ending in CRLF),
// canonicalized and without its final CRLF.
std::string header_hash_input(const std::vector<HeaderField>& headers,
                              const std::vector<std::string>& signed_names, Canon canon,
                              std::string_view sig_field);

}  // namespace magpie::dkim
