-- AlterTable
ALTER TABLE "ConsoleSession" ADD COLUMN     "mainTicketId" TEXT,
ADD COLUMN     "ticketId" TEXT;

-- AlterTable
ALTER TABLE "ConsoleTicket" ADD COLUMN     "mainTicketId" TEXT;

-- CreateIndex
CREATE INDEX "ConsoleSession_userId_endedAt_idx" ON "ConsoleSession"("userId", "endedAt");

-- CreateIndex
CREATE INDEX "ConsoleSession_ticketId_idx" ON "ConsoleSession"("ticketId");
