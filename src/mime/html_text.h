// HTML reduced to plain text for search and classification: tags dropped, block elements
// turned into line breaks, script/style skipped, character references decoded.
#pragma once
#include <string>
#include <string_view>

namespace magpie::mime {

// `html` must already be UTF-8. Appends the text to `out`.
void html_to_text(std::string_view html, std::string& out);

// The charset an HTML document declares in a <meta> tag within its first bytes, or "".
std::string html_meta_charset(std::string_view html);

}  // namespace magpie::mime
