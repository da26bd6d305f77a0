-- AlterTable
ALTER TABLE "Task" ADD COLUMN     "messageKey" TEXT,
ADD COLUMN     "messageParams" JSONB;

-- AlterTable
ALTER TABLE "TaskLog" ADD COLUMN     "lineKey" TEXT,
ADD COLUMN     "lineParams" JSONB;
