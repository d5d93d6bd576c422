// Mp4Writer: H.264 (libx264) in an MP4 (libavformat), written through a custom AVIOContext into an
// AtomicFile; the muxer seeks back for its index and, for faststart, re-reads the temporary.
extern "C" {
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/cpu.h>
#include <libavutil/log.h>
}

#include <algorithm>
#include <exception>
#include <mutex>
#include <string>
#include <utility>

#include "core/atomic_file.hpp"
#include "core/error.hpp"
#include "render/video_formats.hpp"
#include "render/video_yuv.hpp"

namespace rlforge::render::detail {

namespace {

std::string av_error(int code) {
  char buf[AV_ERROR_MAX_STRING_SIZE] = {};
  av_strerror(code, buf, sizeof buf);
  return buf;
}

// libx264 (crf, preset options known here); another H.264 encoder only where libx264 is absent.
const AVCodec* h264_encoder() {
  const AVCodec* c = avcodec_find_encoder_by_name("libx264");
  return c != nullptr ? c : avcodec_find_encoder(AV_CODEC_ID_H264);
}

// x264's CPU names for this CPU's instruction sets, AVX-512 left out. x264 (core 164) encodes the
// same frames to different bytes from run to run on its AVX-512 paths (they depend on heap
// contents: seen on this project's Xeons); up to AVX2 its output is the same every time. Only
// called on CPUs with AVX-512, all of which also have LZCNT (which libavutil does not report).
std::string x264_asm_without_avx512() {
  static const std::pair<int, const char*> sets[] = {
      {AV_CPU_FLAG_MMXEXT, "MMX2"}, {AV_CPU_FLAG_SSE, "SSE"},     {AV_CPU_FLAG_SSE2, "SSE2"},
      {AV_CPU_FLAG_SSE3, "SSE3"},   {AV_CPU_FLAG_SSSE3, "SSSE3"}, {AV_CPU_FLAG_SSE4, "SSE4.1"},
      {AV_CPU_FLAG_SSE42, "SSE4.2"}, {AV_CPU_FLAG_AVX, "AVX"},    {AV_CPU_FLAG_XOP, "XOP"},
      {AV_CPU_FLAG_FMA4, "FMA4"},   {AV_CPU_FLAG_FMA3, "FMA3"},   {AV_CPU_FLAG_AVX2, "AVX2"},
      {AV_CPU_FLAG_BMI1, "BMI1"},   {AV_CPU_FLAG_BMI2, "BMI2"}};
  const int have = av_get_cpu_flags();
  std::string names = "LZCNT";
  for (const auto& [flag, name] : sets)
    if (have & flag) names += std::string(",") + name;
  return names;
}

struct FormatFree {
  void operator()(AVFormatContext* f) const {
    if (f->pb != nullptr) {
      av_freep(&f->pb->buffer);
      avio_context_free(&f->pb);
    }
    avformat_free_context(f);
  }
};
struct CodecFree {
  void operator()(AVCodecContext* c) const { avcodec_free_context(&c); }
};
struct FrameFree {
  void operator()(AVFrame* f) const { av_frame_free(&f); }
};
struct PacketFree {
  void operator()(AVPacket* p) const { av_packet_free(&p); }
};

#if LIBAVFORMAT_VERSION_MAJOR >= 61
using WriteBuf = const std::uint8_t*;  // FFmpeg 7 made the write callback's buffer const
#else
using WriteBuf = std::uint8_t*;
#endif

class Mp4Writer final : public VideoWriter {
 public:
  explicit Mp4Writer(const VideoTarget& t)
      : VideoWriter(t.path, t.width, t.height, t.fps), overwrite_(t.overwrite), file_(t.path) {
    quiet_libav();
    const AVCodec* codec = h264_encoder();
    AVFormatContext* f = nullptr;
    check(avformat_alloc_output_context2(&f, nullptr, "mp4", nullptr), "no mp4 muxer");
    format_.reset(f);
    // faststart re-opens the output by name to read it back: that name is our temporary, with
    // "file:" so that a name like "a:b.mp4" is not taken for a protocol "a".
    f->url = av_strdup(("file:" + file_.temp_path()).c_str());
    constexpr int kIoBuffer = 1 << 16;
    auto* buf = static_cast<std::uint8_t*>(av_malloc(kIoBuffer));
    f->pb = avio_alloc_context(buf, kIoBuffer, 1, this, nullptr, &Mp4Writer::io_write, &Mp4Writer::io_seek);
    if (f->url == nullptr || buf == nullptr || f->pb == nullptr) {
      if (f->pb == nullptr) av_free(buf);
      throw Error("cannot write MP4 '" + path() + "': out of memory");
    }
    f->flags |= AVFMT_FLAG_CUSTOM_IO | AVFMT_FLAG_BITEXACT;  // no version strings: same bytes
    AVStream* stream = avformat_new_stream(f, nullptr);
    codec_.reset(avcodec_alloc_context3(codec));
    frame_.reset(av_frame_alloc());
    packet_.reset(av_packet_alloc());
    if (stream == nullptr || !codec_ || !frame_ || !packet_)
      throw Error("cannot write MP4 '" + path() + "': out of memory");

    AVCodecContext* c = codec_.get();
    c->width = t.width + t.width % 2;  // 4:2:0 needs even sizes: rgb_to_yuv420 pads
    c->height = t.height + t.height % 2;
    c->pix_fmt = AV_PIX_FMT_YUV420P;
    const AVRational rate = av_d2q(t.fps, 100000);  // 29.97 -> 2997/100; 30 -> 30/1
    c->framerate = rate;
    c->time_base = av_inv_q(rate);  // one tick a frame
    c->sample_aspect_ratio = AVRational{1, 1};
    c->color_primaries = AVCOL_PRI_BT709;
    c->color_trc = AVCOL_TRC_BT709;
    c->colorspace = AVCOL_SPC_BT709;
    c->color_range = AVCOL_RANGE_MPEG;
    c->thread_count = 1;  // one thread: x264's output is then the same on every run
    c->flags |= AV_CODEC_FLAG_BITEXACT;
    if (f->oformat->flags & AVFMT_GLOBALHEADER) c->flags |= AV_CODEC_FLAG_GLOBAL_HEADER;
    AVDictionary* opts = nullptr;
    // crf 20: flat colours and thin edges stay clean (x264's default 23 smears them a little);
    // preset fast: about twice medium's speed, a few percent larger files.
    av_dict_set(&opts, "crf", "20", 0);
    av_dict_set(&opts, "preset", "fast", 0);
    if (std::string(codec->name) == "libx264" && (av_get_cpu_flags() & AV_CPU_FLAG_AVX512))
      av_dict_set(&opts, "x264-params", ("asm=" + x264_asm_without_avx512()).c_str(), 0);
    const int rc = avcodec_open2(c, codec, &opts);
    av_dict_free(&opts);
    check(rc, std::string("cannot open the H.264 encoder ") + codec->name);
    check(avcodec_parameters_from_context(stream->codecpar, c), "codec parameters");
    stream->time_base = c->time_base;  // a wish: the muxer may pick another, read back below
    stream->avg_frame_rate = rate;

    frame_->format = c->pix_fmt;
    frame_->width = c->width;
    frame_->height = c->height;
    check(av_frame_get_buffer(frame_.get(), 0), "frame buffer");

    AVDictionary* mux = nullptr;
    av_dict_set(&mux, "movflags", "+faststart", 0);  // index first: browsers play while loading
    const int hrc = avformat_write_header(f, &mux);
    av_dict_free(&mux);
    check(hrc, "header");
  }

 private:
  static void quiet_libav() {
    // x264 and the muxer log statistics at "info" level on stderr; keep errors only, unless the
    // program chose a level of its own.
    static std::once_flag once;
    std::call_once(once, [] {
      if (av_log_get_level() == AV_LOG_INFO) av_log_set_level(AV_LOG_ERROR);
    });
  }

  static int io_write(void* opaque, WriteBuf bytes, int n) {
    auto* self = static_cast<Mp4Writer*>(opaque);
    // No exception may cross libavformat's C frames: keep it, report an I/O error, rethrow later.
    try {
      self->file_.write_at(static_cast<std::uint64_t>(self->pos_), bytes, static_cast<std::size_t>(n));
      self->pos_ += n;
      self->size_ = std::max(self->size_, self->pos_);
      return n;
    } catch (...) {
      if (!self->io_error_) self->io_error_ = std::current_exception();
      return AVERROR(EIO);
    }
  }

  static std::int64_t io_seek(void* opaque, std::int64_t offset, int whence) {
    auto* self = static_cast<Mp4Writer*>(opaque);
    switch (whence & ~AVSEEK_FORCE) {
      case AVSEEK_SIZE: return self->size_;
      case SEEK_SET: break;
      case SEEK_CUR: offset += self->pos_; break;
      case SEEK_END: offset += self->size_; break;
      default: return AVERROR(EINVAL);
    }
    if (offset < 0) return AVERROR(EINVAL);
    return self->pos_ = offset;
  }

  void check(int rc, const std::string& what) {
    if (io_error_) std::rethrow_exception(io_error_);
    if (rc < 0) throw Error("cannot write MP4 '" + path() + "': " + what + ": " + av_error(rc));
  }

  // Hands every packet the encoder has ready to the muxer.
  void drain() {
    AVStream* stream = format_->streams[0];
    for (;;) {
      const int rc = avcodec_receive_packet(codec_.get(), packet_.get());
      if (rc == AVERROR(EAGAIN) || rc == AVERROR_EOF) return;
      check(rc, "encoding");
      packet_->duration = 1;  // one tick of the codec's time base: every frame lasts 1/fps
      av_packet_rescale_ts(packet_.get(), codec_->time_base, stream->time_base);
      packet_->stream_index = stream->index;
      check(av_interleaved_write_frame(format_.get(), packet_.get()), "muxing");
    }
  }

  void write_frame(const std::uint8_t* rgb) override {
    check(av_frame_make_writable(frame_.get()), "frame buffer");  // the encoder may hold the last
    rgb_to_yuv420(rgb, width(), height(), frame_->data[0], frame_->linesize[0], frame_->data[1],
                  frame_->linesize[1], frame_->data[2], frame_->linesize[2]);
    frame_->pts = frames();
    check(avcodec_send_frame(codec_.get(), frame_.get()), "encoding");
    drain();
  }

  void finish() override {
    check(avcodec_send_frame(codec_.get(), nullptr), "flushing the encoder");
    drain();
    check(av_write_trailer(format_.get()), "index (moov)");
    avio_flush(format_->pb);
    check(format_->pb->error, "flush");
    file_.commit(overwrite_);
  }

  bool overwrite_;
  AtomicFile file_;  // first, so destroyed last: libav's contexts may flush into it
  std::exception_ptr io_error_;
  std::int64_t pos_ = 0, size_ = 0;  // the muxer's write position and the file's length
  std::unique_ptr<AVFormatContext, FormatFree> format_;
  std::unique_ptr<AVCodecContext, CodecFree> codec_;
  std::unique_ptr<AVFrame, FrameFree> frame_;
  std::unique_ptr<AVPacket, PacketFree> packet_;
};

}  // namespace

void require_mp4_support() {
  if (av_guess_format("mp4", nullptr, nullptr) == nullptr)
    throw UnsupportedRender("this libavformat has no mp4 muxer, so it cannot write .mp4; record a "
                            ".gif instead");
  if (h264_encoder() == nullptr)
    throw UnsupportedRender("this libavcodec has no H.264 encoder (libx264), so it cannot write "
                            ".mp4: install an FFmpeg whose libavcodec has libx264 (Debian's has), or "
                            "record a .gif instead");
}

std::unique_ptr<VideoWriter> open_mp4(const VideoTarget& target) {
  return std::make_unique<Mp4Writer>(target);
}

}  // namespace rlforge::render::detail
