// FETCH values derived from index data alone (no file read): RFC822.SIZE as IMAP counts
// it, and the RFC 8474 EMAILID object id. SEARCH LARGER/SMALLER and EMAILID use the same.
#pragma once
#include <cstdint>
#include <string>

#include "mailbox/folder.h"

namespace magpie::imap {

// RFC 9051 §7.5.2 RFC822.SIZE: the message as sent, bare LF counted as CRLF. Dovecot
// writes that size as ",W=<n>" into Maildir names when it differs from the file size;
// otherwise the stored size is taken (Magpie and SMTP delivery store CRLF).
uint64_t imap_size(const mailbox::MessageInfo& info);

// RFC 8474 §5.1 EMAILID: "M" and 16 hex digits of an FNV-1a hash of the Maildir base name,
// which stays the same through flag changes, new/ -> cur/ and reopening the folder.
void append_email_id(std::string& out, const mailbox::MessageInfo& info);

}  // namespace magpie::imap
