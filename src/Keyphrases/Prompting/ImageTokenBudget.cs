using System.Globalization;

namespace DynamicCot.Keyphrases.Prompting;

/// <summary>
/// The image-token budget: how many tokens mtmd may give one image (it resizes the image to fit). One owner for its
/// defaults, its range and the rule that picks the value to serve with; train, convert, the engine, the command lines
/// and the plugin use it. The budget a model was trained with travels in its <see cref="ServingProfile"/>.
/// </summary>
public static class ImageTokenBudget
{
    /// <summary>mtmd's "use the projector's own limits" (Qwen-VL: 8..4096 tokens).</summary>
    public const int ProjectorDefault = -1;

    /// <summary>What <c>train</c> uses unless told: 256 tokens keep a photo legible at a fraction of the projector's cost.</summary>
    public const int TrainingDefault = 256;

    /// <summary>The smallest explicit budget.</summary>
    public const int Minimum = 1;

    /// <summary>Whether <paramref name="tokens"/> is a budget: <see cref="ProjectorDefault"/> or at least <see cref="Minimum"/>.</summary>
    public static bool IsValid(int tokens) => tokens == ProjectorDefault || tokens >= Minimum;

    /// <summary>Returns <paramref name="tokens"/>, or throws naming <paramref name="source"/> (an option, a setting, a file).</summary>
    public static int Validate(int tokens, string source) => IsValid(tokens)
        ? tokens
        : throw new ArgumentException(
            $"{source} {tokens.ToString(CultureInfo.InvariantCulture)}: the image-token budget is {ProjectorDefault} (the projector's default) or a positive number of tokens per image.");

    /// <summary>
    /// The budget to serve with: the one asked for, else the recorded one, else the projector's default. A request
    /// that differs from the recorded budget is honoured with a warning, since the model was not trained on it.
    /// </summary>
    public static int Resolve(int? requested, ServingProfile? recorded, string modelName, Action<string>? warn)
    {
        if (requested is { } asked)
        {
            Validate(asked, "image-token budget");
            if (recorded is not null && recorded.ImageMaxTokens != asked)
                warn?.Invoke($"{modelName} was trained with {recorded.ImageMaxTokens.ToString(CultureInfo.InvariantCulture)} image tokens; serving with {asked.ToString(CultureInfo.InvariantCulture)} as configured (suggestions for posts with images may be worse).");
            return asked;
        }
        return recorded?.ImageMaxTokens ?? ProjectorDefault;
    }
}
