using OpenCvSharp;

namespace SegLoop.Vision;

/// <summary>
/// Every OpenCV call runs on its caller's thread, set once before Vision's first OpenCV call. The workers call OpenCV
/// from many message handlers at once, on crop-sized images; OpenCV's own thread pool would split each call across
/// every core and spin between calls: connected components on a 13,000-pixel mask cost 221 us of CPU that way against
/// 124 us on one thread (inference-stages' masks), and the spinning took cores from the model's runs. Process-wide.
/// </summary>
internal static class OpenCvThreads
{
    static OpenCvThreads() => Cv2.SetNumThreads(0);

    /// <summary>Runs the static constructor once; free afterwards.</summary>
    public static void Ensure()
    {
    }
}
