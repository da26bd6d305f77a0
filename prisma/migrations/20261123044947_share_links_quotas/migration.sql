-- AlterTable
ALTER TABLE "ConsoleSession" ADD COLUMN     "shareLinkId" UUID;

-- AlterTable
ALTER TABLE "ConsoleTicket" ADD COLUMN     "shareLinkId" UUID;

-- AlterTable
ALTER TABLE "SecurityPolicy" ADD COLUMN     "shareLinkMaxHours" INTEGER NOT NULL DEFAULT 24;

-- CreateTable
CREATE TABLE "ShareLink" (
    "id" UUID NOT NULL,
    "tokenHash" TEXT NOT NULL,
    "hostId" UUID NOT NULL,
    "vmUuid" TEXT NOT NULL,
    "vmName" TEXT NOT NULL DEFAULT '',
    "kind" "ConsoleKind" NOT NULL,
    "viewOnly" BOOLEAN NOT NULL DEFAULT false,
    "singleUse" BOOLEAN NOT NULL DEFAULT false,
    "createdById" UUID NOT NULL,
    "createdBy" TEXT NOT NULL DEFAULT '',
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expiresAt" TIMESTAMPTZ(3) NOT NULL,
    "revokedAt" TIMESTAMPTZ(3),
    "revokedById" UUID,
    "uses" INTEGER NOT NULL DEFAULT 0,
    "lastUsedAt" TIMESTAMPTZ(3),

    CONSTRAINT "ShareLink_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Quota" (
    "id" UUID NOT NULL,
    "userId" UUID,
    "groupId" UUID,
    "maxVms" INTEGER,
    "maxVcpus" INTEGER,
    "maxMemoryMiB" INTEGER,
    "maxDiskGiB" INTEGER,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedById" UUID,

    CONSTRAINT "Quota_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "VmOwner" (
    "hostId" UUID NOT NULL,
    "vmUuid" TEXT NOT NULL,
    "userId" UUID NOT NULL,
    "vcpus" INTEGER NOT NULL,
    "memoryMiB" INTEGER NOT NULL,
    "diskGiB" INTEGER NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "VmOwner_pkey" PRIMARY KEY ("hostId","vmUuid")
);

-- CreateIndex
CREATE UNIQUE INDEX "ShareLink_tokenHash_key" ON "ShareLink"("tokenHash");

-- CreateIndex
CREATE INDEX "ShareLink_hostId_vmUuid_idx" ON "ShareLink"("hostId", "vmUuid");

-- CreateIndex
CREATE INDEX "ShareLink_createdById_idx" ON "ShareLink"("createdById");

-- CreateIndex
CREATE UNIQUE INDEX "Quota_userId_key" ON "Quota"("userId");

-- CreateIndex
CREATE UNIQUE INDEX "Quota_groupId_key" ON "Quota"("groupId");

-- CreateIndex
CREATE INDEX "VmOwner_userId_idx" ON "VmOwner"("userId");
