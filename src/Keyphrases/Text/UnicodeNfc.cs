using System.Runtime.InteropServices;
using System.Text;

namespace DynamicCot.Keyphrases.Text;

/// <summary>
/// Unicode NFC, whatever the host's globalization mode. .NET's <see cref="string.Normalize()"/> is backed by ICU and
/// does nothing to non-ASCII text when the process runs with invariant globalization (this repository's executables
/// do; an Umbraco site does not). There the system's ICU (<c>libicuuc</c>, the library .NET itself would load) is
/// called directly: <c>unorm2_getNFCInstance</c> + <c>unorm2_normalize</c>.
/// </summary>
public static class UnicodeNfc
{
    private static readonly Lazy<Func<string, string>> Implementation = new(Choose);

    /// <summary>The NFC form of <paramref name="text"/> (the same instance when it already is NFC).</summary>
    /// <exception cref="PlatformNotSupportedException">Invariant globalization and no ICU library on the system.</exception>
    public static string Normalize(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return IsAscii(text) ? text : Implementation.Value(text);
    }

    private static bool IsAscii(string text)
    {
        foreach (var c in text)
        {
            if (c > 0x7F)
                return false;
        }
        return true;
    }

    private static Func<string, string> Choose()
    {
        // A decomposed é composes wherever normalisation works.
        if ("e\u0301".Normalize(NormalizationForm.FormC) == "\u00e9")
            return text => text.IsNormalized(NormalizationForm.FormC) ? text : text.Normalize(NormalizationForm.FormC);
        var icu = IcuNormalizer.TryLoad()
            ?? throw new PlatformNotSupportedException("Unicode NFC needs ICU: this process runs with invariant globalization and no libicuuc was found (install libicu, e.g. Debian's libicu72).");
        return icu.Normalize;
    }

    private sealed class IcuNormalizer
    {
        private const int BufferOverflowError = 15;

        [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
        private delegate nint GetInstance(ref int errorCode);

        [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
        private unsafe delegate int NormalizeRow(nint normalizer, char* source, int length, char* destination, int capacity, ref int errorCode);

        private readonly nint _nfc;
        private readonly NormalizeRow _normalize;

        private IcuNormalizer(nint nfc, NormalizeRow normalize)
        {
            _nfc = nfc;
            _normalize = normalize;
        }

        /// <summary>Finds <c>libicuuc</c> as .NET does (newest version first); ICU suffixes its symbols with the major version.</summary>
        public static IcuNormalizer? TryLoad()
        {
            for (var version = 90; version >= 50; version--)
            {
                if (!NativeLibrary.TryLoad($"libicuuc.so.{version}", out var library))
                    continue;
                foreach (var suffix in new[] { $"_{version}", "" })
                {
                    if (NativeLibrary.TryGetExport(library, "unorm2_getNFCInstance" + suffix, out var getInstance)
                        && NativeLibrary.TryGetExport(library, "unorm2_normalize" + suffix, out var normalize))
                    {
                        var error = 0;
                        var nfc = Marshal.GetDelegateForFunctionPointer<GetInstance>(getInstance)(ref error);
                        if (error <= 0 && nfc != 0)
                            return new IcuNormalizer(nfc, Marshal.GetDelegateForFunctionPointer<NormalizeRow>(normalize));
                    }
                }
            }
            return null;
        }

        public unsafe string Normalize(string text)
        {
            // NFC rarely grows text; a singleton can expand a little (ICU reports the size it needs).
            var capacity = text.Length + 16;
            while (true)
            {
                var buffer = new char[capacity];
                var error = 0;
                int length;
                fixed (char* source = text)
                fixed (char* destination = buffer)
                    length = _normalize(_nfc, source, text.Length, destination, capacity, ref error);
                if (error == BufferOverflowError)
                {
                    capacity = length + 1;
                    continue;
                }
                if (error > 0)
                    throw new InvalidOperationException($"ICU unorm2_normalize failed with error {error}.");
                var result = new string(buffer, 0, length);
                return result == text ? text : result;
            }
        }
    }
}
