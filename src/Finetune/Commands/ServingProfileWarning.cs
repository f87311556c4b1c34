using DynamicCot.Inference.Generation;
using DynamicCot.Keyphrases.Prompting;

namespace DynamicCot.Finetune.Commands;

/// <summary>The image budget a CLI serves with: as asked, else as the model records; a mismatch is said on stderr.</summary>
internal static class ServingProfileWarning
{
    public static int Resolve(string modelPath, int? requested) =>
        ServingProfile.ResolveImageMaxTokens(requested, RecordedServingProfile.Read(modelPath), Path.GetFileName(modelPath),
            message => Console.Error.WriteLine($"warning: {message}"));
}
