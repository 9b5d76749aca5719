// Magic-number signatures of the file formats attachment filtering cares about (the
// formats' own specifications: PDF, ZIP, OLE2/CFB, PE, ELF, PNG, ...).
#include "mime/sniff.h"

#include "mime/charset.h"

namespace magpie::mime {

namespace {

struct Magic {
    size_t offset;
    std::string_view bytes;
    const char* type;
};

using namespace std::string_view_literals;
constexpr Magic kMagic[] = {
    {0, "%PDF-"sv, "application/pdf"},
    {0, "PK\x03\x04"sv, "application/zip"},
    {0, "PK\x05\x06"sv, "application/zip"},
    {0, "\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1"sv, "application/x-ole-storage"},
    {0, "MZ"sv, "application/x-msdownload"},
    {0,
     "\x7F"
     "ELF"sv,
     "application/x-executable"},
    {0, "\xCA\xFE\xBA\xBE"sv, "application/x-mach-binary"},
    {0, "\x89PNG\r\n\x1A\n"sv, "image/png"},
    {0, "\xFF\xD8\xFF"sv, "image/jpeg"},
    {0, "GIF87a"sv, "image/gif"},
    {0, "GIF89a"sv, "image/gif"},
    {0, "II*\0"sv, "image/tiff"},
    {0, "MM\0*"sv, "image/tiff"},
    {0, "BM"sv, "image/bmp"},
    {0, "\x1F\x8B"sv, "application/gzip"},
    {0, "BZh"sv, "application/x-bzip2"},
    {0,
     "\xFD"
     "7zXZ\0"sv,
     "application/x-xz"},
    {0, "Rar!\x1A\x07"sv, "application/vnd.rar"},
    {0, "7z\xBC\xAF\x27\x1C"sv, "application/x-7z-compressed"},
    {257, "ustar"sv, "application/x-tar"},
    {0, "{\\rtf"sv, "text/rtf"},
    {0, "OggS"sv, "audio/ogg"},
    {0, "ID3"sv, "audio/mpeg"},
    {0, "fLaC"sv, "audio/flac"},
    {4, "ftyp"sv, "video/mp4"},
    {0, "\x1A\x45\xDF\xA3"sv, "video/webm"},
    {0, "BEGIN:VCALENDAR"sv, "text/calendar"},
    {0, "BEGIN:VCARD"sv, "text/vcard"},
    {0, "-----BEGIN PGP"sv, "application/pgp"},
    {0, "#!"sv, "text/x-shellscript"},
};

bool starts_with_ci(std::string_view s, std::string_view p) {
    if (s.size() < p.size()) return false;
    for (size_t i = 0; i < p.size(); ++i) {
        char a = s[i], b = p[i];
        if (a >= 'A' && a <= 'Z') a = char(a - 'A' + 'a');
        if (a != b) return false;
    }
    return true;
}

}  // namespace

std::string detect_type(std::string_view head) {
    head = head.substr(0, kSniffBytes);
    for (const auto& m : kMagic)
        if (head.size() >= m.offset + m.bytes.size() &&
            head.substr(m.offset, m.bytes.size()) == m.bytes)
            return m.type;
    if (head.size() >= 12 && head.substr(0, 4) == "RIFF") {
        std::string_view kind = head.substr(8, 4);
        if (kind == "WAVE") return "audio/wav";
        if (kind == "AVI ") return "video/x-msvideo";
        if (kind == "WEBP") return "image/webp";
    }
    std::string_view t = head;
    while (!t.empty() && (t[0] == ' ' || t[0] == '\t' || t[0] == '\r' || t[0] == '\n'))
        t.remove_prefix(1);
    if (starts_with_ci(t, "<!doctype html") || starts_with_ci(t, "<html")) return "text/html";
    if (starts_with_ci(t, "<?xml")) return "application/xml";
    if (head.find('\0') != std::string_view::npos) return "application/octet-stream";
    // A multibyte character may be cut at the end of the sample; ignore up to 3 bytes.
    for (size_t cut = 0; cut < 4 && cut <= head.size(); ++cut)
        if (is_valid_utf8(head.substr(0, head.size() - cut))) return "text/plain";
    return "application/octet-stream";
}

}  // namespace magpie::mime
