// The video formats behind open_video (render/video.hpp): one factory per file format. Internal to
// rlforge_render_video; each factory gets arguments open_video has already checked.
#pragma once
#include <memory>
#include <string>

#include "render/video.hpp"

namespace rlforge::render::detail {

// Checked arguments of open_video.
struct VideoTarget {
  std::string path;
  int width, height;
  double fps;
  bool overwrite;
};

// Throws UnsupportedRender (naming what to install) when the format cannot be written by this
// build; called before anything is created.
void require_gif_support();
void require_mp4_support();

std::unique_ptr<VideoWriter> open_gif(const VideoTarget& target);
std::unique_ptr<VideoWriter> open_mp4(const VideoTarget& target);

}  // namespace rlforge::render::detail
