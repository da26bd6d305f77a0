/**
 * Sent with every response. The requirement is frame-ancestors 'none' (with
 * X-Frame-Options for older browsers): no other site may frame virtdeck, so no
 * click-jacking of consoles, share links or admin pages. The policy sets no
 * script-src/style-src: noVNC, spice-html5 and xterm.js run as they are.
 */
const securityHeaders = [
  {
    key: "Content-Security-Policy",
    value: "frame-ancestors 'none'; base-uri 'self'; form-action 'self'; object-src 'none'",
  },
  { key: "X-Frame-Options", value: "DENY" },
  { key: "X-Content-Type-Options", value: "nosniff" },
  // Share links carry their secret in the path: never hand it to another site.
  { key: "Referrer-Policy", value: "same-origin" },
];

/** @type {import('next').NextConfig} */
const nextConfig = {
  poweredByHeader: false,
  async headers() {
    return [{ source: "/:path*", headers: securityHeaders }];
  },
  // Native or WASM packages that must be loaded by Node, not bundled.
  serverExternalPackages: [
    "ssh2",
    "cpu-features",
    "argon2",
    "pg",
    "@electric-sql/pglite",
    "pglite-prisma-adapter",
    "@prisma/adapter-pg",
    "pino",
  ],
  experimental: {
    serverActions: { bodySizeLimit: "1mb" },
    // forbidden() renders app/forbidden.tsx with HTTP 403.
    authInterrupts: true,
  },
};

export default nextConfig;
