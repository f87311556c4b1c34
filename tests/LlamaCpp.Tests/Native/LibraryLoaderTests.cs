using System.Diagnostics;
using DynamicCot.LlamaCpp.Native;
using DynamicCot.Tests.Shared;

namespace DynamicCot.LlamaCpp.Tests.Native;

/// <summary>The loader opens only the pinned build and says clearly what it found instead.</summary>
public sealed class LibraryLoaderTests
{
    private static string PinnedBuild => Path.Combine(AppContext.BaseDirectory, "runtimes", "linux-x64", "native", LlamaBuildExpectations.CpuFileName);

    [Fact]
    public void The_pinned_build_is_accepted()
    {
        var handle = LlamaLibraryValidator.OpenVerified(PinnedBuild);
        Assert.NotEqual(0, handle);
    }

    [Fact]
    public void A_text_file_is_refused_with_the_file_and_expected_build_named()
    {
        using var folder = TestPaths.NewTempFolder();
        var path = folder.File("libllama.so");
        File.WriteAllText(path, "this is not a shared library\n");
        var e = Assert.Throws<LlamaLibraryException>(() => LlamaLibraryValidator.OpenVerified(path));
        Assert.Equal(path, e.LibraryPath);
        Assert.Contains(path, e.Message);
        Assert.Contains("22dc605", e.Message);
        Assert.Contains("could not be opened", e.Message);
    }

    [Fact]
    public void Another_shared_library_is_refused()
    {
        var zlib = new[] { "/lib/x86_64-linux-gnu/libz.so.1", "/usr/lib/x86_64-linux-gnu/libz.so.1" }.First(File.Exists);
        var e = Assert.Throws<LlamaLibraryException>(() => LlamaLibraryValidator.OpenVerified(zlib));
        Assert.Contains(zlib, e.Message);
        Assert.Contains("does not export LLAMA_COMMIT", e.Message);
        Assert.Contains("22dc605", e.Message);
    }

    [Fact]
    public void A_missing_file_is_refused()
    {
        var path = Path.Combine(Path.GetTempPath(), $"missing-{Guid.NewGuid():N}.so");
        var e = Assert.Throws<LlamaLibraryException>(() => LlamaLibraryValidator.OpenVerified(path));
        Assert.Contains("does not exist", e.Message);
    }

    [Fact]
    public void A_different_llama_cpp_commit_is_refused()
    {
        using var folder = TestPaths.NewTempFolder();
        var path = CompileFakeBuild(folder, "b10000x", tensorOverhead: 384, modelParamsSize: 72);
        var e = Assert.Throws<LlamaLibraryException>(() => LlamaLibraryValidator.OpenVerified(path));
        Assert.Contains("found LLAMA_COMMIT = \"b10000x\"", e.Message);
        Assert.Contains("expected \"22dc605\"", e.Message);
    }

    [Fact]
    public void The_right_commit_with_another_GGML_MAX_NAME_is_refused()
    {
        using var folder = TestPaths.NewTempFolder();
        var path = CompileFakeBuild(folder, "22dc605", tensorOverhead: 368, modelParamsSize: 72);
        var e = Assert.Throws<LlamaLibraryException>(() => LlamaLibraryValidator.OpenVerified(path));
        Assert.Contains("ggml_tensor_overhead() = 368", e.Message);
        Assert.Contains("expected 384", e.Message);
    }

    [Fact]
    public void A_build_whose_model_params_grew_is_refused()
    {
        using var folder = TestPaths.NewTempFolder();
        var path = CompileFakeBuild(folder, "22dc605", tensorOverhead: 384, modelParamsSize: 80);
        var e = Assert.Throws<LlamaLibraryException>(() => LlamaLibraryValidator.OpenVerified(path));
        Assert.Contains("llama_model_default_params writes 80 bytes", e.Message);
        Assert.Contains("72-byte struct", e.Message);
    }

    [Fact]
    public void Cuda_requested_without_the_cuda_build_says_how_to_install_it()
    {
        using var folder = TestPaths.NewTempFolder();
        var e = Assert.Throws<LlamaLibraryException>(() => LlamaLibrary.Locate(new LlamaLibraryOptions
        {
            Backend = LlamaBackendPreference.Cuda,
            RuntimesFolder = folder.Path,
        }));
        Assert.Contains(LlamaBuildExpectations.CudaFileName, e.Message);
        Assert.Contains("native/cuda", e.Message);
    }

    [Fact]
    public void An_explicit_path_wins_and_auto_falls_back_to_the_cpu_build()
    {
        var explicitPath = LlamaLibrary.Locate(new LlamaLibraryOptions { LibraryPath = "/opt/engine/libllama.so" });
        Assert.Equal("/opt/engine/libllama.so", explicitPath.Path);

        var folder = Path.GetDirectoryName(PinnedBuild)!;
        var auto = LlamaLibrary.Locate(new LlamaLibraryOptions { Backend = LlamaBackendPreference.Auto, RuntimesFolder = folder });
        var cudaInstalled = File.Exists(Path.Combine(folder, LlamaBuildExpectations.CudaFileName));
        if (!cudaInstalled)
            Assert.Equal((PinnedBuild, LlamaBackendPreference.Cpu), auto);
        Assert.Equal(LlamaBackendPreference.Cuda, LlamaLibraryOptions.ParseBackend("CUDA"));
        Assert.Throws<ArgumentException>(() => LlamaLibraryOptions.ParseBackend("metal"));
    }

    /// <summary>
    /// Builds a stand-in library exporting the symbols the loader checks, with chosen answers, to prove that each
    /// check refuses a build that differs in that one respect.
    /// </summary>
    private static string CompileFakeBuild(TempFolder folder, string commit, int tensorOverhead, int modelParamsSize)
    {
        var source = folder.File("fake.c");
        File.WriteAllText(source, $$"""
            #include <string.h>
            #include <stddef.h>
            const char * LLAMA_COMMIT = "{{commit}}";
            size_t ggml_tensor_overhead(void) { return {{tensorOverhead}}; }
            struct mp { unsigned char b[{{modelParamsSize}}]; };
            struct cp { unsigned char b[160]; };
            struct mt { unsigned char b[80]; };
            struct mp llama_model_default_params(void) { struct mp p; memset(&p, 1, sizeof p); return p; }
            struct cp llama_context_default_params(void) { struct cp p; memset(&p, 1, sizeof p); return p; }
            struct mt mtmd_context_params_default(void) { struct mt p; memset(&p, 1, sizeof p); return p; }
            """);
        var output = folder.File($"libfake-{commit}-{tensorOverhead}-{modelParamsSize}.so");
        var compiler = Process.Start(new ProcessStartInfo("cc", ["-shared", "-fPIC", "-o", output, source])
        {
            RedirectStandardError = true,
        })!;
        var errors = compiler.StandardError.ReadToEnd();
        compiler.WaitForExit();
        Assert.True(compiler.ExitCode == 0, "cc failed: " + errors);
        return output;
    }
}
