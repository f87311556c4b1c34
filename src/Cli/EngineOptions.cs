using System.CommandLine;
using DynamicCot.LlamaCpp.Native;

namespace DynamicCot.Cli;

/// <summary>Command-line options every engine-using verb shares: which native build to load.</summary>
public static class EngineOptions
{
    public static readonly Option<FileInfo?> Library = new("--library")
    {
        Description = $"Path of the native llama.cpp library (default: {LlamaLibraryOptions.LibraryPathVariable}, else the app's runtimes folder).",
    };

    public static readonly Option<string?> Backend = new("--backend")
    {
        Description = $"auto, cpu or cuda (default: {LlamaLibraryOptions.BackendVariable}, else auto).",
    };

    public static void AddTo(Command command)
    {
        command.Options.Add(Library);
        command.Options.Add(Backend);
    }

    /// <summary>Applies the options before the first engine call.</summary>
    public static void Apply(ParseResult parse)
    {
        var library = parse.GetValue(Library);
        var backend = parse.GetValue(Backend);
        if (library is null && backend is null)
            return;
        LlamaLibrary.Configure(new LlamaLibraryOptions
        {
            LibraryPath = library?.FullName,
            Backend = backend is null ? null : LlamaLibraryOptions.ParseBackend(backend),
        });
    }
}
