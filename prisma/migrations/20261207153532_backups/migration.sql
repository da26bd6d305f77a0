-- CreateTable
CREATE TABLE "BackupRepository" (
    "id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "hostId" UUID NOT NULL,
    "path" TEXT NOT NULL,
    "createdByName" TEXT NOT NULL DEFAULT '',
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "BackupRepository_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "BackupPoint" (
    "id" UUID NOT NULL,
    "repositoryId" UUID NOT NULL,
    "hostId" UUID NOT NULL,
    "vmUuid" TEXT NOT NULL,
    "vmName" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "parentId" UUID,
    "checkpoint" TEXT,
    "method" TEXT NOT NULL,
    "disks" JSONB NOT NULL,
    "bytes" BIGINT NOT NULL DEFAULT 0,
    "domainXml" TEXT NOT NULL,
    "taskId" UUID,
    "jobId" UUID,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "verifiedAt" TIMESTAMPTZ(3),

    CONSTRAINT "BackupPoint_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "BackupJob" (
    "id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "hostId" UUID NOT NULL,
    "vmUuid" TEXT NOT NULL,
    "repositoryId" UUID NOT NULL,
    "schedule" TEXT,
    "keepDaily" INTEGER NOT NULL DEFAULT 7,
    "keepWeekly" INTEGER NOT NULL DEFAULT 4,
    "keepMonthly" INTEGER NOT NULL DEFAULT 3,
    "enabled" BOOLEAN NOT NULL DEFAULT true,
    "createdByName" TEXT NOT NULL DEFAULT '',
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,
    "lastRunAt" TIMESTAMPTZ(3),

    CONSTRAINT "BackupJob_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "BackupRepository_name_key" ON "BackupRepository"("name");

-- CreateIndex
CREATE UNIQUE INDEX "BackupRepository_hostId_path_key" ON "BackupRepository"("hostId", "path");

-- CreateIndex
CREATE INDEX "BackupPoint_hostId_vmUuid_createdAt_idx" ON "BackupPoint"("hostId", "vmUuid", "createdAt");

-- CreateIndex
CREATE INDEX "BackupPoint_repositoryId_idx" ON "BackupPoint"("repositoryId");

-- CreateIndex
CREATE UNIQUE INDEX "BackupJob_name_key" ON "BackupJob"("name");

-- AddForeignKey
ALTER TABLE "BackupRepository" ADD CONSTRAINT "BackupRepository_hostId_fkey" FOREIGN KEY ("hostId") REFERENCES "Host"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "BackupPoint" ADD CONSTRAINT "BackupPoint_repositoryId_fkey" FOREIGN KEY ("repositoryId") REFERENCES "BackupRepository"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "BackupJob" ADD CONSTRAINT "BackupJob_repositoryId_fkey" FOREIGN KEY ("repositoryId") REFERENCES "BackupRepository"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- Built-in roles: admin and operator manage and restore backups.
UPDATE "AccessRole" SET "privileges" = array_cat("privileges", ARRAY['backup.manage','backup.restore']) WHERE "id" IN ('admin', 'operator');
