using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace SegLoop.Vision;

/// <summary>The C ABI of native/opencv-shim (segloop_cv.h). Every call returns a status; see <see cref="NativeStatus"/>.</summary>
internal static unsafe partial class NativeMethods
{
    internal const string Library = "segloop_cv";
    private const string FileName = "libsegloop_cv.so";
    internal const string NativeDirVariable = "SEGLOOP_NATIVE_DIR";

    internal const int CV_8UC1 = 0;
    internal const int CV_8UC3 = 16;
    internal const int CV_32SC1 = 4;

    private static int threadsSet;

    static NativeMethods() => NativeLibrary.SetDllImportResolver(typeof(NativeMethods).Assembly, Resolve);

    private static IntPtr Resolve(string libraryName, Assembly assembly, DllImportSearchPath? searchPath)
    {
        if (libraryName != Library)
            return IntPtr.Zero;
        var candidates = new List<string> { Path.Combine(AppContext.BaseDirectory, FileName) };
        var fromEnv = Environment.GetEnvironmentVariable(NativeDirVariable);
        if (!string.IsNullOrEmpty(fromEnv))
            candidates.Add(Path.Combine(fromEnv, FileName));
        foreach (var candidate in candidates)
        {
            if (File.Exists(candidate))
                return RunOnCallersThread(NativeLibrary.Load(candidate));
        }
        throw new DllNotFoundException(
            $"The OpenCV shim {FileName} was not found (looked in: {string.Join(", ", candidates)}). " +
            $"Run ./scripts/setup.sh to build it, or set {NativeDirVariable} to the folder that holds it.");
    }

    /// <summary>
    /// Once the shim is loaded, every OpenCV call runs on its caller's thread. The workers call OpenCV from many
    /// message handlers at once, on crop-sized images; OpenCV's own thread pool (TBB) would split each call across
    /// every core and spin between calls: connected components on a 13,000-pixel mask cost 221 us of CPU that way
    /// against 124 us on one thread (inference-stages' masks), and the spinning took cores from the model's runs.
    /// Done here, not in the static constructor, so a missing shim stays the DllNotFoundException that says how to
    /// build it.
    /// </summary>
    private static IntPtr RunOnCallersThread(IntPtr library)
    {
        if (Volatile.Read(ref threadsSet) == 0)
        {
            var setThreads = (delegate* unmanaged[Cdecl]<int, int>)NativeLibrary.GetExport(library, "sl_set_threads");
            if (setThreads(0) != 0)
                throw new VisionException(-6, "the OpenCV shim could not set OpenCV's thread count");
            Volatile.Write(ref threadsSet, 1);
        }
        return library;
    }

    [LibraryImport(Library)]
    [UnmanagedCallConv(CallConvs = [typeof(CallConvCdecl)])]
    internal static partial byte* sl_last_error();

    [LibraryImport(Library)]
    [UnmanagedCallConv(CallConvs = [typeof(CallConvCdecl)])]
    internal static partial int sl_parallel_for_threads(out int threads);

    [LibraryImport(Library)]
    [UnmanagedCallConv(CallConvs = [typeof(CallConvCdecl)])]
    internal static partial int sl_mat_create(int rows, int cols, int type, byte* data, nuint step, out MatHandle mat);

    [LibraryImport(Library)]
    [UnmanagedCallConv(CallConvs = [typeof(CallConvCdecl)])]
    internal static partial void sl_mat_release(IntPtr mat);

    [LibraryImport(Library)]
    [UnmanagedCallConv(CallConvs = [typeof(CallConvCdecl)])]
    internal static partial int sl_mat_info(MatHandle mat, out int rows, out int cols, out int type, out int channels, out byte* data, out nuint step);

    [LibraryImport(Library)]
    [UnmanagedCallConv(CallConvs = [typeof(CallConvCdecl)])]
    internal static partial int sl_image_header(byte* data, nuint length, out int format, out int width, out int height);

    [LibraryImport(Library)]
    [UnmanagedCallConv(CallConvs = [typeof(CallConvCdecl)])]
    internal static partial int sl_decode(byte* data, nuint length, int mode, long maxPixels, out MatHandle mat);

    [LibraryImport(Library)]
    [UnmanagedCallConv(CallConvs = [typeof(CallConvCdecl)])]
    internal static partial int sl_encode_jpeg(MatHandle mat, int quality, out byte* buffer, out nuint length);

    [LibraryImport(Library)]
    [UnmanagedCallConv(CallConvs = [typeof(CallConvCdecl)])]
    internal static partial int sl_encode_png(MatHandle mat, int compression, out byte* buffer, out nuint length);

    [LibraryImport(Library)]
    [UnmanagedCallConv(CallConvs = [typeof(CallConvCdecl)])]
    internal static partial void sl_buffer_free(byte* buffer);

    [LibraryImport(Library)]
    [UnmanagedCallConv(CallConvs = [typeof(CallConvCdecl)])]
    internal static partial int sl_crop(MatHandle mat, int x, int y, int width, int height, double padValue, out MatHandle result);

    [LibraryImport(Library)]
    [UnmanagedCallConv(CallConvs = [typeof(CallConvCdecl)])]
    internal static partial int sl_resize(MatHandle mat, int width, int height, int interpolation, out MatHandle result);

    [LibraryImport(Library)]
    [UnmanagedCallConv(CallConvs = [typeof(CallConvCdecl)])]
    internal static partial int sl_bgr_to_rgb(MatHandle mat, out MatHandle result);

    [LibraryImport(Library)]
    [UnmanagedCallConv(CallConvs = [typeof(CallConvCdecl)])]
    internal static partial int sl_fill_polygons(int rows, int cols, int* xy, int* counts, int polygonCount, byte value, out MatHandle result);

    [LibraryImport(Library)]
    [UnmanagedCallConv(CallConvs = [typeof(CallConvCdecl)])]
    internal static partial int sl_find_polygons(MatHandle mask, double epsilon, out ContoursHandle result);

    [LibraryImport(Library)]
    [UnmanagedCallConv(CallConvs = [typeof(CallConvCdecl)])]
    internal static partial int sl_contours_count(ContoursHandle contours, out int count);

    [LibraryImport(Library)]
    [UnmanagedCallConv(CallConvs = [typeof(CallConvCdecl)])]
    internal static partial int sl_contours_get(ContoursHandle contours, int index, out int* xy, out int pointCount, out int parent);

    [LibraryImport(Library)]
    [UnmanagedCallConv(CallConvs = [typeof(CallConvCdecl)])]
    internal static partial void sl_contours_release(IntPtr contours);

    [LibraryImport(Library)]
    [UnmanagedCallConv(CallConvs = [typeof(CallConvCdecl)])]
    internal static partial int sl_morph(MatHandle mask, int erode, int radius, out MatHandle result);

    [LibraryImport(Library)]
    [UnmanagedCallConv(CallConvs = [typeof(CallConvCdecl)])]
    internal static partial int sl_boundary(MatHandle mask, out MatHandle result);

    [LibraryImport(Library)]
    [UnmanagedCallConv(CallConvs = [typeof(CallConvCdecl)])]
    internal static partial int sl_connected_components(MatHandle mask, int connectivity, out MatHandle labels, out MatHandle stats, out int count);

    [LibraryImport(Library)]
    [UnmanagedCallConv(CallConvs = [typeof(CallConvCdecl)])]
    internal static partial int sl_grabcut(MatHandle image, MatHandle seeds, int x, int y, int width, int height, int iterations, out MatHandle result);

    /// <summary>sl_grabcut with no seed mask (initialised from the rectangle).</summary>
    [LibraryImport(Library, EntryPoint = "sl_grabcut")]
    [UnmanagedCallConv(CallConvs = [typeof(CallConvCdecl)])]
    internal static partial int sl_grabcut_rect(MatHandle image, IntPtr noSeeds, int x, int y, int width, int height, int iterations, out MatHandle result);
}
