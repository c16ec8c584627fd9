// Baseline for the vision-crop benchmark: the same work as the managed side, OpenCV called directly.
// For every *.jpg in DIR (read into memory first): decode (colour) -> copy the central half -> encode PNG.
// usage: crop_bench DIR [warmup_passes=2] [timed_passes=5] [png_compression=1] [opencv|shim]
// "opencv" (default) calls cv::imdecode / Mat::clone / cv::imencode; "shim" calls the same C API the managed
// side uses (sl_decode / sl_crop / sl_encode_png), which isolates the cost of the .NET binding itself.
// prints one line: "native images=N passes=P seconds=S images_per_s=R cpu_seconds=C cpu_images_per_s=RC png_bytes=B"
// (png_bytes: the encoded bytes of one pass; cpu_*: process CPU time, less sensitive to a busy machine)
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>

#include "../segloop_cv.h"

#include <algorithm>
#include <chrono>
#include <ctime>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <string>
#include <vector>

namespace fs = std::filesystem;

int main(int argc, char** argv) {
    if (argc < 2) {
        std::fprintf(stderr, "usage: %s DIR [warmup_passes] [timed_passes] [png_compression]\n", argv[0]);
        return 2;
    }
    const int warmup = argc > 2 ? std::atoi(argv[2]) : 2;
    const int passes = argc > 3 ? std::atoi(argv[3]) : 5;
    const int compression = argc > 4 ? std::atoi(argv[4]) : 1;
    const std::string mode = argc > 5 ? argv[5] : "opencv";
    if (mode != "opencv" && mode != "shim") {
        std::fprintf(stderr, "mode must be opencv or shim\n");
        return 2;
    }

    std::vector<fs::path> paths;
    for (const auto& entry : fs::directory_iterator(argv[1]))
        if (entry.path().extension() == ".jpg") paths.push_back(entry.path());
    std::sort(paths.begin(), paths.end());
    std::vector<std::vector<uchar>> files;
    for (const auto& p : paths) {
        std::ifstream in(p, std::ios::binary);
        files.emplace_back(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    }
    if (files.empty()) {
        std::fprintf(stderr, "no .jpg files in %s\n", argv[1]);
        return 2;
    }

    const std::vector<int> params{cv::IMWRITE_PNG_COMPRESSION, compression};
    size_t checksum = 0;
    auto check = [](int status) {
        if (status != SL_OK) throw std::runtime_error(sl_last_error());
    };
    auto shim_pass = [&] {
        for (const auto& bytes : files) {
            sl_mat* image = nullptr;
            sl_mat* crop = nullptr;
            uint8_t* png = nullptr;
            size_t length = 0;
            int rows = 0, cols = 0;
            check(sl_decode(bytes.data(), bytes.size(), SL_DECODE_COLOR, 100000000, &image));
            check(sl_mat_info(image, &rows, &cols, nullptr, nullptr, nullptr, nullptr));
            check(sl_crop(image, cols / 4, rows / 4, cols / 2, rows / 2, 0, &crop));
            check(sl_encode_png(crop, compression, &png, &length));
            checksum += length;
            sl_buffer_free(png);
            sl_mat_release(crop);
            sl_mat_release(image);
        }
    };
    auto opencv_pass = [&] {
        for (const auto& bytes : files) {
            const cv::Mat image = cv::imdecode(bytes, cv::IMREAD_COLOR | cv::IMREAD_IGNORE_ORIENTATION);
            if (image.empty()) throw std::runtime_error("decode failed");
            const cv::Rect window(image.cols / 4, image.rows / 4, image.cols / 2, image.rows / 2);
            const cv::Mat crop = image(window).clone();
            std::vector<uchar> png;
            cv::imencode(".png", crop, png, params);
            checksum += png.size();
        }
    };
    auto pass = [&] {
        if (mode == "shim") shim_pass();
        else opencv_pass();
    };
    for (int i = 0; i < warmup; ++i) pass();
    checksum = 0;
    const std::clock_t cpu_start = std::clock();
    const auto start = std::chrono::steady_clock::now();
    for (int i = 0; i < passes; ++i) pass();
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    const double cpu_seconds = double(std::clock() - cpu_start) / CLOCKS_PER_SEC;
    const double images = double(files.size()) * passes;
    std::printf("%s images=%zu passes=%d seconds=%.3f images_per_s=%.2f cpu_seconds=%.3f cpu_images_per_s=%.2f png_bytes=%zu\n",
                mode.c_str(), files.size(), passes, seconds, images / seconds, cpu_seconds, images / cpu_seconds, checksum / size_t(passes));
    return 0;
}
