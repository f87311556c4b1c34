using System.Runtime.InteropServices;

namespace DynamicCot.Llama;

/// <summary>
/// The one place that sets OpenMP's wait policy for the native engine. libgomp reads <c>OMP_WAIT_POLICY</c> once,
/// when it is loaded, through the C library's <c>getenv</c>; .NET's <c>Environment.SetEnvironmentVariable</c> only
/// changes the runtime's own copy, so the variable is written with libc's <c>setenv</c>, before the first native load.
/// Default spin-waiting makes generation several times slower on a shared machine (measured in bench/README.md);
/// PASSIVE is the default here unless the user set the variable.
/// </summary>
public static partial class OpenMpEnvironment
{
    public const string WaitPolicyVariable = "OMP_WAIT_POLICY";
    public const string DefaultWaitPolicy = "PASSIVE";

    /// <summary>The wait policy libgomp will see (or saw), and whether the user chose it.</summary>
    public static (string? Value, bool SetByUser) WaitPolicy { get; private set; }

    /// <summary>Sets <c>OMP_WAIT_POLICY=PASSIVE</c> in the native environment unless it is already set (non-empty) there.</summary>
    public static void Apply()
    {
        var current = NativeGetenv(WaitPolicyVariable);
        if (!string.IsNullOrEmpty(current))
        {
            WaitPolicy = (current, true);
            return;
        }
        if (setenv(WaitPolicyVariable, DefaultWaitPolicy, 1) != 0)
            throw new InvalidOperationException($"setenv({WaitPolicyVariable}) failed with errno {Marshal.GetLastPInvokeError()}.");
        WaitPolicy = (NativeGetenv(WaitPolicyVariable), false);
    }

    /// <summary>A variable as native code sees it.</summary>
    public static string? NativeGetenv(string name) => Marshal.PtrToStringUTF8(getenv(name));

    [LibraryImport("libc", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int setenv(string name, string value, int overwrite);

    [LibraryImport("libc", StringMarshalling = StringMarshalling.Utf8)]
    private static partial nint getenv(string name);
}
