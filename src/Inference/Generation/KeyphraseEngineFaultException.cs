namespace DynamicCot.Inference.Generation;

/// <summary>
/// A request failed because the engine step it was in failed (a native decode error, a bug); the engine itself goes
/// on serving the next requests. The inner exception is the cause.
/// </summary>
public sealed class KeyphraseEngineFaultException(Exception cause)
    : Exception($"The keyphrase engine failed while working on this request ({cause.GetType().Name}: {cause.Message}); it continues with the next requests.", cause);
