// Which content types count as executables and which as archives, and matching of the
// admin's own type list. Types are libmagic's MIME types (attachments_magic.h).
#pragma once
#include <string>
#include <string_view>
#include <vector>

namespace magpie::filter {

enum class AttachmentClass { Executable, Archive, Custom };

// "executable", "archive", "blocked type".
std::string_view class_name(AttachmentClass c);

// Programs a desktop runs when opened: PE (exe, dll, scr), MSI, ELF, Mach-O, Java class
// and jar, Windows shortcuts, and shell/batch/PowerShell/VBScript/JScript scripts.
bool is_executable_type(std::string_view type);

// Containers of other files: zip (and so docx/xlsx/odt/epub...), rar, 7z, tar, cpio, cab,
// iso, ar, and the single-file compressors gzip, bzip2, xz, lzma, zstd, compress.
bool is_archive_type(std::string_view type);

// Types whose content libarchive can open to look inside.
bool can_open_archive(std::string_view type);

// `patterns` are lower-case "type/subtype" or "type/*".
bool matches_type_list(std::string_view type, const std::vector<std::string>& patterns);

// A comma- or space-separated list as the filter_block_types setting holds it: lower-cased,
// entries that are not "type/subtype" or "type/*" dropped.
std::vector<std::string> parse_type_list(std::string_view list);

}  // namespace magpie::filter
