// Parsing a file's text as JSON with the project's error: an InputError naming the file (or
// "file:line" for a JSONL line) and the parser's position and reason, never the JSON library's
// own exception. Torch-free.
//
//   parseJson(readFile(path), path)
//     -> "path: not valid JSON (line 3, column 7: syntax error while parsing object - ...)"
//   parseJson(line, path + ":12", "an object with a string \"prompt\"")
//     -> "path:12: not valid JSON (column 7: ...), expected an object with a string "prompt""
#pragma once

#include <nlohmann/json_fwd.hpp>

#include <exception>
#include <string>

namespace rgpb {

// `text` parsed as JSON; else InputError(where, "not valid JSON (<position: reason>)"), followed
// by ", expected <expected>" when `expected` is given. A text of one line (a JSONL record)
// gives only the column: the line is the caller's to name in `where`.
nlohmann::json parseJson(const std::string& text, const std::string& where,
                         const std::string& expected = std::string());
// The same, keeping the order of object keys (a file rewritten with one field changed).
nlohmann::ordered_json parseOrderedJson(const std::string& text, const std::string& where,
                                        const std::string& expected = std::string());

// The position and reason of a JSON library error (an nlohmann::json::exception), without its
// "[json.exception...] parse error at" prefix, shortened to 200 characters: "line 3, column 7:
// syntax error ...", or from "column 7: ..." on when `with_line` is false (the caller names the
// line).
std::string jsonErrorDetail(const std::exception& error, bool with_line = true);

}  // namespace rgpb
