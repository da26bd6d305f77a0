-- CreateTable
CREATE TABLE "SnapshotSchedule" (
    "id" UUID NOT NULL,
    "hostId" UUID NOT NULL,
    "vmUuid" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "everyHours" INTEGER,
    "dailyAtMinute" INTEGER,
    "keep" INTEGER NOT NULL,
    "enabled" BOOLEAN NOT NULL DEFAULT true,
    "nextRunAt" TIMESTAMPTZ(3) NOT NULL,
    "lastRunAt" TIMESTAMPTZ(3),
    "lastTaskId" UUID,
    "createdById" UUID,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "SnapshotSchedule_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ScheduledSnapshot" (
    "id" UUID NOT NULL,
    "scheduleId" UUID NOT NULL,
    "hostId" UUID NOT NULL,
    "vmUuid" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ScheduledSnapshot_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "SnapshotSchedule_hostId_vmUuid_idx" ON "SnapshotSchedule"("hostId", "vmUuid");

-- CreateIndex
CREATE INDEX "SnapshotSchedule_enabled_nextRunAt_idx" ON "SnapshotSchedule"("enabled", "nextRunAt");

-- CreateIndex
CREATE INDEX "ScheduledSnapshot_scheduleId_createdAt_idx" ON "ScheduledSnapshot"("scheduleId", "createdAt");

-- CreateIndex
CREATE UNIQUE INDEX "ScheduledSnapshot_hostId_vmUuid_name_key" ON "ScheduledSnapshot"("hostId", "vmUuid", "name");

-- AddForeignKey
ALTER TABLE "ScheduledSnapshot" ADD CONSTRAINT "ScheduledSnapshot_scheduleId_fkey" FOREIGN KEY ("scheduleId") REFERENCES "SnapshotSchedule"("id") ON DELETE CASCADE ON UPDATE CASCADE;
