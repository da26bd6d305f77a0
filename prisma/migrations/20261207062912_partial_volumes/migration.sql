-- CreateTable
CREATE TABLE "PartialVolume" (
    "id" UUID NOT NULL,
    "hostId" UUID NOT NULL,
    "pool" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "taskId" UUID,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "lastError" TEXT,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "PartialVolume_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "PartialVolume_hostId_pool_name_key" ON "PartialVolume"("hostId", "pool", "name");

-- AddForeignKey
ALTER TABLE "PartialVolume" ADD CONSTRAINT "PartialVolume_hostId_fkey" FOREIGN KEY ("hostId") REFERENCES "Host"("id") ON DELETE CASCADE ON UPDATE CASCADE;
