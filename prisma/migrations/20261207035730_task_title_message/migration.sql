-- AlterTable
ALTER TABLE "Task" ADD COLUMN     "titleKey" TEXT,
ADD COLUMN     "titleParams" JSONB;
