using System.Runtime.InteropServices;

namespace SegLoop.Vision;

/// <summary>Owns one native sl_mat (a heap cv::Mat).</summary>
internal sealed class MatHandle : SafeHandle
{
    public MatHandle()
        : base(IntPtr.Zero, ownsHandle: true)
    {
    }

    public override bool IsInvalid => handle == IntPtr.Zero;

    protected override bool ReleaseHandle()
    {
        NativeMethods.sl_mat_release(handle); // plain delete on the native side; never throws
        return true;
    }
}

/// <summary>Owns one native sl_contours (the rings found in a mask).</summary>
internal sealed class ContoursHandle : SafeHandle
{
    public ContoursHandle()
        : base(IntPtr.Zero, ownsHandle: true)
    {
    }

    public override bool IsInvalid => handle == IntPtr.Zero;

    protected override bool ReleaseHandle()
    {
        NativeMethods.sl_contours_release(handle);
        return true;
    }
}
