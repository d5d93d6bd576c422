// decode_gif / decode_mp4: giflib's record reader and libavcodec's decoder, for tests/ only.
#include "tests/video_decode.hpp"

extern "C" {
#include <gif_lib.h>
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/pixdesc.h>
#include <libswscale/swscale.h>
}

#include <cstring>
#include <memory>
#include <stdexcept>

namespace rlforge::test {

namespace {

[[noreturn]] void fail(const std::string& path, const std::string& what) {
  throw std::runtime_error("cannot read video '" + path + "': " + what);
}

std::string gif_error(int code) {
  const char* s = GifErrorString(code);
  return s ? s : "giflib error " + std::to_string(code);
}

}  // namespace

// Record by record (not DGifSlurp, which holds every frame): a long GIF is probed in little memory.
DecodedVideo decode_gif(const std::string& path, bool keep_pixels) {
  int err = 0;
  std::unique_ptr<GifFileType, void (*)(GifFileType*)> gif(
      DGifOpenFileName(path.c_str(), &err), [](GifFileType* g) { DGifCloseFile(g, nullptr); });
  if (!gif) fail(path, gif_error(err));
  auto check = [&](int rc) {
    if (rc != GIF_OK) fail(path, gif_error(gif->Error));
  };
  DecodedVideo v;
  v.codec = "gif", v.pix_fmt = "pal8";
  v.width = gif->SWidth, v.height = gif->SHeight;
  std::vector<std::uint8_t> canvas(std::size_t(v.width) * v.height * 3, 0);
  std::vector<GifPixelType> line;
  GraphicsControlBlock gcb{};  // of the next image
  gcb.TransparentColor = NO_TRANSPARENT_COLOR;
  for (;;) {
    GifRecordType type;
    check(DGifGetRecordType(gif.get(), &type));
    if (type == TERMINATE_RECORD_TYPE) break;
    if (type == EXTENSION_RECORD_TYPE) {
      int code = 0;
      GifByteType* ext = nullptr;
      check(DGifGetExtension(gif.get(), &code, &ext));
      if (code == GRAPHICS_EXT_FUNC_CODE && ext != nullptr) check(DGifExtensionToGCB(ext[0], ext + 1, &gcb));
      const bool netscape = code == APPLICATION_EXT_FUNC_CODE && ext != nullptr && ext[0] == 11 &&
                            std::memcmp(ext + 1, "NETSCAPE2.0", 11) == 0;
      for (;;) {
        check(DGifGetExtensionNext(gif.get(), &ext));
        if (ext == nullptr) break;
        if (netscape && ext[0] >= 3 && ext[1] == 1) v.loop_count = ext[2] | (ext[3] << 8);
      }
      continue;
    }
    if (type != IMAGE_DESC_RECORD_TYPE) continue;
    check(DGifGetImageDesc(gif.get()));
    const GifImageDesc& d = gif->Image;
    v.images.push_back({d.Left, d.Top, d.Width, d.Height, gcb.DelayTime, gcb.DisposalMode, gcb.TransparentColor});
    v.duration_s += gcb.DelayTime / 100.0;
    ++v.frames;
    const int transparent = gcb.TransparentColor;
    gcb = GraphicsControlBlock{};
    gcb.TransparentColor = NO_TRANSPARENT_COLOR;
    if (!keep_pixels) {  // skip the LZW data
      int code_size = 0;
      GifByteType* block = nullptr;
      check(DGifGetCode(gif.get(), &code_size, &block));
      while (block != nullptr) check(DGifGetCodeNext(gif.get(), &block));
      continue;
    }
    const ColorMapObject* map = d.ColorMap ? d.ColorMap : gif->SColorMap;
    if (map == nullptr) fail(path, "frame " + std::to_string(v.frames - 1) + " has no colour table");
    if (d.Left + d.Width > v.width || d.Top + d.Height > v.height || d.Interlace)
      fail(path, "frame " + std::to_string(v.frames - 1) + " lies outside the screen or is interlaced");
    line.resize(std::size_t(d.Width));
    for (int y = 0; y < d.Height; ++y) {
      check(DGifGetLine(gif.get(), line.data(), d.Width));
      for (int x = 0; x < d.Width; ++x) {
        const int idx = line[x];
        if (idx == transparent) continue;
        if (idx >= map->ColorCount) fail(path, "index outside the colour table");
        std::uint8_t* p = &canvas[(std::size_t(d.Top + y) * v.width + d.Left + x) * 3];
        p[0] = map->Colors[idx].Red, p[1] = map->Colors[idx].Green, p[2] = map->Colors[idx].Blue;
      }
    }
    v.rgb.push_back(canvas);
  }
  return v;
}

DecodedVideo decode_mp4(const std::string& path, bool keep_pixels) {
  AVFormatContext* raw = nullptr;
  if (avformat_open_input(&raw, path.c_str(), nullptr, nullptr) < 0) fail(path, "not a media file");
  std::unique_ptr<AVFormatContext, void (*)(AVFormatContext*)> fmt(
      raw, [](AVFormatContext* f) { avformat_close_input(&f); });
  if (avformat_find_stream_info(fmt.get(), nullptr) < 0) fail(path, "no stream info");
  const int si = av_find_best_stream(fmt.get(), AVMEDIA_TYPE_VIDEO, -1, -1, nullptr, 0);
  if (si < 0) fail(path, "no video stream");
  const AVStream* st = fmt->streams[si];
  const AVCodecParameters* par = st->codecpar;
  DecodedVideo v;
  v.codec = avcodec_get_name(par->codec_id);
  const char* pf = av_get_pix_fmt_name(static_cast<AVPixelFormat>(par->format));
  v.pix_fmt = pf ? pf : "?";
  const char* cs = av_color_space_name(par->color_space);
  v.color_space = cs ? cs : "?";
  v.width = par->width, v.height = par->height;
  v.duration_s = st->duration > 0 ? st->duration * av_q2d(st->time_base) : 0.0;

  const AVCodec* dec = avcodec_find_decoder(par->codec_id);
  if (dec == nullptr) fail(path, "no decoder for " + v.codec);
  std::unique_ptr<AVCodecContext, void (*)(AVCodecContext*)> ctx(
      avcodec_alloc_context3(dec), [](AVCodecContext* c) { avcodec_free_context(&c); });
  avcodec_parameters_to_context(ctx.get(), par);
  if (avcodec_open2(ctx.get(), dec, nullptr) < 0) fail(path, "cannot open the decoder");
  std::unique_ptr<AVPacket, void (*)(AVPacket*)> pkt(av_packet_alloc(), [](AVPacket* p) { av_packet_free(&p); });
  std::unique_ptr<AVFrame, void (*)(AVFrame*)> frame(av_frame_alloc(), [](AVFrame* f) { av_frame_free(&f); });
  SwsContext* sws = nullptr;
  auto receive = [&]() {
    while (avcodec_receive_frame(ctx.get(), frame.get()) == 0) {
      ++v.frames;
      if (!keep_pixels) continue;
      sws = sws_getCachedContext(sws, frame->width, frame->height, static_cast<AVPixelFormat>(frame->format),
                                 frame->width, frame->height, AV_PIX_FMT_RGB24,
                                 SWS_POINT | SWS_ACCURATE_RND | SWS_FULL_CHR_H_INT, nullptr, nullptr, nullptr);
      // YCbCr BT.709 limited range in, full-range RGB out.
      sws_setColorspaceDetails(sws, sws_getCoefficients(SWS_CS_ITU709), 0,
                               sws_getCoefficients(SWS_CS_ITU709), 1, 0, 1 << 16, 1 << 16);
      std::vector<std::uint8_t> rgb(std::size_t(frame->width) * frame->height * 3);
      std::uint8_t* dst[1] = {rgb.data()};
      const int dst_stride[1] = {frame->width * 3};
      sws_scale(sws, frame->data, frame->linesize, 0, frame->height, dst, dst_stride);
      v.rgb.push_back(std::move(rgb));
    }
  };
  while (av_read_frame(fmt.get(), pkt.get()) >= 0) {
    if (pkt->stream_index == si) avcodec_send_packet(ctx.get(), pkt.get());
    av_packet_unref(pkt.get());
    receive();
  }
  avcodec_send_packet(ctx.get(), nullptr);
  receive();
  sws_freeContext(sws);
  return v;
}

DecodedVideo decode_video(const std::string& path, bool keep_pixels) {
  const auto ends = [&](const char* ext) {
    const std::size_t n = std::strlen(ext);
    return path.size() >= n && path.compare(path.size() - n, n, ext) == 0;
  };
  if (ends(".gif") || ends(".GIF")) return decode_gif(path, keep_pixels);
  if (ends(".mp4") || ends(".MP4")) return decode_mp4(path, keep_pixels);
  throw std::runtime_error("cannot read video '" + path + "': not a .gif or .mp4 name");
}

}  // namespace rlforge::test
