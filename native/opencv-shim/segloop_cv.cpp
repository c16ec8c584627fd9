// SegLoop's C shim over OpenCV 4.6. See segloop_cv.h for the contract. Every exported function runs its
// body inside guard(), which turns any C++ exception into a status code and a thread-local message.
#include "segloop_cv.h"

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <chrono>
#include <csetjmp>
#include <cstdio>  // jpeglib.h needs FILE
#include <cstdlib>
#include <cstring>
#include <memory>
#include <mutex>
#include <new>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <jerror.h>
#include <jpeglib.h>

struct sl_mat {
    cv::Mat m;
};

struct sl_contours {
    std::vector<std::vector<cv::Point>> rings;
    std::vector<int> parents;
};

namespace {

thread_local std::string g_last_error;

struct sl_error {
    int code;
    std::string message;
};

void set_error(const char* message) noexcept {
    try {
        g_last_error = message;
    } catch (...) {
        // Out of memory while recording the message: leave the previous text; the status code still tells.
    }
}

[[noreturn]] void fail(int code, std::string message) { throw sl_error{code, std::move(message)}; }

template <class F>
int guard(F&& body) noexcept {
    try {
        body();
        return SL_OK;
    } catch (const sl_error& e) {
        set_error(e.message.c_str());
        return e.code;
    } catch (const cv::Exception& e) {
        set_error(("OpenCV error in " + e.func + ": " + e.err).c_str());
        return SL_E_OPENCV;
    } catch (const std::bad_alloc&) {
        set_error("out of memory");
        return SL_E_NO_MEMORY;
    } catch (const std::exception& e) {
        set_error(e.what());
        return SL_E_INTERNAL;
    } catch (...) {
        set_error("unknown native exception");
        return SL_E_INTERNAL;
    }
}

void require(bool condition, const char* message) {
    if (!condition) fail(SL_E_ARGUMENT, message);
}

const cv::Mat& mat_of(const sl_mat* mat, const char* name) {
    if (mat == nullptr) fail(SL_E_ARGUMENT, std::string(name) + " is null");
    if (mat->m.empty()) fail(SL_E_ARGUMENT, std::string(name) + " is empty");
    return mat->m;
}

sl_mat* wrap(cv::Mat&& m) { return new sl_mat{std::move(m)}; }

// Masks: any non-zero byte is foreground; operations work on a 0/255 copy.
cv::Mat binary_of(const sl_mat* mask) {
    const cv::Mat& m = mat_of(mask, "mask");
    if (m.type() != CV_8UC1) fail(SL_E_ARGUMENT, "mask must be single-channel 8-bit (CV_8UC1)");
    cv::Mat bin;
    cv::compare(m, 0, bin, cv::CMP_NE);
    return bin;
}

uint32_t be32(const uint8_t* p) { return (uint32_t(p[0]) << 24) | (uint32_t(p[1]) << 16) | (uint32_t(p[2]) << 8) | p[3]; }
uint16_t be16(const uint8_t* p) { return uint16_t((p[0] << 8) | p[1]); }

const uint8_t kPngSignature[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};

struct header_info {
    int format = SL_FORMAT_UNKNOWN;
    int64_t width = 0;
    int64_t height = 0;
    size_t jpeg_scan_start = 0;  // first byte after the first SOS header
};

header_info parse_png_header(const uint8_t* d, size_t n) {
    header_info h;
    h.format = SL_FORMAT_PNG;
    if (n < 8 + 8 + 13 + 4 || be32(d + 8) != 13 || std::memcmp(d + 12, "IHDR", 4) != 0)
        fail(SL_E_DECODE, "PNG data is truncated or does not start with an IHDR chunk");
    h.width = be32(d + 16);
    h.height = be32(d + 20);
    if (h.width == 0 || h.height == 0 || h.width > INT32_MAX || h.height > INT32_MAX)
        fail(SL_E_DECODE, "PNG IHDR has an invalid size " + std::to_string(h.width) + " x " + std::to_string(h.height));
    return h;
}

// Walks the chunk list: a PNG whose IEND chunk is missing was cut short.
void check_png_complete(const uint8_t* d, size_t n) {
    size_t pos = 8;
    while (pos + 12 <= n) {
        const uint64_t length = be32(d + pos);
        const bool iend = std::memcmp(d + pos + 4, "IEND", 4) == 0;
        if (length > n - pos - 12) break;
        if (iend) return;
        pos += 12 + size_t(length);
    }
    fail(SL_E_DECODE, "PNG data is truncated: no IEND chunk (" + std::to_string(n) + " bytes)");
}

bool is_sof(uint8_t marker) {
    return marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC;
}

header_info parse_jpeg_header(const uint8_t* d, size_t n) {
    header_info h;
    h.format = SL_FORMAT_JPEG;
    size_t pos = 2;
    bool have_sof = false;
    for (;;) {
        if (pos >= n) fail(SL_E_DECODE, "JPEG data is truncated before its first scan");
        if (d[pos] != 0xFF) fail(SL_E_DECODE, "JPEG data is corrupt: expected a marker at byte " + std::to_string(pos));
        while (pos < n && d[pos] == 0xFF) ++pos;  // fill bytes
        if (pos >= n) fail(SL_E_DECODE, "JPEG data is truncated before its first scan");
        const uint8_t marker = d[pos++];
        if ((marker >= 0xD0 && marker <= 0xD7) || marker == 0x01) continue;  // no length
        if (marker == 0xD8 || marker == 0xD9 || marker == 0x00)
            fail(SL_E_DECODE, "JPEG data is corrupt: unexpected marker before the first scan");
        if (pos + 2 > n) fail(SL_E_DECODE, "JPEG data is truncated inside a marker segment");
        const size_t length = be16(d + pos);
        if (length < 2 || pos + length > n) fail(SL_E_DECODE, "JPEG data is truncated or corrupt inside a marker segment");
        if (is_sof(marker)) {
            if (length < 8) fail(SL_E_DECODE, "JPEG frame header is too short");
            h.height = be16(d + pos + 3);
            h.width = be16(d + pos + 5);
            have_sof = true;
        } else if (marker == 0xDA) {
            if (!have_sof) fail(SL_E_DECODE, "JPEG data is corrupt: scan before frame header");
            h.jpeg_scan_start = pos + length;
            break;
        }
        pos += length;
    }
    if (h.width == 0 || h.height == 0)
        fail(SL_E_DECODE, "JPEG frame header has an invalid size " + std::to_string(h.width) + " x " + std::to_string(h.height));
    return h;
}

// Entropy-coded data never contains FF D9 (FF is stuffed), so the end-of-image marker after the first scan
// is the proof that the file was not cut short. libjpeg itself would only warn and return a grey-filled image.
void check_jpeg_complete(const uint8_t* d, size_t n, size_t scan_start) {
    for (size_t i = n - 1; i > scan_start; --i)
        if (d[i] == 0xD9 && d[i - 1] == 0xFF) return;
    fail(SL_E_DECODE, "JPEG data is truncated: no end-of-image marker after the scan (" + std::to_string(n) + " bytes)");
}

header_info parse_header(const uint8_t* d, size_t n) {
    if (d == nullptr || n == 0) fail(SL_E_DECODE, "image data is empty (0 bytes)");
    if (n >= 8 && std::memcmp(d, kPngSignature, 8) == 0) return parse_png_header(d, n);
    if (n >= 3 && d[0] == 0xFF && d[1] == 0xD8 && d[2] == 0xFF) return parse_jpeg_header(d, n);
    fail(SL_E_DECODE, "image data is neither JPEG nor PNG (unknown signature, " + std::to_string(n) + " bytes)");
}

uint8_t* copy_out(const std::vector<uchar>& bytes, size_t* length) {
    auto* out = static_cast<uint8_t*>(std::malloc(bytes.empty() ? 1 : bytes.size()));
    if (out == nullptr) throw std::bad_alloc();
    if (!bytes.empty()) std::memcpy(out, bytes.data(), bytes.size());
    *length = bytes.size();
    return out;
}

void check_encodable(const cv::Mat& m) {
    if (m.depth() != CV_8U || (m.channels() != 1 && m.channels() != 3 && m.channels() != 4))
        fail(SL_E_ARGUMENT, "only 8-bit images with 1, 3 or 4 channels can be encoded");
}


// ---- strict JPEG decoding ------------------------------------------------------------------------------
// cv::imdecode lets libjpeg *warn* about corrupt or missing scan data and returns a grey-filled image
// (a header that claims a larger size than its data decodes "successfully"). We decode JPEGs with the
// same libjpeg(-turbo) OpenCV uses, but turn the warnings that mean lost pixels into errors. CMYK/YCCK
// files, which libjpeg cannot convert to BGR, go through cv::imdecode.
// No C++ object with a destructor lives in a frame that longjmp crosses.

struct strict_jpeg_error {
    jpeg_error_mgr pub;
    jmp_buf jump;
    char message[JMSG_LENGTH_MAX];
};

[[noreturn]] void strict_error_exit(j_common_ptr cinfo) {
    auto* err = reinterpret_cast<strict_jpeg_error*>(cinfo->err);
    cinfo->err->format_message(cinfo, err->message);
    longjmp(err->jump, 1);
}

void strict_emit_message(j_common_ptr cinfo, int level) {
    if (level >= 0) return;  // trace messages
    switch (cinfo->err->msg_code) {
        case JWRN_BOGUS_PROGRESSION:
        case JWRN_HIT_MARKER:
        case JWRN_HUFF_BAD_CODE:
        case JWRN_JPEG_EOF:
        case JWRN_MUST_RESYNC:
        case JWRN_NOT_SEQUENTIAL:
            strict_error_exit(cinfo);  // pixels were lost: fail
        default:
            cinfo->err->num_warnings++;  // metadata oddities (extraneous bytes, odd JFIF/ICC): tolerate
    }
}

enum jpeg_result { JPEG_OK = 0, JPEG_FAILED = 1, JPEG_USE_OPENCV = 2, JPEG_NO_MEMORY = 3 };

int decode_jpeg_strict(const uint8_t* data, size_t length, int mode, cv::Mat* out, char* message) {
    jpeg_decompress_struct cinfo;
    strict_jpeg_error err;
    cinfo.err = jpeg_std_error(&err.pub);
    err.pub.error_exit = strict_error_exit;
    err.pub.emit_message = strict_emit_message;
    err.message[0] = 0;
    if (setjmp(err.jump)) {
        std::snprintf(message, JMSG_LENGTH_MAX, "%s", err.message);
        jpeg_destroy_decompress(&cinfo);
        return JPEG_FAILED;
    }
    jpeg_create_decompress(&cinfo);
    jpeg_mem_src(&cinfo, data, static_cast<unsigned long>(length));
    jpeg_read_header(&cinfo, TRUE);
    if (cinfo.jpeg_color_space == JCS_CMYK || cinfo.jpeg_color_space == JCS_YCCK) {
        jpeg_destroy_decompress(&cinfo);
        return JPEG_USE_OPENCV;
    }
    const bool gray = mode == SL_DECODE_GRAYSCALE || (mode == SL_DECODE_UNCHANGED && cinfo.num_components == 1);
    cinfo.out_color_space = gray ? JCS_GRAYSCALE : JCS_EXT_BGR;
    jpeg_start_decompress(&cinfo);
    try {
        out->create(int(cinfo.output_height), int(cinfo.output_width), gray ? CV_8UC1 : CV_8UC3);
    } catch (...) {
        jpeg_destroy_decompress(&cinfo);
        return JPEG_NO_MEMORY;
    }
    while (cinfo.output_scanline < cinfo.output_height) {
        JSAMPROW row = out->ptr(int(cinfo.output_scanline));
        jpeg_read_scanlines(&cinfo, &row, 1);
    }
    jpeg_finish_decompress(&cinfo);
    jpeg_destroy_decompress(&cinfo);
    return JPEG_OK;
}

cv::Mat decode_jpeg(const uint8_t* data, size_t length, int mode, int opencv_flags) {
    cv::Mat m;
    char message[JMSG_LENGTH_MAX] = {0};
    switch (decode_jpeg_strict(data, length, mode, &m, message)) {
        case JPEG_OK: return m;
        case JPEG_FAILED: fail(SL_E_DECODE, std::string("JPEG data is corrupt: ") + message);
        case JPEG_NO_MEMORY: throw std::bad_alloc();
        default: break;
    }
    const cv::Mat buffer(1, int(std::min<size_t>(length, INT32_MAX)), CV_8UC1, const_cast<uint8_t*>(data));
    return cv::imdecode(buffer, opencv_flags);
}

}  // namespace

extern "C" {

const char* sl_last_error(void) { return g_last_error.c_str(); }

int sl_set_threads(int threads) {
    return guard([&] {
        require(threads >= 0, "threads must be 0 or more");
        cv::setNumThreads(threads);
    });
}

int sl_parallel_for_threads(int* threads) {
    return guard([&] {
        require(threads != nullptr, "out is null");
        // cv::getNumThreads() cannot tell: with Debian's TBB backend it reports the pool's size after
        // setNumThreads(0), though parallel_for_ then runs every stripe on the caller. So run one and look.
        std::mutex lock;
        std::set<std::thread::id> seen;
        cv::parallel_for_(cv::Range(0, 64), [&](const cv::Range&) {
            std::this_thread::sleep_for(std::chrono::milliseconds(1));
            std::lock_guard<std::mutex> guard(lock);
            seen.insert(std::this_thread::get_id());
        }, 64);
        *threads = int(seen.size());
    });
}

int sl_mat_create(int rows, int cols, int type, const uint8_t* data, size_t step, sl_mat** out) {
    return guard([&] {
        require(out != nullptr, "out is null");
        *out = nullptr;
        require(rows > 0 && cols > 0, "rows and cols must be positive");
        require(type >= 0 && type < CV_DEPTH_MAX * CV_CN_MAX, "invalid OpenCV type");
        cv::Mat m(rows, cols, type);
        if (data == nullptr) {
            m.setTo(cv::Scalar::all(0));
        } else {
            const size_t row_bytes = size_t(cols) * m.elemSize();
            require(step >= row_bytes, "step is smaller than one row");
            for (int r = 0; r < rows; ++r) std::memcpy(m.ptr(r), data + size_t(r) * step, row_bytes);
        }
        *out = wrap(std::move(m));
    });
}

void sl_mat_release(sl_mat* mat) { delete mat; }

int sl_mat_info(const sl_mat* mat, int* rows, int* cols, int* type, int* channels, uint8_t** data, size_t* step) {
    return guard([&] {
        require(mat != nullptr, "mat is null");
        if (rows) *rows = mat->m.rows;
        if (cols) *cols = mat->m.cols;
        if (type) *type = mat->m.type();
        if (channels) *channels = mat->m.channels();
        if (data) *data = mat->m.data;
        if (step) *step = mat->m.step[0];
    });
}

int sl_image_header(const uint8_t* data, size_t length, int* format, int* width, int* height) {
    return guard([&] {
        const header_info h = parse_header(data, length);
        if (format) *format = h.format;
        if (width) *width = int(h.width);
        if (height) *height = int(h.height);
    });
}

int sl_decode(const uint8_t* data, size_t length, int mode, int64_t max_pixels, sl_mat** out) {
    return guard([&] {
        require(out != nullptr, "out is null");
        *out = nullptr;
        int flags;
        switch (mode) {
            case SL_DECODE_COLOR: flags = cv::IMREAD_COLOR | cv::IMREAD_IGNORE_ORIENTATION; break;
            case SL_DECODE_GRAYSCALE: flags = cv::IMREAD_GRAYSCALE | cv::IMREAD_IGNORE_ORIENTATION; break;
            case SL_DECODE_UNCHANGED: flags = cv::IMREAD_UNCHANGED; break;
            default: fail(SL_E_ARGUMENT, "unknown decode mode " + std::to_string(mode));
        }
        const header_info h = parse_header(data, length);
        if (max_pixels > 0 && h.width * h.height > max_pixels)
            fail(SL_E_TOO_LARGE, std::string(h.format == SL_FORMAT_PNG ? "PNG" : "JPEG") + " header claims " +
                                     std::to_string(h.width) + " x " + std::to_string(h.height) + " = " +
                                     std::to_string(h.width * h.height) + " pixels, over the limit of " +
                                     std::to_string(max_pixels));
        if (h.format == SL_FORMAT_PNG) check_png_complete(data, length);
        else check_jpeg_complete(data, length, h.jpeg_scan_start);

        cv::Mat m;
        if (h.format == SL_FORMAT_JPEG) {
            m = decode_jpeg(data, length, mode, flags);
        } else {
            const cv::Mat buffer(1, int(std::min<size_t>(length, INT32_MAX)), CV_8UC1, const_cast<uint8_t*>(data));
            m = cv::imdecode(buffer, flags);
        }
        if (m.empty())
            fail(SL_E_DECODE, std::string(h.format == SL_FORMAT_PNG ? "PNG" : "JPEG") + " data is corrupt: the decoder rejected it");
        if (m.cols != h.width || m.rows != h.height)
            fail(SL_E_DECODE, "decoded size " + std::to_string(m.cols) + " x " + std::to_string(m.rows) +
                                  " does not match the header's " + std::to_string(h.width) + " x " + std::to_string(h.height));
        if (m.depth() != CV_8U) {  // 16-bit PNG read unchanged: keep channels, scale to 8 bits
            cv::Mat eight;
            m.convertTo(eight, CV_8U, 1.0 / 257.0);
            m = eight;
        }
        *out = wrap(std::move(m));
    });
}

int sl_encode_jpeg(const sl_mat* mat, int quality, uint8_t** out, size_t* length) {
    return guard([&] {
        require(out != nullptr && length != nullptr, "out is null");
        *out = nullptr;
        *length = 0;
        require(quality >= 0 && quality <= 100, "JPEG quality must be 0..100");
        const cv::Mat& m = mat_of(mat, "image");
        check_encodable(m);
        require(m.channels() != 4, "JPEG cannot store an alpha channel");
        std::vector<uchar> bytes;
        if (!cv::imencode(".jpg", m, bytes, {cv::IMWRITE_JPEG_QUALITY, quality})) fail(SL_E_OPENCV, "JPEG encoding failed");
        *out = copy_out(bytes, length);
    });
}

int sl_encode_png(const sl_mat* mat, int compression, uint8_t** out, size_t* length) {
    return guard([&] {
        require(out != nullptr && length != nullptr, "out is null");
        *out = nullptr;
        *length = 0;
        require(compression >= 0 && compression <= 9, "PNG compression must be 0..9");
        const cv::Mat& m = mat_of(mat, "image");
        check_encodable(m);
        std::vector<uchar> bytes;
        if (!cv::imencode(".png", m, bytes, {cv::IMWRITE_PNG_COMPRESSION, compression})) fail(SL_E_OPENCV, "PNG encoding failed");
        *out = copy_out(bytes, length);
    });
}

void sl_buffer_free(uint8_t* buffer) { std::free(buffer); }

int sl_crop(const sl_mat* mat, int x, int y, int width, int height, double pad_value, sl_mat** out) {
    return guard([&] {
        require(out != nullptr, "out is null");
        *out = nullptr;
        require(width > 0 && height > 0, "crop width and height must be positive");
        const cv::Mat& m = mat_of(mat, "image");
        const int64_t x0 = std::max<int64_t>(x, 0), y0 = std::max<int64_t>(y, 0);
        const int64_t x1 = std::min<int64_t>(int64_t(x) + width, m.cols), y1 = std::min<int64_t>(int64_t(y) + height, m.rows);
        cv::Mat result;
        if (x0 >= x1 || y0 >= y1) {
            result = cv::Mat(height, width, m.type(), cv::Scalar::all(pad_value));
        } else {
            const cv::Mat inside = m(cv::Rect(int(x0), int(y0), int(x1 - x0), int(y1 - y0)));
            cv::copyMakeBorder(inside, result, int(y0 - y), int(int64_t(y) + height - y1), int(x0 - x),
                               int(int64_t(x) + width - x1), cv::BORDER_CONSTANT, cv::Scalar::all(pad_value));
        }
        *out = wrap(std::move(result));
    });
}

int sl_resize(const sl_mat* mat, int width, int height, int interpolation, sl_mat** out) {
    return guard([&] {
        require(out != nullptr, "out is null");
        *out = nullptr;
        require(width > 0 && height > 0, "resize width and height must be positive");
        require(interpolation == SL_INTER_LINEAR || interpolation == SL_INTER_AREA || interpolation == SL_INTER_LANCZOS4,
                "interpolation must be linear, area or Lanczos4");
        const cv::Mat& m = mat_of(mat, "image");
        cv::Mat result;
        cv::resize(m, result, cv::Size(width, height), 0, 0, interpolation);
        *out = wrap(std::move(result));
    });
}

int sl_bgr_to_rgb(const sl_mat* mat, sl_mat** out) {
    return guard([&] {
        require(out != nullptr, "out is null");
        *out = nullptr;
        const cv::Mat& m = mat_of(mat, "image");
        require(m.type() == CV_8UC3, "BGR to RGB needs an 8-bit three-channel image");
        cv::Mat result;
        cv::cvtColor(m, result, cv::COLOR_BGR2RGB);
        *out = wrap(std::move(result));
    });
}

int sl_fill_polygons(int rows, int cols, const int32_t* xy, const int32_t* counts, int polygon_count, uint8_t value, sl_mat** out) {
    return guard([&] {
        require(out != nullptr, "out is null");
        *out = nullptr;
        require(rows > 0 && cols > 0, "mask rows and cols must be positive");
        require(polygon_count >= 0 && (polygon_count == 0 || (xy != nullptr && counts != nullptr)), "polygons are null");
        std::vector<std::vector<cv::Point>> polygons(static_cast<size_t>(polygon_count));
        size_t at = 0;
        for (int i = 0; i < polygon_count; ++i) {
            require(counts[i] >= 0, "a polygon has a negative point count");
            polygons[size_t(i)].reserve(size_t(counts[i]));
            for (int k = 0; k < counts[i]; ++k, at += 2) polygons[size_t(i)].emplace_back(xy[at], xy[at + 1]);
        }
        cv::Mat mask = cv::Mat::zeros(rows, cols, CV_8UC1);
        if (polygon_count > 0) cv::fillPoly(mask, polygons, cv::Scalar(value), cv::LINE_8);
        *out = wrap(std::move(mask));
    });
}

int sl_find_polygons(const sl_mat* mask, double epsilon, sl_contours** out) {
    return guard([&] {
        require(out != nullptr, "out is null");
        *out = nullptr;
        require(epsilon >= 0, "epsilon must not be negative");
        cv::Mat bin = binary_of(mask);
        std::vector<std::vector<cv::Point>> found;
        std::vector<cv::Vec4i> hierarchy;
        cv::findContours(bin, found, hierarchy, cv::RETR_CCOMP, cv::CHAIN_APPROX_SIMPLE);
        auto result = std::make_unique<sl_contours>();
        result->rings.resize(found.size());
        result->parents.resize(found.size());
        for (size_t i = 0; i < found.size(); ++i) {
            if (epsilon > 0) cv::approxPolyDP(found[i], result->rings[i], epsilon, true);
            else result->rings[i] = std::move(found[i]);
            result->parents[i] = hierarchy[i][3];
        }
        *out = result.release();
    });
}

int sl_contours_count(const sl_contours* contours, int* count) {
    return guard([&] {
        require(contours != nullptr && count != nullptr, "argument is null");
        *count = int(contours->rings.size());
    });
}

int sl_contours_get(const sl_contours* contours, int index, const int32_t** xy, int* point_count, int* parent) {
    static_assert(sizeof(cv::Point) == 2 * sizeof(int32_t), "cv::Point is two ints");
    return guard([&] {
        require(contours != nullptr && xy != nullptr && point_count != nullptr && parent != nullptr, "argument is null");
        require(index >= 0 && size_t(index) < contours->rings.size(), "contour index out of range");
        const auto& ring = contours->rings[size_t(index)];
        *xy = reinterpret_cast<const int32_t*>(ring.data());
        *point_count = int(ring.size());
        *parent = contours->parents[size_t(index)];
    });
}

void sl_contours_release(sl_contours* contours) { delete contours; }

int sl_morph(const sl_mat* mask, int erode, int radius, sl_mat** out) {
    return guard([&] {
        require(out != nullptr, "out is null");
        *out = nullptr;
        require(radius >= 0, "radius must not be negative");
        cv::Mat bin = binary_of(mask);
        if (radius > 0) {
            const cv::Mat kernel = cv::getStructuringElement(cv::MORPH_ELLIPSE, cv::Size(2 * radius + 1, 2 * radius + 1));
            cv::Mat result;
            if (erode) cv::erode(bin, result, kernel);
            else cv::dilate(bin, result, kernel);
            bin = result;
        }
        *out = wrap(std::move(bin));
    });
}

int sl_boundary(const sl_mat* mask, sl_mat** out) {
    return guard([&] {
        require(out != nullptr, "out is null");
        *out = nullptr;
        cv::Mat bin = binary_of(mask);
        cv::Mat eroded, result;
        // Outside the image counts as background, so an object touching the edge keeps its outline there.
        cv::erode(bin, eroded, cv::getStructuringElement(cv::MORPH_RECT, cv::Size(3, 3)), cv::Point(-1, -1), 1,
                  cv::BORDER_CONSTANT, cv::Scalar(0));
        cv::bitwise_xor(bin, eroded, result);
        *out = wrap(std::move(result));
    });
}

int sl_connected_components(const sl_mat* mask, int connectivity, sl_mat** labels, sl_mat** stats, int* count) {
    return guard([&] {
        require(labels != nullptr && stats != nullptr && count != nullptr, "out is null");
        *labels = nullptr;
        *stats = nullptr;
        *count = 0;
        require(connectivity == 4 || connectivity == 8, "connectivity must be 4 or 8");
        const cv::Mat& m = mat_of(mask, "mask");
        require(m.type() == CV_8UC1, "mask must be single-channel 8-bit (CV_8UC1)");
        cv::Mat label_mat;
        const int n = cv::connectedComponents(m, label_mat, connectivity, CV_32S);  // any non-zero is foreground
        // The stats in one plain pass: OpenCV's connectedComponentsWithStats takes 2.5 times as long as the labelling
        // alone on crop-sized masks (132 against 52 us on 13,000 pixels), this pass adds about 25.
        std::vector<int> left(n, INT32_MAX), top(n, INT32_MAX), right(n, -1), bottom(n, -1), area(n, 0);
        for (int y = 0; y < label_mat.rows; ++y) {
            const int* row = label_mat.ptr<int>(y);
            for (int x = 0; x < label_mat.cols; ++x) {
                const int l = row[x];
                left[l] = std::min(left[l], x);
                right[l] = std::max(right[l], x);
                top[l] = std::min(top[l], y);
                bottom[l] = std::max(bottom[l], y);
                ++area[l];
            }
        }
        cv::Mat stats_mat(n, 5, CV_32S, cv::Scalar(0));
        for (int l = 0; l < n; ++l) {
            if (area[l] == 0) continue;  // only the background of a full mask
            int* s = stats_mat.ptr<int>(l);
            s[0] = left[l];
            s[1] = top[l];
            s[2] = right[l] - left[l] + 1;
            s[3] = bottom[l] - top[l] + 1;
            s[4] = area[l];
        }
        std::unique_ptr<sl_mat> l(wrap(std::move(label_mat)));
        std::unique_ptr<sl_mat> s(wrap(std::move(stats_mat)));
        *labels = l.release();
        *stats = s.release();
        *count = n;
    });
}

int sl_grabcut(const sl_mat* image, const sl_mat* seeds, int x, int y, int width, int height, int iterations, sl_mat** out) {
    return guard([&] {
        require(out != nullptr, "out is null");
        *out = nullptr;
        require(iterations > 0, "iterations must be positive");
        const cv::Mat& img = mat_of(image, "image");
        require(img.type() == CV_8UC3, "GrabCut needs an 8-bit three-channel (BGR) image");
        const cv::Rect rect = cv::Rect(x, y, width, height) & cv::Rect(0, 0, img.cols, img.rows);
        require(rect.area() > 0, "GrabCut rectangle does not overlap the image");
        cv::Mat gc, bgd_model, fgd_model;
        if (seeds == nullptr) {
            require(rect.area() < int64_t(img.cols) * img.rows, "GrabCut rectangle covers the whole image: no background to learn from");
            cv::grabCut(img, gc, rect, bgd_model, fgd_model, iterations, cv::GC_INIT_WITH_RECT);
        } else {
            const cv::Mat& s = mat_of(seeds, "seeds");
            require(s.type() == CV_8UC1 && s.rows == img.rows && s.cols == img.cols, "seeds must be an 8-bit mask the size of the image");
            double max_value = 0;
            cv::minMaxLoc(s, nullptr, &max_value);
            require(max_value <= cv::GC_PR_FGD, "seed values must be 0 (background), 1 (foreground), 2 (probable background) or 3 (probable foreground)");
            gc = cv::Mat(img.size(), CV_8UC1, cv::Scalar(cv::GC_BGD));
            s(rect).copyTo(gc(rect));
            cv::Mat fg = (gc & 1), bg = (gc & 1) == 0;
            require(cv::countNonZero(fg) > 0 && cv::countNonZero(bg) > 0, "seeds must mark both some foreground and some background");
            cv::grabCut(img, gc, rect, bgd_model, fgd_model, iterations, cv::GC_INIT_WITH_MASK);
        }
        cv::Mat result = gc & 1;  // GC_FGD (1) and GC_PR_FGD (3) are the odd labels
        *out = wrap(std::move(result));
    });
}

}  // extern "C"
