// The identity of a learned message: SHA-256 over its normalised form, so the copies one
// message leaves in several mailboxes (each with its own Return-Path, Delivered-To,
// Received and X-Spam-* fields, CRLF or LF line ends) count as one.
#pragma once
#include <string>
#include <string_view>

#include "mime/parser.h"

namespace magpie::filter {

// Lower-case hex SHA-256 of: the unfolded Message-ID, Date, From, To and Subject values,
// then the body with CRs and trailing whitespace removed.
std::string message_digest(const mime::Message& msg);

}  // namespace magpie::filter
