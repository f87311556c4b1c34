namespace DynamicCot.Finetune.ModelOptions;

/// <summary>
/// Which RMSNorm epsilon the trainer's forward uses. The pinned llama.cpp build never reads
/// <c>qwen2vl.attention.layer_norm_rms_epsilon</c> and runs every qwen2vl RMSNorm with eps = 0; training with the
/// same value keeps training and serving identical (the default). <see cref="FromFile"/> uses the file's value
/// (config.json's <c>rms_norm_eps</c>, what Hugging Face uses), for serving engines that honour it.
/// </summary>
public enum RmsNormEpsilon
{
    /// <summary>eps = 0, exactly what the serving engine (llama.cpp 22dc605) computes.</summary>
    Serving,
    /// <summary>config.json's <c>rms_norm_eps</c>.</summary>
    FromFile,
}
