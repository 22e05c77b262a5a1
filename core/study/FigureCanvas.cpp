#include "core/study/FigureCanvas.h"

#include <algorithm>
#include <cstdio>

#include "core/study/FigureText.h"

namespace rgpb::figure {
namespace {

// Coordinates to a hundredth of a point: finer than any printer, short files.
std::string num(double v) {
    return formatFixed(v, 2);
}

// "r g b" in [0, 1] of "#rrggbb".
std::string pdfColor(const std::string& hex) {
    unsigned rgb = 0;
    if (hex.size() == 7)
        rgb = static_cast<unsigned>(std::stoul(hex.substr(1), nullptr, 16));
    return formatFixed(((rgb >> 16) & 0xFF) / 255.0, 3) + " " +
           formatFixed(((rgb >> 8) & 0xFF) / 255.0, 3) + " " + formatFixed((rgb & 0xFF) / 255.0, 3);
}

double anchorShift(const std::string& utf8, const TextStyle& style) {
    double w = helveticaWidth(utf8, style.size);
    return style.anchor == Anchor::Start ? 0 : style.anchor == Anchor::Middle ? w / 2 : w;
}

std::string svgStroke(const Stroke& s) {
    std::string out = " stroke=\"" + s.color + "\" stroke-width=\"" + num(s.width) + "\"";
    if (s.dashed)
        out += " stroke-dasharray=\"5 3\"";
    return out;
}

std::string svgPoints(const std::vector<Point>& points) {
    std::string out;
    for (const Point& p : points)
        out += (out.empty() ? "" : " ") + num(p.x) + "," + num(p.y);
    return out;
}

}  // namespace

// ---- SVG ------------------------------------------------------------------------------------

SvgCanvas::SvgCanvas(double width, double height, std::string id)
    : width_(width), height_(height), id_(std::move(id)) {}

void SvgCanvas::polyline(const std::vector<Point>& points, const Stroke& stroke) {
    if (points.size() < 2)
        return;
    body_ += "<polyline points=\"" + svgPoints(points) + "\" fill=\"none\"" + svgStroke(stroke) +
             " stroke-linejoin=\"round\"/>\n";
}

void SvgCanvas::polygon(const std::vector<Point>& points, const std::string& fill, double opacity) {
    if (points.size() < 3)
        return;
    body_ += "<polygon points=\"" + svgPoints(points) + "\" fill=\"" + fill + "\" fill-opacity=\"" +
             formatFixed(opacity, 3) + "\" stroke=\"none\"/>\n";
}

void SvgCanvas::rect(const Rect& r, const std::string& fill, double opacity, const Stroke* stroke) {
    body_ += "<rect x=\"" + num(r.x) + "\" y=\"" + num(r.y) + "\" width=\"" + num(r.w) +
             "\" height=\"" + num(r.h) + "\" fill=\"" + (fill.empty() ? "none" : fill) + "\"";
    if (!fill.empty() && opacity < 1)
        body_ += " fill-opacity=\"" + formatFixed(opacity, 3) + "\"";
    body_ += (stroke != nullptr ? svgStroke(*stroke) : std::string(" stroke=\"none\"")) + "/>\n";
}

void SvgCanvas::circle(Point c, double radius, const std::string& fill, const Stroke& outline) {
    body_ += "<circle cx=\"" + num(c.x) + "\" cy=\"" + num(c.y) + "\" r=\"" + num(radius) +
             "\" fill=\"" + fill + "\"" + svgStroke(outline) + "/>\n";
}

void SvgCanvas::text(Point at, const std::string& utf8, const TextStyle& style) {
    static const char* kAnchor[] = {"start", "middle", "end"};
    body_ += "<text x=\"" + num(at.x) + "\" y=\"" + num(at.y) + "\" font-size=\"" +
             num(style.size) + "\" fill=\"" + style.color + "\"";
    if (style.anchor != Anchor::Start)
        body_ += std::string(" text-anchor=\"") + kAnchor[static_cast<int>(style.anchor)] + "\"";
    if (style.vertical)
        body_ += " transform=\"rotate(-90 " + num(at.x) + " " + num(at.y) + ")\"";
    body_ += ">" + xmlEscape(utf8) + "</text>\n";
}

void SvgCanvas::beginClip(const Rect& r) {
    std::string id = id_ + "-clip" + std::to_string(++clips_);
    body_ += "<defs><clipPath id=\"" + id + "\"><rect x=\"" + num(r.x) + "\" y=\"" + num(r.y) +
             "\" width=\"" + num(r.w) + "\" height=\"" + num(r.h) + "\"/></clipPath></defs>\n";
    body_ += "<g clip-path=\"url(#" + id + ")\">\n";
}

void SvgCanvas::endClip() {
    body_ += "</g>\n";
}

std::string SvgCanvas::finish() const {
    return "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"" + num(width_) +
           "\" height=\"" + num(height_) + "\" viewBox=\"0 0 " + num(width_) + " " + num(height_) +
           "\" font-family=\"Helvetica, Arial, sans-serif\">\n" + body_ + "</svg>\n";
}

// ---- PDF ------------------------------------------------------------------------------------

PdfCanvas::PdfCanvas(double width, double height) : width_(width), height_(height) {}

std::string PdfCanvas::xy(Point p) const {
    return num(p.x) + " " + num(height_ - p.y);
}

std::string PdfCanvas::gstate(double opacity) {
    std::string key = formatFixed(std::clamp(opacity, 0.0, 1.0), 3);
    auto it = gstates_.find(key);
    if (it != gstates_.end())
        return it->second;
    std::string name = "GS" + std::to_string(gstates_.size());
    gstates_[key] = name;
    return name;
}

void PdfCanvas::polyline(const std::vector<Point>& points, const Stroke& stroke) {
    if (points.size() < 2)
        return;
    content_ += "q " + pdfColor(stroke.color) + " RG " + num(stroke.width) + " w 1 j ";
    content_ += stroke.dashed ? "[5 3] 0 d\n" : "\n";
    for (std::size_t i = 0; i < points.size(); ++i)
        content_ += xy(points[i]) + (i == 0 ? " m\n" : " l\n");
    content_ += "S Q\n";
}

void PdfCanvas::polygon(const std::vector<Point>& points, const std::string& fill, double opacity) {
    if (points.size() < 3)
        return;
    content_ += "q /" + gstate(opacity) + " gs " + pdfColor(fill) + " rg\n";
    for (std::size_t i = 0; i < points.size(); ++i)
        content_ += xy(points[i]) + (i == 0 ? " m\n" : " l\n");
    content_ += "h f Q\n";
}

void PdfCanvas::rect(const Rect& r, const std::string& fill, double opacity, const Stroke* stroke) {
    if (fill.empty() && stroke == nullptr)
        return;
    content_ += "q ";
    if (!fill.empty())
        content_ += (opacity < 1 ? "/" + gstate(opacity) + " gs " : "") + pdfColor(fill) + " rg ";
    if (stroke != nullptr)
        content_ += pdfColor(stroke->color) + " RG " + num(stroke->width) + " w " +
                    (stroke->dashed ? "[5 3] 0 d " : "");
    content_ += num(r.x) + " " + num(height_ - r.y - r.h) + " " + num(r.w) + " " + num(r.h) +
                " re " +
                (fill.empty()        ? "S"
                 : stroke == nullptr ? "f"
                                     : "B") +
                " Q\n";
}

void PdfCanvas::circle(Point c, double radius, const std::string& fill, const Stroke& outline) {
    // Four Bezier quarter arcs; 0.5523 r places the control points of a near-exact circle.
    double k = 0.5523 * radius, r = radius;
    auto at = [&](double dx, double dy) { return xy({c.x + dx, c.y + dy}); };
    content_ += "q " + pdfColor(fill) + " rg " + pdfColor(outline.color) + " RG " +
                num(outline.width) + " w\n" + at(r, 0) + " m\n" + at(r, k) + " " + at(k, r) + " " +
                at(0, r) + " c\n" + at(-k, r) + " " + at(-r, k) + " " + at(-r, 0) + " c\n" +
                at(-r, -k) + " " + at(-k, -r) + " " + at(0, -r) + " c\n" + at(k, -r) + " " +
                at(r, -k) + " " + at(r, 0) + " c\nB Q\n";
}

void PdfCanvas::text(Point at, const std::string& utf8, const TextStyle& style) {
    double shift = anchorShift(utf8, style);
    // Vertical text runs upwards on the page (towards smaller y in our coordinates).
    Point start = style.vertical ? Point{at.x, at.y + shift} : Point{at.x - shift, at.y};
    content_ += "BT /F1 " + num(style.size) + " Tf " + pdfColor(style.color) + " rg " +
                (style.vertical ? "0 1 -1 0 " : "1 0 0 1 ") + xy(start) + " Tm " + pdfString(utf8) +
                " Tj ET\n";
}

void PdfCanvas::beginClip(const Rect& r) {
    content_ += "q " + num(r.x) + " " + num(height_ - r.y - r.h) + " " + num(r.w) + " " + num(r.h) +
                " re W n\n";
}

void PdfCanvas::endClip() {
    content_ += "Q\n";
}

std::string PdfCanvas::finish() const {
    std::string gs;
    for (const auto& [opacity, name] : gstates_)
        gs += "/" + name + " << /Type /ExtGState /ca " + opacity + " /CA " + opacity + " >> ";
    std::vector<std::string> objects = {
        "<< /Type /Catalog /Pages 2 0 R >>", "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 " + num(width_) + " " + num(height_) +
            "] /Resources << /Font << /F1 4 0 R >> /ExtGState << " + gs +
            ">> >> /Contents 5 0 R >>",
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        "<< /Length " + std::to_string(content_.size()) + " >>\nstream\n" + content_ +
            "\nendstream"};
    // The binary comment line marks the file as binary for transfer programs (PDF 1.4, 7.5.2).
    std::string out = "%PDF-1.4\n%\xE2\xE3\xCF\xD3\n";
    std::vector<std::size_t> offsets;
    for (std::size_t i = 0; i < objects.size(); ++i) {
        offsets.push_back(out.size());
        out += std::to_string(i + 1) + " 0 obj\n" + objects[i] + "\nendobj\n";
    }
    std::size_t xref = out.size();
    out += "xref\n0 " + std::to_string(objects.size() + 1) + "\n0000000000 65535 f \n";
    for (std::size_t off : offsets) {
        char entry[32];
        std::snprintf(entry, sizeof entry, "%010zu 00000 n \n", off);
        out += entry;
    }
    out += "trailer\n<< /Size " + std::to_string(objects.size() + 1) +
           " /Root 1 0 R >>\nstartxref\n" + std::to_string(xref) + "\n%%EOF\n";
    return out;
}

}  // namespace rgpb::figure
