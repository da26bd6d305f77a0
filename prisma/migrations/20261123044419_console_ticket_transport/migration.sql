-- CreateEnum
CREATE TYPE "ConsoleTransport" AS ENUM ('websocket', 'http_connect');

-- AlterTable
ALTER TABLE "ConsoleTicket" ADD COLUMN     "transport" "ConsoleTransport" NOT NULL DEFAULT 'websocket';
