// Baseline for the vision-crop benchmark: the same work as the managed side, OpenCV called directly.
// For every *.jpg in DIR (read into memory first): decode (colour) -> copy the central half -> encode PNG.
// usage: crop_bench DIR [warmup_passes=2] [timed_passes=5] [png_compression=1]
// prints one line: "native images=N passes=P seconds=S images_per_s=R"
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
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
    const auto start = std::chrono::steady_clock::now();
    for (int i = 0; i < passes; ++i) pass();
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    const double rate = double(files.size()) * passes / seconds;
    std::printf("native images=%zu passes=%d seconds=%.3f images_per_s=%.2f png_bytes=%zu\n", files.size(), passes, seconds,
                rate, checksum);
    return 0;
}
