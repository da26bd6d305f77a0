-- CreateTable
CREATE TABLE "TemplateImageCopy" (
    "id" UUID NOT NULL,
    "templateId" UUID NOT NULL,
    "hostId" UUID NOT NULL,
    "pool" TEXT NOT NULL,
    "volume" TEXT NOT NULL,
    "sha256" TEXT NOT NULL,
    "bytes" BIGINT NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "TemplateImageCopy_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "TemplateImageCopy_templateId_hostId_key" ON "TemplateImageCopy"("templateId", "hostId");

-- AddForeignKey
ALTER TABLE "TemplateImageCopy" ADD CONSTRAINT "TemplateImageCopy_templateId_fkey" FOREIGN KEY ("templateId") REFERENCES "VmTemplate"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "TemplateImageCopy" ADD CONSTRAINT "TemplateImageCopy_hostId_fkey" FOREIGN KEY ("hostId") REFERENCES "Host"("id") ON DELETE CASCADE ON UPDATE CASCADE;
