// The small drawing interface the figure layout (FigureLayout.h) is drawn through, and its two
// backends: SVG text and a hand-written single-page PDF 1.4. The figure code draws once against
// `Canvas`; each backend only translates primitives, so both outputs show the same picture.
// Coordinates are points, origin top left, y downwards (the PDF backend flips y). Colours are
// "#rrggbb" (the layout validates them). Torch-free and Qt-free.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "core/study/FigureLayout.h"

namespace rgpb::figure {

struct Point {
    double x = 0, y = 0;
};

struct Stroke {
    std::string color = "#000000";
    double width = 1.0;
    bool dashed = false;
};

enum class Anchor { Start, Middle, End };

struct TextStyle {
    double size = 10;
    Anchor anchor = Anchor::Start;
    std::string color = "#000000";
    bool vertical = false;  // set bottom to top (rotated 90 degrees counter-clockwise)
};

class Canvas {
public:
    virtual ~Canvas() = default;
    // An open path through `points` (two points: a line segment).
    virtual void polyline(const std::vector<Point>& points, const Stroke& stroke) = 0;
    // A closed filled shape; `opacity` in (0, 1].
    virtual void polygon(const std::vector<Point>& points, const std::string& fill,
                         double opacity) = 0;
    // A rectangle; empty `fill` or a null `stroke`: not filled, not outlined.
    virtual void rect(const Rect& r, const std::string& fill, double opacity,
                      const Stroke* stroke) = 0;
    virtual void circle(Point centre, double radius, const std::string& fill,
                        const Stroke& outline) = 0;
    // `utf8` with its baseline through `at`, anchored there as `style.anchor` says.
    virtual void text(Point at, const std::string& utf8, const TextStyle& style) = 0;
    // What is drawn until endClip() is cut to `r`.
    virtual void beginClip(const Rect& r) = 0;
    virtual void endClip() = 0;
};

class SvgCanvas : public Canvas {
public:
    // `id` prefixes the document's element ids (unique per figure when several SVGs are inline
    // in one HTML page).
    SvgCanvas(double width, double height, std::string id);
    void polyline(const std::vector<Point>& points, const Stroke& stroke) override;
    void polygon(const std::vector<Point>& points, const std::string& fill,
                 double opacity) override;
    void rect(const Rect& r, const std::string& fill, double opacity,
              const Stroke* stroke) override;
    void circle(Point centre, double radius, const std::string& fill,
                const Stroke& outline) override;
    void text(Point at, const std::string& utf8, const TextStyle& style) override;
    void beginClip(const Rect& r) override;
    void endClip() override;
    // The complete <svg> document.
    std::string finish() const;

private:
    double width_, height_;
    std::string id_, body_;
    int clips_ = 0;
};

class PdfCanvas : public Canvas {
public:
    PdfCanvas(double width, double height);
    void polyline(const std::vector<Point>& points, const Stroke& stroke) override;
    void polygon(const std::vector<Point>& points, const std::string& fill,
                 double opacity) override;
    void rect(const Rect& r, const std::string& fill, double opacity,
              const Stroke* stroke) override;
    void circle(Point centre, double radius, const std::string& fill,
                const Stroke& outline) override;
    void text(Point at, const std::string& utf8, const TextStyle& style) override;
    void beginClip(const Rect& r) override;
    void endClip() override;
    // The complete PDF file: catalog, pages, page, font, graphics states, content stream, xref
    // table and trailer.
    std::string finish() const;

private:
    std::string gstate(double opacity);  // the name of the ExtGState for this fill opacity
    std::string xy(Point p) const;       // "x y" in PDF user space (y flipped)
    double width_, height_;
    std::string content_;
    std::map<std::string, std::string> gstates_;  // opacity text -> resource name
};

}  // namespace rgpb::figure
