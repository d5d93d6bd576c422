"""rlforge's Python exceptions: one per C++ error type, each also a builtin/gymnasium class."""

from __future__ import annotations

import gymnasium


class Error(RuntimeError):
    """Base of rlforge errors that have no more specific class (C++ rlforge::Error)."""


class InvalidArgument(ValueError):
    """A value outside what an API accepts: bad kwarg, shape, seed (C++ InvalidArgument)."""


class InvalidAction(InvalidArgument):
    """An action outside the action space; the message names the env, the value and the space."""


class ConfigError(ValueError):
    """Malformed JSON kwargs/options or a config file (C++ ConfigError)."""


class NameNotFound(gymnasium.error.NameNotFound, LookupError):
    """An unknown env id; the message lists close matches (C++ NotFound)."""


class ResetNeeded(gymnasium.error.ResetNeeded, RuntimeError):
    """step() before reset() or after the episode ended (C++ StateError)."""


class UnsupportedMode(gymnasium.error.UnsupportedMode, TypeError):
    """A render mode rlforge cannot provide. A TypeError, as for an unexpected keyword: tools
    that ask for ``render_mode="rgb_array"`` and fall back on TypeError (stable-baselines3's
    ``make_vec_env``) then make the env without rendering."""


# The classes the extension raises for each C++ error type.
CPP_ERROR_TYPES = {
    "InvalidAction": InvalidAction,
    "InvalidArgument": InvalidArgument,
    "ConfigError": ConfigError,
    "NotFound": NameNotFound,
    "StateError": ResetNeeded,
    "UnsupportedRender": UnsupportedMode,
    "Error": Error,
}
