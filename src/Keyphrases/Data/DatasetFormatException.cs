namespace DynamicCot.Keyphrases.Data;

/// <summary>
/// A dataset or prediction file that breaks its format. The message starts with <c>file:line:</c> so that a user
/// can jump to the offending line; the CLI reports any <c>*FormatException</c> as bad input, not as a bug.
/// </summary>
public sealed class DatasetFormatException : FormatException, IUserFacingError
{
    public DatasetFormatException(string file, int line, string problem, Exception? inner = null)
        : base(line > 0 ? $"{file}:{line}: {problem}" : $"{file}: {problem}", inner)
    {
        File = file;
        Line = line;
        Problem = problem;
    }

    /// <summary>The file as the user named it.</summary>
    public string File { get; }

    /// <summary>1-based line number; 0 when the problem concerns the whole file.</summary>
    public int Line { get; }

    /// <summary>The problem without the location.</summary>
    public string Problem { get; }
}
