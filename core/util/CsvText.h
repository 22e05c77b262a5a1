// CSV fields as RFC 4180 writes them: a field holding a comma, a double quote, a carriage return
// or a line feed is enclosed in double quotes with its quotes doubled; any other is written as
// it is. The one quoting rule for every CSV the core and the CLI write.
#pragma once

#include <string>
#include <vector>

namespace rgpb {

std::string csvField(const std::string& text);
// The fields quoted as needed, joined by commas, ended by a line feed (RFC 4180 asks for CRLF;
// every CSV here ends lines with LF, which readers accept and line tools prefer).
std::string csvRecord(const std::vector<std::string>& fields);

}  // namespace rgpb
