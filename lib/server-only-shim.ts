// Stand-in for the `server-only` package when code runs under plain Node
// (custom server, scripts, vitest). Next's bundler still enforces the real one.
export {};
