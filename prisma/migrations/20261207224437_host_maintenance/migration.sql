-- AlterTable
ALTER TABLE "Host" ADD COLUMN     "maintenanceSince" TIMESTAMPTZ(3);

-- CreateTable
CREATE TABLE "HostEvacuation" (
    "id" UUID NOT NULL,
    "sourceHostId" UUID NOT NULL,
    "destHostId" UUID NOT NULL,
    "vmUuid" TEXT NOT NULL,
    "vmName" TEXT NOT NULL,
    "mode" TEXT NOT NULL,
    "taskId" UUID,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "HostEvacuation_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "HostEvacuation_sourceHostId_vmUuid_key" ON "HostEvacuation"("sourceHostId", "vmUuid");

-- AddForeignKey
ALTER TABLE "HostEvacuation" ADD CONSTRAINT "HostEvacuation_sourceHostId_fkey" FOREIGN KEY ("sourceHostId") REFERENCES "Host"("id") ON DELETE CASCADE ON UPDATE CASCADE;
