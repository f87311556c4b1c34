using System.Globalization;
using System.Text;

namespace DynamicCot.Keyphrases.Tests.Prompting;

/// <summary>
/// A small GBNF parser and matcher for the subset the answer grammars use — rules, quoted literals, character
/// classes (negated, ranges, \n \r \t \\ \" \] \xXX \uXXXX escapes), grouping, alternation, <c>*</c> <c>+</c> <c>?</c>
/// <c>{m}</c> <c>{m,}</c> <c>{m,n}</c>, comments — following llama.cpp's grammar-parser rules (a newline ends a rule
/// except inside parentheses or after <c>|</c>; undefined rules and a missing root are errors). It stands in for the
/// real parser until tests can build a llama.cpp grammar sampler (which needs a model's vocabulary).
/// Matching works on code points and returns every end position, so it is exact (no greedy shortcuts).
/// </summary>
internal sealed class MiniGbnf
{
    private readonly Dictionary<string, Node> _rules;

    private MiniGbnf(Dictionary<string, Node> rules) => _rules = rules;

    public IReadOnlyCollection<string> RuleNames => _rules.Keys;

    public static MiniGbnf Parse(string grammar, string root = "root") => new Parser(grammar).ParseGrammar(root);

    /// <summary>True when the whole of <paramref name="text"/> matches the root rule.</summary>
    public bool Accepts(string text, string root = "root")
    {
        var codePoints = text.EnumerateRunes().Select(rune => rune.Value).ToArray();
        return Ends(_rules[root], codePoints, 0).Contains(codePoints.Length);
    }

    private HashSet<int> Ends(Node node, int[] text, int position) => node switch
    {
        LiteralNode literal => StartsWith(text, position, literal.CodePoints) ? [position + literal.CodePoints.Length] : [],
        ClassNode characterClass => position < text.Length && characterClass.Matches(text[position]) ? [position + 1] : [],
        RuleNode rule => Ends(_rules[rule.Name], text, position),
        SequenceNode sequence => SequenceEnds(sequence, text, position),
        AlternativesNode alternatives => alternatives.Options.SelectMany(option => Ends(option, text, position)).ToHashSet(),
        RepeatNode repeat => RepeatEnds(repeat, text, position),
        _ => throw new InvalidOperationException(node.GetType().Name),
    };

    private HashSet<int> SequenceEnds(SequenceNode sequence, int[] text, int position)
    {
        HashSet<int> current = [position];
        foreach (var item in sequence.Items)
        {
            current = current.SelectMany(start => Ends(item, text, start)).ToHashSet();
            if (current.Count == 0)
                break;
        }
        return current;
    }

    private HashSet<int> RepeatEnds(RepeatNode repeat, int[] text, int position)
    {
        var results = new HashSet<int>();
        HashSet<int> current = [position];
        var seen = new HashSet<int>();
        for (var count = 0; ; count++)
        {
            if (count >= repeat.Min)
                results.UnionWith(current);
            if (repeat.Max is { } max && count == max)
                break;
            // Unbounded repetition stops once no new position can be reached (also guards empty-matching bodies).
            var next = current.SelectMany(start => Ends(repeat.Body, text, start)).ToHashSet();
            if (repeat.Max is null)
                next.ExceptWith(seen);
            if (next.Count == 0)
                break;
            seen.UnionWith(next);
            current = next;
        }
        return results;
    }

    private static bool StartsWith(int[] text, int position, int[] literal) =>
        position + literal.Length <= text.Length && text.AsSpan(position, literal.Length).SequenceEqual(literal);

    private abstract record Node;
    private sealed record LiteralNode(int[] CodePoints) : Node;
    private sealed record RuleNode(string Name) : Node;
    private sealed record SequenceNode(IReadOnlyList<Node> Items) : Node;
    private sealed record AlternativesNode(IReadOnlyList<Node> Options) : Node;
    private sealed record RepeatNode(Node Body, int Min, int? Max) : Node;

    private sealed record ClassNode(IReadOnlyList<(int From, int To)> Ranges, bool Negated) : Node
    {
        public bool Matches(int codePoint) => Ranges.Any(range => codePoint >= range.From && codePoint <= range.To) != Negated;
    }

    private sealed class Parser(string source)
    {
        private readonly int[] _text = source.EnumerateRunes().Select(rune => rune.Value).ToArray();
        private readonly List<string> _references = [];
        private int _position;

        public MiniGbnf ParseGrammar(string root)
        {
            var rules = new Dictionary<string, Node>(StringComparer.Ordinal);
            SkipSpace(newlines: true);
            while (!AtEnd)
            {
                var name = ParseName();
                SkipSpace(newlines: false);
                Expect("::=");
                SkipSpace(newlines: true);
                var body = ParseAlternatives(nested: false);
                if (!rules.TryAdd(name, body))
                    throw Error($"rule '{name}' is defined twice");
                if (!AtEnd && Current != '\n')
                    throw Error($"expected the end of rule '{name}'");
                SkipSpace(newlines: true);
            }
            if (!rules.ContainsKey(root))
                throw new FormatException($"GBNF: the grammar has no '{root}' rule");
            foreach (var reference in _references)
            {
                if (!rules.ContainsKey(reference))
                    throw new FormatException($"GBNF: undefined rule '{reference}'");
            }
            return new MiniGbnf(rules);
        }

        private bool AtEnd => _position >= _text.Length;
        private int Current => _text[_position];

        private Node ParseAlternatives(bool nested)
        {
            var options = new List<Node> { ParseSequence(nested) };
            while (!AtEnd && Current == '|')
            {
                _position++;
                SkipSpace(newlines: true);
                options.Add(ParseSequence(nested));
            }
            return options.Count == 1 ? options[0] : new AlternativesNode(options);
        }

        private Node ParseSequence(bool nested)
        {
            var items = new List<Node>();
            while (!AtEnd)
            {
                var c = Current;
                Node item;
                if (c == '"')
                    item = ParseLiteral();
                else if (c == '[')
                    item = ParseClass();
                else if (c == '(')
                {
                    _position++;
                    SkipSpace(newlines: true);
                    item = ParseAlternatives(nested: true);
                    Expect(")");
                }
                else if (c == '.')
                {
                    _position++;
                    item = new ClassNode([], Negated: true);
                }
                else if (IsNameChar(c))
                {
                    var name = ParseName();
                    _references.Add(name);
                    item = new RuleNode(name);
                }
                else
                    break;
                items.Add(ParsePostfix(item));
                SkipSpace(newlines: nested);
            }
            if (items.Count == 0 && !(AtEnd || Current is '|' or ')' or '\n'))
                throw Error($"unexpected '{char.ConvertFromUtf32(Current)}'");
            return items.Count == 1 ? items[0] : new SequenceNode(items);
        }

        private Node ParsePostfix(Node item)
        {
            if (AtEnd)
                return item;
            switch (Current)
            {
                case '*': _position++; return new RepeatNode(item, 0, null);
                case '+': _position++; return new RepeatNode(item, 1, null);
                case '?': _position++; return new RepeatNode(item, 0, 1);
                case '{':
                    _position++;
                    var min = ParseInt();
                    int? max = min;
                    if (!AtEnd && Current == ',')
                    {
                        _position++;
                        max = !AtEnd && char.IsAsciiDigit((char)Current) ? ParseInt() : null;
                    }
                    Expect("}");
                    if (max < min)
                        throw Error($"repetition {{{min},{max}}} has max below min");
                    return new RepeatNode(item, min, max);
                default: return item;
            }
        }

        private int ParseInt()
        {
            var start = _position;
            while (!AtEnd && char.IsAsciiDigit((char)Current))
                _position++;
            if (start == _position)
                throw Error("expected a number");
            return int.Parse(Slice(start, _position), CultureInfo.InvariantCulture);
        }

        private LiteralNode ParseLiteral()
        {
            _position++;
            var codePoints = new List<int>();
            while (!AtEnd && Current != '"')
                codePoints.Add(ParseChar());
            Expect("\"");
            return new LiteralNode(codePoints.ToArray());
        }

        private ClassNode ParseClass()
        {
            _position++;
            var negated = !AtEnd && Current == '^';
            if (negated)
                _position++;
            var ranges = new List<(int, int)>();
            while (!AtEnd && Current != ']')
            {
                var from = ParseChar();
                var to = from;
                if (!AtEnd && Current == '-' && _position + 1 < _text.Length && _text[_position + 1] != ']')
                {
                    _position++;
                    to = ParseChar();
                }
                ranges.Add((from, to));
            }
            Expect("]");
            return new ClassNode(ranges, negated);
        }

        private int ParseChar()
        {
            if (AtEnd)
                throw Error("unexpected end inside a literal or class");
            var c = _text[_position++];
            if (c != '\\')
                return c;
            if (AtEnd)
                throw Error("unexpected end after '\\'");
            var escape = _text[_position++];
            return escape switch
            {
                'n' => '\n',
                'r' => '\r',
                't' => '\t',
                '\\' or '"' or '[' or ']' or '-' => escape,
                'x' => ParseHex(2),
                'u' => ParseHex(4),
                'U' => ParseHex(8),
                _ => throw Error($"unknown escape '\\{char.ConvertFromUtf32(escape)}'"),
            };
        }

        private int ParseHex(int digits)
        {
            if (_position + digits > _text.Length)
                throw Error("truncated hex escape");
            var value = int.Parse(Slice(_position, _position + digits), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            _position += digits;
            return value;
        }

        private string ParseName()
        {
            var start = _position;
            while (!AtEnd && IsNameChar(Current))
                _position++;
            if (start == _position)
                throw Error("expected a rule name");
            return Slice(start, _position);
        }

        private static bool IsNameChar(int c) => c is >= 'a' and <= 'z' or >= 'A' and <= 'Z' or >= '0' and <= '9' or '-';

        private void SkipSpace(bool newlines)
        {
            while (!AtEnd)
            {
                var c = Current;
                if (c == '#')
                {
                    while (!AtEnd && Current != '\n')
                        _position++;
                }
                else if (c is ' ' or '\t' or '\r' || (newlines && c == '\n'))
                    _position++;
                else
                    return;
            }
        }

        private void Expect(string expected)
        {
            foreach (var c in expected)
            {
                if (AtEnd || Current != c)
                    throw Error($"expected '{expected}'");
                _position++;
            }
        }

        private string Slice(int start, int end)
        {
            var builder = new StringBuilder();
            for (var i = start; i < end; i++)
                builder.Append(char.ConvertFromUtf32(_text[i]));
            return builder.ToString();
        }

        private FormatException Error(string message) => new($"GBNF at code point {_position}: {message}");
    }
}
