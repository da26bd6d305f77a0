-- CreateEnum
CREATE TYPE "ConsoleKind" AS ENUM ('vnc', 'spice', 'serial');

-- CreateTable
CREATE TABLE "ConsoleTicket" (
    "id" TEXT NOT NULL,
    "userId" UUID NOT NULL,
    "sessionId" TEXT NOT NULL,
    "hostId" UUID NOT NULL,
    "vmUuid" TEXT NOT NULL,
    "kind" "ConsoleKind" NOT NULL,
    "viewOnly" BOOLEAN NOT NULL DEFAULT false,
    "takeover" BOOLEAN NOT NULL DEFAULT false,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expiresAt" TIMESTAMPTZ(3) NOT NULL,
    "usedAt" TIMESTAMPTZ(3),

    CONSTRAINT "ConsoleTicket_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ConsoleSession" (
    "id" UUID NOT NULL,
    "userId" UUID NOT NULL,
    "username" TEXT NOT NULL,
    "sessionId" TEXT NOT NULL,
    "hostId" UUID NOT NULL,
    "vmUuid" TEXT NOT NULL,
    "vmName" TEXT NOT NULL DEFAULT '',
    "kind" "ConsoleKind" NOT NULL,
    "viewOnly" BOOLEAN NOT NULL DEFAULT false,
    "startedAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lastSeenAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "endedAt" TIMESTAMPTZ(3),
    "closeRequest" TEXT,
    "closeReason" TEXT NOT NULL DEFAULT '',
    "bytesIn" BIGINT NOT NULL DEFAULT 0,
    "bytesOut" BIGINT NOT NULL DEFAULT 0,

    CONSTRAINT "ConsoleSession_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "ConsoleTicket_expiresAt_idx" ON "ConsoleTicket"("expiresAt");

-- CreateIndex
CREATE INDEX "ConsoleSession_hostId_vmUuid_endedAt_idx" ON "ConsoleSession"("hostId", "vmUuid", "endedAt");

-- CreateIndex
CREATE INDEX "ConsoleSession_endedAt_idx" ON "ConsoleSession"("endedAt");
