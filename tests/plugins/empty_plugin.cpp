// Test plugin that loads but registers no env (the CLI must say so, naming the file).
extern "C" int rlforge_test_empty_plugin() { return 0; }
