namespace DynamicCot.Keyphrases;

/// <summary>
/// An error caused by what someone gave the system (a file, a form field, a setting) or by a state they can wait out
/// (the engine busy or still loading), as opposed to a bug. Its message is written for that person and names the
/// input. Command lines print the message and exit with the input-error code; the plugin's API answers a 4xx
/// problem (or 503) for it instead of a 500. Every project references this one, so every error family implements
/// the same marker whatever its .NET base type (<see cref="FormatException"/>, <see cref="ArgumentException"/>, …).
/// </summary>
public interface IUserFacingError;
