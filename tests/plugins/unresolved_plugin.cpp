// Test plugin that needs a symbol no program provides: dlopen must fail and the CLI must show
// the loader's message (which names the symbol).
extern "C" int rlforge_test_symbol_nobody_defines();
static const int forced = rlforge_test_symbol_nobody_defines();
extern "C" int rlforge_test_unresolved_plugin() { return forced; }
