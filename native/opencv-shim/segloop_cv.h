/* SegLoop's C shim over OpenCV 4.6 (core, imgproc, imgcodecs).
 *
 * Plain C ABI: every function returns SL_OK (0) or a negative SL_E_* code and, on failure, leaves a
 * message for sl_last_error() (thread-local, valid until the next failing call on the same thread).
 * No C++ exception crosses this boundary. Images and masks are opaque sl_mat handles (a cv::Mat on the
 * heap) released with sl_mat_release; encoded bytes are released with sl_buffer_free; polygon sets
 * with sl_contours_release. Masks are CV_8UC1. */
#ifndef SEGLOOP_CV_H
#define SEGLOOP_CV_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__)
#define SL_API __attribute__((visibility("default")))
#else
#define SL_API
#endif

enum sl_status {
    SL_OK = 0,
    SL_E_ARGUMENT = -1,  /* a null pointer, a negative size, an unsupported type or flag */
    SL_E_DECODE = -2,    /* not a JPEG/PNG, corrupt or truncated data */
    SL_E_TOO_LARGE = -3, /* the header's width x height exceeds the caller's pixel limit */
    SL_E_OPENCV = -4,    /* OpenCV raised cv::Exception */
    SL_E_NO_MEMORY = -5,
    SL_E_INTERNAL = -6   /* any other exception */
};

enum sl_decode_mode { SL_DECODE_COLOR = 0, SL_DECODE_GRAYSCALE = 1, SL_DECODE_UNCHANGED = 2 };
enum sl_format { SL_FORMAT_UNKNOWN = 0, SL_FORMAT_JPEG = 1, SL_FORMAT_PNG = 2 };
enum sl_interpolation { SL_INTER_LINEAR = 1, SL_INTER_AREA = 3, SL_INTER_LANCZOS4 = 4 };

typedef struct sl_mat sl_mat;
typedef struct sl_contours sl_contours;

SL_API const char* sl_last_error(void);

/* threading */
/* The number of threads OpenCV may split one call across (cv::setNumThreads); 0 runs every call on the caller's
 * thread. Process-wide. */
SL_API int sl_set_threads(int threads);
/* How many threads one cv::parallel_for_ of 64 one-millisecond stripes ran on: 1 after sl_set_threads(0). */
SL_API int sl_parallel_for_threads(int* threads);

/* mats */
/* Creates a rows x cols mat of OpenCV type `type` (CV_8UC1 = 0, CV_8UC3 = 16, CV_32SC1 = 4, ...).
 * data == NULL gives zeros; otherwise rows lines of `step` bytes are copied. */
SL_API int sl_mat_create(int rows, int cols, int type, const uint8_t* data, size_t step, sl_mat** out);
SL_API void sl_mat_release(sl_mat* mat);
SL_API int sl_mat_info(const sl_mat* mat, int* rows, int* cols, int* type, int* channels, uint8_t** data, size_t* step);

/* codecs */
/* Reads width and height from a PNG IHDR or a JPEG SOFn without decoding. */
SL_API int sl_image_header(const uint8_t* data, size_t length, int* format, int* width, int* height);
/* Decodes a JPEG or PNG after checking the header's width x height against max_pixels (<= 0: no limit). */
SL_API int sl_decode(const uint8_t* data, size_t length, int mode, int64_t max_pixels, sl_mat** out);
SL_API int sl_encode_jpeg(const sl_mat* mat, int quality, uint8_t** out, size_t* length);
SL_API int sl_encode_png(const sl_mat* mat, int compression, uint8_t** out, size_t* length);
SL_API void sl_buffer_free(uint8_t* buffer);

/* geometry and colour */
/* Copies the window (x, y, width, height); parts outside the image are filled with pad_value. */
SL_API int sl_crop(const sl_mat* mat, int x, int y, int width, int height, double pad_value, sl_mat** out);
SL_API int sl_resize(const sl_mat* mat, int width, int height, int interpolation, sl_mat** out);
SL_API int sl_bgr_to_rgb(const sl_mat* mat, sl_mat** out);

/* masks (CV_8UC1, any non-zero value is foreground) */
/* Fills polygons (x,y int pairs; counts[i] points in polygon i) with `value` into a new rows x cols mask.
 * Overlapping rings follow the even-odd rule, so a hole listed after its outer ring stays empty. */
SL_API int sl_fill_polygons(int rows, int cols, const int32_t* xy, const int32_t* counts, int polygon_count, uint8_t value, sl_mat** out);
/* Outer rings and holes (RETR_CCOMP), each simplified with approxPolyDP(epsilon) when epsilon > 0. */
SL_API int sl_find_polygons(const sl_mat* mask, double epsilon, sl_contours** out);
SL_API int sl_contours_count(const sl_contours* contours, int* count);
/* parent: -1 for an outer ring, else the index of the outer ring a hole belongs to. xy stays valid until release. */
SL_API int sl_contours_get(const sl_contours* contours, int index, const int32_t** xy, int* point_count, int* parent);
SL_API void sl_contours_release(sl_contours* contours);
/* Dilate (erode = 0) or erode (erode != 0) with an elliptical kernel of the given radius; output is 0/255. */
SL_API int sl_morph(const sl_mat* mask, int erode, int radius, sl_mat** out);
/* One-pixel inner boundary: mask XOR erode(mask, 3x3), as the DAVIS benchmark computes it; output 0/255. */
SL_API int sl_boundary(const sl_mat* mask, sl_mat** out);
/* labels: CV_32SC1 (0 = background); stats: CV_32SC1 count x 5 (left, top, width, height, area); count includes background. */
SL_API int sl_connected_components(const sl_mat* mask, int connectivity, sl_mat** labels, sl_mat** stats, int* count);

/* GrabCut on a BGR image. seeds == NULL: initialised from the rectangle. Otherwise seeds is a CV_8UC1 mask of
 * GC_BGD(0)/GC_FGD(1)/GC_PR_BGD(2)/GC_PR_FGD(3), and pixels outside the rectangle are forced to GC_BGD.
 * out: CV_8UC1, 1 where the result is (probable) foreground. */
SL_API int sl_grabcut(const sl_mat* image, const sl_mat* seeds, int x, int y, int width, int height, int iterations, sl_mat** out);

#ifdef __cplusplus
}
#endif

#endif
