"""Example C++ env modules built with rlforge (see bindings/examples/)."""
