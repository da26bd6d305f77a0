import { defineConfig } from "prisma/config";

// Only `prisma generate` is used from the Prisma CLI: migrations are applied by
// scripts/migrate.ts (see README), because the native schema engine cannot be
// downloaded on offline machines.
export default defineConfig({
  schema: "prisma/schema.prisma",
  migrations: { path: "prisma/migrations" },
});
