/** @type {import('next').NextConfig} */
const nextConfig = {
  poweredByHeader: false,
  // Native or WASM packages that must be loaded by Node, not bundled.
  serverExternalPackages: [
    "ssh2",
    "cpu-features",
    "argon2",
    "pg",
    "@electric-sql/pglite",
    "pglite-prisma-adapter",
    "@prisma/adapter-pg",
  ],
  experimental: {
    serverActions: { bodySizeLimit: "1mb" },
    // forbidden() renders app/forbidden.tsx with HTTP 403.
    authInterrupts: true,
  },
};

export default nextConfig;
