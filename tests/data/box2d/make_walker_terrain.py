"""Writes walker_terrain.txt: gymnasium 1.4's BipedalWalker terrain and clouds for a few numpy
seeds, with the draws that made them, for tests/test_box2d_walker.cpp (our generator fed the
same draws must give the same numbers, bit for bit).

Run from the repository root with the test venv: .venv/bin/python tests/data/box2d/make_walker_terrain.py
Format, one case per block, every number a Python repr (exact doubles):
  case <hardcore 0|1> <n_draws> / draws / 200 terrain y / <n_obstacles> / 8 numbers each (x, y
  of 4 vertices, gymnasium's order) / 10 clouds x 10 numbers (5 vertices) then x1 x2."""
import types
from pathlib import Path

import numpy as np
from gymnasium.envs.box2d.bipedal_walker import BipedalWalker


class Recorder:
    """numpy's Generator, keeping every value it hands out, in order."""

    def __init__(self, seed):
        self.g = np.random.default_rng(seed)
        self.values = []

    def uniform(self, low=0.0, high=1.0, size=None):
        assert size is None
        v = float(self.g.uniform(low, high))
        self.values.append(v)
        return v

    def integers(self, low, high=None, size=None):
        assert size is None
        v = self.g.integers(low, high)
        self.values.append(float(v))
        return v

    def random(self, size=None):
        assert size is None
        v = float(self.g.random())
        self.values.append(v)
        return v


class FakeWorld:
    """Collects the vertex lists gymnasium hands to Box2D, before Box2D rounds them to float32."""

    def __init__(self):
        self.polys = []

    def CreateStaticBody(self, fixtures):
        self.polys.append([tuple(map(float, p)) for p in fixtures.shape.vertices])
        return types.SimpleNamespace()


def case(seed, hardcore):
    env = BipedalWalker(hardcore=hardcore)
    rec = Recorder(seed)
    env.np_random = rec
    env.world = FakeWorld()
    shape = types.SimpleNamespace(vertices=None)
    env.fd_polygon = types.SimpleNamespace(shape=shape)
    env.fd_edge = types.SimpleNamespace(shape=types.SimpleNamespace(vertices=None))
    env._generate_terrain(hardcore)
    env._generate_clouds()
    obstacles = [p for p in env.world.polys if len(p) == 4]
    lines = [f"case {int(hardcore)} {len(rec.values)}", " ".join(map(repr, rec.values)),
             " ".join(repr(float(y)) for y in env.terrain_y), str(len(obstacles))]
    lines += [" ".join(repr(c) for p in poly for c in p) for poly in obstacles]
    for poly, x1, x2 in env.cloud_poly:
        lines.append(" ".join(repr(float(c)) for p in poly for c in p) + f" {x1!r} {x2!r}")
    return lines


if __name__ == "__main__":
    out = []
    for seed in range(3):
        out += case(seed, False)
    for seed in range(6):
        out += case(100 + seed, True)
    Path(__file__).with_name("walker_terrain.txt").write_text("\n".join(out) + "\n")
