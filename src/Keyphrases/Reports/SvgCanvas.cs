using System.Globalization;
using System.Text;
using System.Xml;

namespace DynamicCot.Keyphrases.Reports;

/// <summary>
/// A minimal SVG 1.1 writer over <see cref="XmlWriter"/> (so text is always escaped and the document always well
/// formed): the primitives the charts need, numbers in invariant culture with two decimals.
/// </summary>
internal sealed class SvgCanvas : IDisposable
{
    private const string Namespace = "http://www.w3.org/2000/svg";
    private readonly StringBuilder _text = new();
    private readonly XmlWriter _xml;

    public SvgCanvas(double width, double height, string title)
    {
        _xml = XmlWriter.Create(_text, new XmlWriterSettings { Indent = true, OmitXmlDeclaration = false, Encoding = Encoding.UTF8 });
        _xml.WriteStartDocument();
        _xml.WriteStartElement("svg", Namespace);
        _xml.WriteAttributeString("version", "1.1");
        _xml.WriteAttributeString("width", Number(width));
        _xml.WriteAttributeString("height", Number(height));
        _xml.WriteAttributeString("viewBox", $"0 0 {Number(width)} {Number(height)}");
        _xml.WriteAttributeString("font-family", "Helvetica, Arial, sans-serif");
        _xml.WriteElementString("title", Namespace, title);
        Rect(0, 0, width, height, "#ffffff");
    }

    public static string Number(double value) => Math.Round(value, 2).ToString("0.##", CultureInfo.InvariantCulture);

    public void Rect(double x, double y, double width, double height, string fill, string? tooltip = null)
    {
        _xml.WriteStartElement("rect", Namespace);
        Attributes(("x", Number(x)), ("y", Number(y)), ("width", Number(Math.Max(0, width))), ("height", Number(Math.Max(0, height))), ("fill", fill));
        if (tooltip is not null)
            _xml.WriteElementString("title", Namespace, tooltip);
        _xml.WriteEndElement();
    }

    public void Line(double x1, double y1, double x2, double y2, string stroke, double width = 1, string? dash = null)
    {
        _xml.WriteStartElement("line", Namespace);
        Attributes(("x1", Number(x1)), ("y1", Number(y1)), ("x2", Number(x2)), ("y2", Number(y2)), ("stroke", stroke), ("stroke-width", Number(width)));
        if (dash is not null)
            _xml.WriteAttributeString("stroke-dasharray", dash);
        _xml.WriteEndElement();
    }

    public void Polyline(IEnumerable<(double X, double Y)> points, string stroke, double width = 2)
    {
        _xml.WriteStartElement("polyline", Namespace);
        Attributes(("points", string.Join(' ', points.Select(p => $"{Number(p.X)},{Number(p.Y)}"))), ("fill", "none"), ("stroke", stroke), ("stroke-width", Number(width)),
            ("stroke-linejoin", "round"));
        _xml.WriteEndElement();
    }

    public void Circle(double x, double y, double radius, string fill, string? tooltip = null)
    {
        _xml.WriteStartElement("circle", Namespace);
        Attributes(("cx", Number(x)), ("cy", Number(y)), ("r", Number(radius)), ("fill", fill));
        if (tooltip is not null)
            _xml.WriteElementString("title", Namespace, tooltip);
        _xml.WriteEndElement();
    }

    /// <param name="anchor">start, middle or end.</param>
    /// <param name="rotate">Degrees around the text's anchor point (e.g. -90 for a vertical axis label).</param>
    public void Text(double x, double y, string text, double size = 12, string anchor = "start", string fill = "#222222", bool bold = false, double rotate = 0)
    {
        _xml.WriteStartElement("text", Namespace);
        Attributes(("x", Number(x)), ("y", Number(y)), ("font-size", Number(size)), ("text-anchor", anchor), ("fill", fill));
        if (bold)
            _xml.WriteAttributeString("font-weight", "bold");
        if (rotate != 0)
            _xml.WriteAttributeString("transform", $"rotate({Number(rotate)} {Number(x)} {Number(y)})");
        _xml.WriteString(text);
        _xml.WriteEndElement();
    }

    public void StartGroup(string cssClass)
    {
        _xml.WriteStartElement("g", Namespace);
        _xml.WriteAttributeString("class", cssClass);
    }

    public void EndGroup() => _xml.WriteEndElement();

    /// <summary>Closes the document and returns its text.</summary>
    public string Finish()
    {
        _xml.WriteEndElement();
        _xml.WriteEndDocument();
        _xml.Flush();
        // StringBuilder output is UTF-16; the file is written as UTF-8, so the declaration must say so.
        return _text.ToString().Replace("encoding=\"utf-16\"", "encoding=\"utf-8\"", StringComparison.Ordinal);
    }

    public void Dispose() => _xml.Dispose();

    private void Attributes(params (string Name, string Value)[] attributes)
    {
        foreach (var (name, value) in attributes)
            _xml.WriteAttributeString(name, value);
    }
}
