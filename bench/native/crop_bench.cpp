// Baseline for the vision-crop benchmark: the same work as the managed side, OpenCV called directly from C++
// (Debian's OpenCV, built by scripts/bench.sh into bench/native/build/).
// For every *.jpg in DIR (read into memory first): decode (colour) -> copy the central half -> encode PNG.
// usage: crop_bench DIR [warmup_passes=2] [timed_passes=5] [png_compression=1]
// prints one line: "opencv images=N passes=P seconds=S images_per_s=R cpu_seconds=C cpu_images_per_s=RC png_bytes=B"
// (png_bytes: the encoded bytes of one pass; cpu_*: process CPU time, less sensitive to a busy machine)
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>

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
    auto pass = [&] {
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
    for (int i = 0; i < warmup; ++i) pass();
    checksum = 0;
    const std::clock_t cpu_start = std::clock();
    const auto start = std::chrono::steady_clock::now();
    for (int i = 0; i < passes; ++i) pass();
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    const double cpu_seconds = double(std::clock() - cpu_start) / CLOCKS_PER_SEC;
    const double images = double(files.size()) * passes;
    std::printf("opencv images=%zu passes=%d seconds=%.3f images_per_s=%.2f cpu_seconds=%.3f cpu_images_per_s=%.2f png_bytes=%zu\n",
                files.size(), passes, seconds, images / seconds, cpu_seconds, images / cpu_seconds, checksum / size_t(passes));
    return 0;
}
