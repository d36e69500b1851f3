// Placeholder entry point; replaced by the real command-line wiring.
int main() { return 2; }
