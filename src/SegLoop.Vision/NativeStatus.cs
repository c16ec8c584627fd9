using System.Runtime.InteropServices;

namespace SegLoop.Vision;

/// <summary>Turns a non-zero shim status into the managed exception that names the problem.</summary>
internal static class NativeStatus
{
    private const int ArgumentError = -1;
    private const int DecodeError = -2;
    private const int TooLarge = -3;

    public static void Check(int status)
    {
        if (status != 0)
            throw Create(status);
    }

    private static unsafe VisionException Create(int status)
    {
        var message = Marshal.PtrToStringUTF8((IntPtr)NativeMethods.sl_last_error());
        if (string.IsNullOrEmpty(message))
            message = $"native vision call failed with status {status}";
        return status switch
        {
            DecodeError => new ImageDecodeException(message),
            TooLarge => new ImageTooLargeException(message),
            ArgumentError => new VisionException(status, "invalid argument: " + message),
            _ => new VisionException(status, message),
        };
    }
}
