-- CreateEnum
CREATE TYPE "HostStatus" AS ENUM ('unverified', 'online', 'offline', 'key_mismatch');

-- CreateEnum
CREATE TYPE "DomainTypePref" AS ENUM ('auto', 'kvm', 'qemu');

-- CreateTable
CREATE TABLE "Host" (
    "id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "address" TEXT NOT NULL,
    "port" INTEGER NOT NULL DEFAULT 22,
    "username" TEXT NOT NULL,
    "libvirtUri" TEXT NOT NULL DEFAULT 'qemu:///system',
    "privateKeySealed" TEXT NOT NULL,
    "publicKey" TEXT NOT NULL,
    "hostKeySha256" TEXT,
    "presentedHostKeySha256" TEXT,
    "status" "HostStatus" NOT NULL DEFAULT 'unverified',
    "statusMessage" TEXT NOT NULL DEFAULT '',
    "lastSeenAt" TIMESTAMPTZ(3),
    "domainType" "DomainTypePref" NOT NULL DEFAULT 'auto',
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "Host_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "Host_name_key" ON "Host"("name");
