// Error types thrown by rlforge: each message names the value, what was expected, and where.
#pragma once
#include <stdexcept>
#include <string>

namespace rlforge {

// Base of every rlforge exception; catch this to catch them all.
struct Error : std::runtime_error {
  using std::runtime_error::runtime_error;
};
// A value outside what an API accepts (bad shape, out-of-range number, unknown kwarg).
struct InvalidArgument : Error {
  using Error::Error;
};
// An action that is not an element of the env's action space (also wrong dtype/shape, NaN).
struct InvalidAction : InvalidArgument {
  using InvalidArgument::InvalidArgument;
};
// A call made in the wrong state (step before reset, step after the episode ended).
struct StateError : Error {
  using Error::Error;
};
// A lookup that found nothing (unknown env id); the message lists close matches.
struct NotFound : Error {
  using Error::Error;
};
// Rendering asked of an env that cannot (no draw(Frame&)), or a backend that is missing
// (no display, no codec): the message says what to do instead.
struct UnsupportedRender : Error {
  using Error::Error;
};
// A config or data file that cannot be read: names the file and the key path.
struct ConfigError : Error {
  using Error::Error;
};

}  // namespace rlforge
