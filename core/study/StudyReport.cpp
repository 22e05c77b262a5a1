#include "core/study/StudyReport.h"

#include <filesystem>

#include "core/study/StudyFigures.h"
#include "core/study/StudyTables.h"
#include "core/util/SafeFile.h"

namespace rgpb {

namespace {

std::string htmlEscape(const std::string& text) {
    std::string out;
    for (char ch : text) {
        switch (ch) {
            case '&':
                out += "&amp;";
                break;
            case '<':
                out += "&lt;";
                break;
            case '>':
                out += "&gt;";
                break;
            case '"':
                out += "&quot;";
                break;
            default:
                out += ch;
        }
    }
    return out;
}

// An SVG document made fit to sit inline in HTML beside others: the XML declaration and doctype
// go (HTML5 parses <svg> itself), and every id (with the url(#...) / href="#..." naming it) gets
// the figure's prefix, so that two figures' clip paths or gradients never resolve to each other.
std::string inlineSvg(std::string svg, const std::string& prefix) {
    const std::size_t start = svg.find("<svg");
    if (start != std::string::npos)
        svg.erase(0, start);
    const std::pair<std::string, std::string> rewrites[] = {{"id=\"", "id=\"" + prefix},
                                                            {"url(#", "url(#" + prefix},
                                                            {"href=\"#", "href=\"#" + prefix}};
    for (const auto& [from, to] : rewrites) {
        for (std::size_t at = svg.find(from); at != std::string::npos;
             at = svg.find(from, at + to.size()))
            svg.replace(at, from.size(), to);
    }
    return svg;
}

// A verdict cell is coloured so that the claims table reads at a glance.
std::string verdictClass(const std::string& cell) {
    for (ClaimVerdict v : {ClaimVerdict::Supported, ClaimVerdict::Contradicted,
                           ClaimVerdict::Inconclusive, ClaimVerdict::NotTested}) {
        if (cell == claimVerdictName(v))
            return "<td class=\"v" + std::to_string(static_cast<int>(v)) + "\">";
    }
    return "<td>";
}

// "3 supported, 1 contradicted, ...": the claims at a glance, before the table.
std::string verdictCounts(const std::vector<ClaimResult>& claims) {
    std::string out;
    for (ClaimVerdict v : {ClaimVerdict::Supported, ClaimVerdict::Contradicted,
                           ClaimVerdict::Inconclusive, ClaimVerdict::NotTested}) {
        int n = 0;
        for (const ClaimResult& c : claims)
            n += c.verdict == v ? 1 : 0;
        out += (out.empty() ? "" : ", ") + std::to_string(n) + " " + claimVerdictName(v);
    }
    return "<p><b>Claims tested per task (and beta): " + out + ".</b></p>\n";
}

std::string htmlTable(const StudyTable& t) {
    std::string out = "<h3 id=\"table-" + htmlEscape(t.name) + "\">" + htmlEscape(t.name) +
                      "</h3>\n<p class=\"caption\">" + htmlEscape(t.title) + " (also tables/" +
                      htmlEscape(t.name) + ".csv and .tex)</p>\n";
    if (t.rows.empty())
        return out + "<p class=\"empty\">No rows.</p>\n";
    out += "<div class=\"scroll\"><table>\n<tr>";
    for (const std::string& c : t.columns)
        out += "<th>" + htmlEscape(c) + "</th>";
    out += "</tr>\n";
    for (const auto& row : t.rows) {
        out += "<tr>";
        for (const std::string& cell : row)
            out += verdictClass(cell) + htmlEscape(cell) + "</td>";
        out += "</tr>\n";
    }
    return out + "</table></div>\n";
}

// Notes the reader must see before trusting a number: skipped tasks, unfinished cells with
// their reasons, runs whose curves could not be read.
std::vector<std::string> reportNotes(const StudyResults& r, const StudyAggregate& a) {
    std::vector<std::string> notes = r.notes;
    for (const StudyCellResult& c : r.cells) {
        if (c.status == RunStatus::Finished)
            continue;
        std::string what = c.task + " / " + c.recipe +
                           (recipeUsesBeta(c.recipe) ? " beta " + tableNumber(c.beta) : "") +
                           " seed " + std::to_string(c.seed) + ": " + runStatusName(c.status);
        if (c.status == RunStatus::Running)
            what += " (not finished: left out of every mean)";
        notes.push_back(what + (c.reason.empty() ? "" : " - " + c.reason));
    }
    notes.insert(notes.end(), a.notes.begin(), a.notes.end());
    if (studyBetas(r).size() < 2)
        notes.push_back(
            "one beta: no beta-sensitivity figures, and the claims about raising beta "
            "are not tested");
    return notes;
}

const char* const kReportStyle =
    "body{font-family:sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222}"
    "h1{font-size:1.6em}h2{border-bottom:1px solid #ccc;margin-top:2em}"
    ".quick{background:#fff3cd;border:1px solid #e0c060;padding:.6em 1em;font-weight:bold}"
    ".caption{color:#555;font-size:.9em}.scroll{overflow-x:auto}"
    "table{border-collapse:collapse;font-size:.8em}td,th{border:1px solid #ddd;padding:2px 6px;"
    "text-align:left;vertical-align:top}th{background:#f4f4f4}"
    "figure{margin:1em 0}svg{max-width:100%;height:auto}"
    ".v0{background:#d4edda}.v1{background:#f8d7da}.v2{background:#fff3cd}.v3{color:#777}";

std::string reportHead(const StudyResults& r) {
    std::string out =
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        "<title>Study " +
        htmlEscape(r.spec.name) + "</title>\n<style>" + kReportStyle +
        "</style>\n</head>\n<body>\n<h1>Study " + htmlEscape(r.spec.name) + "</h1>\n";
    if (r.spec.quick)
        out +=
            "<p class=\"quick\">This is a quick study: its numbers are indicative only, a "
            "check that the study runs end to end, not a test of the paper's findings.</p>\n";
    if (!r.spec.description.empty())
        out += "<p>" + htmlEscape(r.spec.description) + "</p>\n";
    out +=
        "<p class=\"caption\">Means are over training seeds with 95% Student-t intervals "
        "(t(0.975, n-1) sd/sqrt(n)); only finished cells count. Recipes are compared paired "
        "by seed (same base weights, same data order). A claim is supported when the 95% "
        "interval of its oriented effect lies above 0, contradicted when below 0, otherwise "
        "inconclusive.</p>\n";
    return out;
}

}  // namespace

std::vector<std::string> writeStudyReport(const StudyResults& results, const std::string& out_dir) {
    namespace fs = std::filesystem;
    const StudyAggregate aggregate = aggregateStudy(results);
    const std::vector<ClaimResult> claims = evaluateClaims(results, aggregate);
    const std::vector<StudyTable> tables = studyTables(results, aggregate, claims);
    const std::vector<StudyFigure> figures = studyFigures(results, aggregate);
    std::vector<std::string> written;
    auto write = [&](const fs::path& path, const std::string& content) {
        writeFileAtomic(path.string(), content);
        written.push_back(path.string());
    };
    auto table = [&](const std::string& name) -> const StudyTable& {
        for (const StudyTable& t : tables) {
            if (t.name == name)
                return t;
        }
        return tables.front();
    };
    std::string html = reportHead(results);
    html += "<h2>Notes</h2>\n";
    const std::vector<std::string> notes = reportNotes(results, aggregate);
    if (notes.empty())
        html += "<p>None: every planned cell finished.</p>\n";
    else {
        html += "<ul>\n";
        for (const std::string& n : notes)
            html += "<li>" + htmlEscape(n) + "</li>\n";
        html += "</ul>\n";
    }
    html += "<h2>Claims</h2>\n" + verdictCounts(claims) + htmlTable(table("claims"));
    std::string section;
    for (std::size_t i = 0; i < figures.size(); ++i) {
        const StudyFigure& f = figures[i];
        const std::string svg = renderSvg(f.figure);
        write(fs::path(out_dir) / "figures" / (f.name + ".svg"), svg);
        write(fs::path(out_dir) / "figures" / (f.name + ".pdf"), renderPdf(f.figure));
        if (f.section != section) {
            section = f.section;
            html += "<h2>" + htmlEscape(section) + "</h2>\n";
        }
        html += "<figure id=\"figure-" + htmlEscape(f.name) + "\">\n" +
                inlineSvg(svg, "f" + std::to_string(i) + "-") + "\n<figcaption class=\"caption\">" +
                htmlEscape(f.caption) + " (figures/" + htmlEscape(f.name) +
                ".svg and .pdf)</figcaption>\n</figure>\n";
    }
    html += "<h2>Tables</h2>\n";
    for (const StudyTable& t : tables) {
        write(fs::path(out_dir) / "tables" / (t.name + ".csv"), tableCsv(t));
        write(fs::path(out_dir) / "tables" / (t.name + ".tex"), tableLatex(t));
        if (t.name != "claims" && t.name != "provenance")
            html += htmlTable(t);
    }
    html += "<h2>Provenance</h2>\n" + htmlTable(table("provenance")) + "</body>\n</html>\n";
    write(fs::path(out_dir) / "report.html", html);
    return written;
}

}  // namespace rgpb
